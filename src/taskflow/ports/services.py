"""Ports for the services around storage: time, passwords, tokens, events."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar, runtime_checkable
from uuid import UUID

from taskflow.domain.models import Event, Session, TeamSummary, User

__all__ = [
    "AccessProfileReader",
    "Clock",
    "EventBus",
    "EventPublisher",
    "EventReceiver",
    "EventSubscriptions",
    "PasswordHasher",
    "Sealer",
    "TokenStore",
]

EventReceiver = Callable[[Event], object]
"""Called with each committed event of the name it was connected to."""

ReceiverT = TypeVar("ReceiverT", bound=EventReceiver)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool:
        """True if ``password`` matches; False (never an exception) otherwise."""

    def needs_rehash(self, password_hash: str) -> bool:
        """True if the hash was made with other parameters than the current ones."""


class TokenStore(Protocol):
    """Sessions (refresh-token families) and the denylist of revoked access tokens.

    Every method is atomic on its own; it is not part of a unit of work.
    """

    def add_session(self, session: Session) -> None: ...

    def get_session(self, session_id: UUID) -> Session | None: ...

    def rotate_session(
        self, session_id: UUID, expected_jti: str, new_jti: str, now: datetime
    ) -> bool:
        """If the session is active and its current refresh jti is ``expected_jti``, set it
        to ``new_jti`` and ``last_used_at`` to ``now`` in one conditional step; return
        whether that happened. False means reuse (or a revoked/expired session)."""

    def revoke_session(self, session_id: UUID, now: datetime) -> bool:
        """End one session; returns whether it was active."""

    def revoke_user_sessions(
        self, user_id: UUID, now: datetime, *, keep: UUID | None = None
    ) -> int:
        """End every active session of the user except ``keep``; returns how many."""

    def purge_expired(self, now: datetime) -> int:
        """Delete the sessions and the denylist entries whose tokens have expired anyway
        (a revoked session stays until then: it is how a reused refresh token is told);
        returns how many. The worker calls it periodically."""

    def list_sessions(self, user_id: UUID, now: datetime) -> Sequence[Session]:
        """The user's active sessions, newest first."""

    def deny(self, jti: str, expires_at: datetime) -> None:
        """Refuse this access token from now until it expires anyway."""

    def is_denied(self, jti: str, now: datetime) -> bool: ...

    def check_access(self, jti: str, session_id: UUID, user_id: UUID, now: datetime) -> bool:
        """True if the access token ``jti`` is not denied AND its session ``session_id``
        belongs to ``user_id`` and is active at ``now``: the check of every authenticated
        request, in one step (one statement on SQL). False says only "refuse it"; the
        caller asks ``is_denied`` and ``get_session`` why. Never cached: a token denied or
        a session revoked before the call is refused."""


@runtime_checkable
class AccessProfileReader(Protocol):
    """Optional, for a token store that lives beside the users (the SQL one): the token
    check of ``TokenStore.check_access`` and the user's profile (``UserRepository.
    get_with_teams``) in ONE step, for ``GET /auth/me``, the most frequent request.
    ``AuthService`` uses it when its token store provides it."""

    def profile_if_access(
        self, jti: str, session_id: UUID, user_id: UUID, now: datetime
    ) -> tuple[User, Sequence[TeamSummary]] | None:
        """The user and their teams if ``check_access`` would say True and the user
        exists; None otherwise (the caller then finds out which, the slow way). Never
        cached, like ``check_access``, and refusing exactly what it refuses (a store that
        changes ``check_access`` must change this too)."""


class Sealer(Protocol):
    """Keeps a short secret encrypted and authenticated while it waits in storage (the outbox,
    the queue, the delivery log), bound to a ``purpose``."""

    def seal(self, value: str, *, purpose: str) -> str: ...

    def open(self, sealed: str, *, purpose: str) -> str:
        """``SealedValueInvalid`` unless ``sealed`` came from ``seal`` with this purpose."""
        ...


class EventPublisher(Protocol):
    def publish(self, events: Sequence[Event]) -> None:
        """Deliver committed events to in-process listeners (and whoever else listens)."""


class EventSubscriptions(Protocol):
    """Where code in the same process receives the committed events of ONE ``TaskFlow``
    (``tf.events``). Receivers are held strongly (a lambda keeps working) until
    disconnected."""

    def connect(self, name: str, receiver: ReceiverT) -> ReceiverT:
        """Call ``receiver(event)`` for every committed event named ``name``; returns
        ``receiver``."""

    def disconnect(self, name: str, receiver: EventReceiver) -> None:
        """Stop calling ``receiver`` for ``name`` (nothing happens if it was not connected)."""

    def receiver(self, name: str) -> Callable[[ReceiverT], ReceiverT]:
        """``connect`` as a decorator: ``@tf.events.receiver("task.completed")``."""


class EventBus(EventPublisher, EventSubscriptions, Protocol):
    """A publisher that is also where its receivers subscribe: what ``TaskFlow`` needs."""
