"""Identity mode: the host application authenticates, taskflow links its users.

``tf.identities`` turns a host user id (an int, a string or a UUID) into the id of a
taskflow user, creating and linking that user the first time: its email, name and
language come from the host's ``UserDirectory``. The linked user has no password of
taskflow's (it cannot log in to taskflow, nor ask for a reset) and its email counts as
verified: the host vouches for it. Teams, invites, tasks, comments and notifications
then work for it as for any other user.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from uuid import UUID

import attrs

from taskflow.domain.host_users import HostUser, HostUserId, host_key
from taskflow.domain.models import User
from taskflow.domain.notifications import LANGUAGES, NotificationPreferences
from taskflow.errors import (
    AuthenticationFailed,
    ConfigurationError,
    EmailAlreadyExists,
    HostUserAlreadyLinked,
    InvalidInput,
)
from taskflow.ids import new_id
from taskflow.ports.identity import UserDirectory
from taskflow.ports.services import Clock
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from taskflow.services.read_models import Principal
from taskflow.validation import normalize_email

__all__ = ["NO_PASSWORD", "IdentityService"]

NO_PASSWORD: Final = "!host"  # noqa: S105 - not a password: a hash nothing matches
"""The password hash of a linked user: no password ever verifies against it."""

_NAME_MAX: Final = 100


class IdentityService:
    """``tf.identities``. Without a directory (taskflow's own accounts, the default),
    every call raises ``ConfigurationError``."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, directory: UserDirectory | None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._directory = directory

    @property
    def enabled(self) -> bool:
        """Whether a user directory was given (identity mode is possible)."""
        return self._directory is not None

    def principal_for(self, host_user_id: HostUserId) -> Principal:
        """The principal of a request the host authenticated as ``host_user_id``: what
        the web integrations' resolvers produce. See ``user_id_for``."""
        key = host_key(host_user_id)
        return Principal(
            user_id=self.user_id_for(host_user_id),
            session_id=None,
            jti=None,
            expires_at=None,
            host_user_id=key,
        )

    def user_id_for(self, host_user_id: HostUserId) -> UUID:
        """The taskflow user id linked to ``host_user_id``, linking a new user the first
        time (the directory describes it). ``AuthenticationFailed`` when the directory has
        no such user; ``EmailAlreadyExists`` when its email belongs to another taskflow
        user; ``InvalidInput`` when the directory's email is not an email address."""
        directory = self._require_directory()
        key = host_key(host_user_id)
        with self._uow(read_only=True) as uow:
            user = uow.users.get_by_external_id(key)
        if user is not None:
            return user.id
        entry = directory.get(host_user_id)
        if entry is None:
            raise AuthenticationFailed("The host application has no such user.")
        return self._link(key, entry)

    def refresh(self, host_user_id: HostUserId) -> UUID:
        """Read the host user again from the directory and store its email, name and
        language (call it when your user changes them); links the user if it was not yet.
        ``AuthenticationFailed`` when the directory no longer has it; ``EmailAlreadyExists``
        when the new email belongs to another taskflow user."""
        directory = self._require_directory()
        key = host_key(host_user_id)
        entry = directory.get(host_user_id)
        if entry is None:
            raise AuthenticationFailed("The host application has no such user.")
        email, name, language = _described(entry)
        with self._uow(read_only=True) as uow:
            linked = uow.users.get_by_external_id(key)
        if linked is None:
            return self._link(key, entry)
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.get(linked.id)
            if user is None:  # deleted meanwhile
                raise AuthenticationFailed("The host application has no such user.")
            if (user.email, user.name) != (email, name):
                uow.users.update(attrs.evolve(user, email=email, name=name, updated_at=now))
            if language is not None:
                _set_language(uow, user.id, language, now)
            uow.commit()
        return user.id

    def host_user_id_of(self, user_id: UUID) -> str | None:
        """The host's id (as text) of a linked user; None for a user of taskflow's own or
        an unknown id."""
        with self._uow(read_only=True) as uow:
            user = uow.users.get(user_id)
        return None if user is None else user.external_id

    def _link(self, key: str, entry: HostUser) -> UUID:
        email, name, language = _described(entry)
        now = self._clock.now()
        user = User(
            id=new_id(),
            email=email,
            password_hash=NO_PASSWORD,
            name=name,
            email_verified=True,  # the host vouches for its users' addresses
            created_at=now,
            updated_at=now,
            external_id=key,
        )
        try:
            with self._uow() as uow:
                uow.users.add(user)
                if language is not None:
                    _set_language(uow, user.id, language, now)
                uow.commit()
        except (HostUserAlreadyLinked, EmailAlreadyExists):
            # Two first requests of the same host user at once: the other one linked it.
            # (On some backends the loser cannot tell which key it ran into: look.)
            with self._uow(read_only=True) as uow:
                linked = uow.users.get_by_external_id(key)
            if linked is None:
                raise EmailAlreadyExists(
                    "Another taskflow user already has this host user's email address."
                ) from None
            return linked.id
        return user.id

    def _require_directory(self) -> UserDirectory:
        if self._directory is None:
            raise ConfigurationError(
                "Identity mode needs a user directory: "
                "TaskFlow.from_settings(..., directory=YourDirectory())."
            )
        return self._directory


def _described(entry: HostUser) -> tuple[str, str, str | None]:
    """The email (normalised), name and language taskflow stores for a host user."""
    try:
        email = normalize_email(entry.email)
    except (ValueError, TypeError, AttributeError):
        raise InvalidInput.for_field(
            "email", "the host's directory gave no valid email address for this user"
        ) from None
    name = (entry.name or "").strip() or email.partition("@")[0]
    language = entry.language if entry.language in LANGUAGES else None
    return email, name[:_NAME_MAX], language


def _set_language(uow: UnitOfWork, user_id: UUID, language: str, now: datetime) -> None:
    current = uow.preferences.get(user_id)
    if current is not None and current.language == language:
        return
    base = current or NotificationPreferences(user_id=user_id)
    uow.preferences.put(attrs.evolve(base, language=language, updated_at=now))
