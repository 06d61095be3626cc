"""Helpers for testing applications that embed taskflow: a fake clock, and a whole
``TaskFlow`` on in-memory adapters in one call. Shipped with the package on purpose.

    from taskflow.testing import FakeClock, make_test_taskflow

    tf = make_test_taskflow()
    result = tf.auth.signup(email="a@example.com", password="correct horse", name="Ali")
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from taskflow.adapters.memory import (
    InMemoryStore,
    InMemoryTokenStore,
    InMemoryUnitOfWorkFactory,
    RecordingEventPublisher,
)
from taskflow.adapters.memory.mailer import RecordingMailer
from taskflow.bootstrap import TaskFlow, build_memory_storage
from taskflow.config import AuthConfig, InviteConfig, PasswordHashingConfig
from taskflow.notifications.config import NotificationConfig
from taskflow.ports.notifications import Mailer

__all__ = [
    "FAST_PASSWORD_HASHING",
    "TEST_AUTH_CONFIG",
    "FakeClock",
    "InMemoryStore",
    "InMemoryTokenStore",
    "InMemoryUnitOfWorkFactory",
    "RecordingEventPublisher",
    "RecordingMailer",
    "make_test_taskflow",
]

FAST_PASSWORD_HASHING = PasswordHashingConfig(memory_cost_kib=1024, time_cost=1, parallelism=1)
"""argon2id parameters cheap enough for a test suite. Never use them in production."""


def _test_auth_config() -> AuthConfig:
    return AuthConfig(
        jwt_secret=SecretStr("test-jwt-secret-that-is-at-least-32-characters"),
        refresh_secret=SecretStr("test-refresh-secret-that-is-at-least-32-chars"),
    )


TEST_AUTH_CONFIG = _test_auth_config()


class FakeClock:
    """A clock that stands still until told to move: ``advance(minutes=5)``, ``set(dt)``."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2024, 2, 1, 10, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware datetime")

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware datetime")
        self._now = when


def make_test_taskflow(
    *,
    clock: FakeClock | None = None,
    publisher: RecordingEventPublisher | None = None,
    auth_config: AuthConfig = TEST_AUTH_CONFIG,
    invite_config: InviteConfig | None = None,
    mailer: Mailer | None = None,
    notification_config: NotificationConfig | None = None,
) -> TaskFlow:
    """A ``TaskFlow`` on in-memory adapters with a fake clock, a recording publisher, a
    recording mailer and fast password hashing. Reach the fakes as ``tf.clock``,
    ``tf.publisher`` and ``tf.mailer``; receivers connected with ``tf.events.connect``
    hear the events too."""
    publisher = publisher or RecordingEventPublisher()
    storage = build_memory_storage(publisher)
    return TaskFlow.from_adapters(
        uow_factory=storage.uow_factory,
        token_store=storage.token_store,
        clock=clock or FakeClock(),
        publisher=publisher,
        auth_config=auth_config,
        invite_config=invite_config or InviteConfig(),
        password_hashing=FAST_PASSWORD_HASHING,
        mailer=mailer or RecordingMailer(),
        notification_config=notification_config,
    )
