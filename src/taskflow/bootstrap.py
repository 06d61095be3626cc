"""The composition root: the one place that wires adapters into services.

Two documented ways to build taskflow, and nothing happens at import time:

- ``TaskFlow.from_settings(settings)`` reads ``Settings`` (environment variables and
  ``.env``) and picks the adapters they name.
- ``TaskFlow.from_adapters(...)`` takes adapters you built yourself (tests, custom
  storage). ``taskflow.testing.make_test_taskflow()`` does this with in-memory fakes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.clock import SystemClock
from taskflow.config import AuthConfig, InviteConfig, PasswordHashingConfig
from taskflow.events import BlinkerEventPublisher
from taskflow.ports.services import Clock, EventPublisher, PasswordHasher, TokenStore
from taskflow.ports.unit_of_work import UnitOfWorkFactory
from taskflow.security.passwords import Argon2PasswordHasher
from taskflow.services.auth import AuthService
from taskflow.services.comments import CommentService
from taskflow.services.invites import InviteService
from taskflow.services.tasks import TaskService
from taskflow.services.teams import TeamService

if TYPE_CHECKING:
    from taskflow.settings import Settings

__all__ = ["TaskFlow"]


class TaskFlow:
    """taskflow, assembled: ``tf.auth``, ``tf.teams``, ``tf.invites``, ``tf.tasks``,
    ``tf.comments``. Build it once at start-up and share it; it is thread-safe."""

    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        token_store: TokenStore,
        clock: Clock,
        publisher: EventPublisher,
        hasher: PasswordHasher,
        auth_config: AuthConfig,
        invite_config: InviteConfig,
    ) -> None:
        self.uow_factory = uow_factory
        self.token_store = token_store
        self.clock = clock
        self.publisher = publisher
        self.hasher = hasher
        self.auth_config = auth_config
        self.invite_config = invite_config
        self.auth = AuthService(uow_factory, token_store, hasher, clock, auth_config)
        self.teams = TeamService(uow_factory, clock)
        self.invites = InviteService(uow_factory, clock, invite_config)
        self.tasks = TaskService(uow_factory, clock)
        self.comments = CommentService(uow_factory, clock)

    @classmethod
    def from_adapters(
        cls,
        *,
        uow_factory: UnitOfWorkFactory,
        token_store: TokenStore,
        auth_config: AuthConfig,
        clock: Clock | None = None,
        publisher: EventPublisher | None = None,
        hasher: PasswordHasher | None = None,
        invite_config: InviteConfig | None = None,
        password_hashing: PasswordHashingConfig | None = None,
    ) -> TaskFlow:
        """Build from adapters you made. Defaults: the system clock, blinker signals, and
        argon2id with ``password_hashing`` (OWASP's parameters if not given)."""
        return cls(
            uow_factory=uow_factory,
            token_store=token_store,
            clock=clock or SystemClock(),
            publisher=publisher or BlinkerEventPublisher(),
            hasher=hasher or Argon2PasswordHasher(password_hashing),
            auth_config=auth_config,
            invite_config=invite_config or InviteConfig(),
        )

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> TaskFlow:
        """Build from ``Settings`` (read from the environment and ``.env`` if not given)."""
        raise NotImplementedError("from_settings is being written (issue 2)")
