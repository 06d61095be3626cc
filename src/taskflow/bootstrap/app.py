"""``TaskFlow``: the services, assembled on the adapters given or named by the settings.

Two documented ways to build taskflow, and nothing happens at import time:

- ``TaskFlow.from_settings(settings)`` reads ``Settings`` (environment variables and
  ``.env``) and picks the adapters they name.
- ``TaskFlow.from_adapters(...)`` takes adapters you built yourself (tests, custom
  storage). ``taskflow.testing.make_test_taskflow()`` does this with in-memory fakes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Self

from pydantic import SecretStr

from taskflow.adapters.blinker import BlinkerEventPublisher
from taskflow.bootstrap.mail import build_mailer
from taskflow.bootstrap.push import build_push_sender
from taskflow.bootstrap.storage import build_storage
from taskflow.clock import SystemClock
from taskflow.config import AuthConfig, ExportConfig, InviteConfig, PasswordHashingConfig
from taskflow.domain.notifications import NotificationType
from taskflow.notifications.config import NotificationConfig
from taskflow.notifications.service import NotificationService
from taskflow.pagination import CursorCodec
from taskflow.ports.identity import UserDirectory
from taskflow.ports.notifications import Mailer, PushSender
from taskflow.ports.services import (
    Clock,
    EventBus,
    EventSubscriptions,
    PasswordHasher,
    TokenStore,
)
from taskflow.ports.unit_of_work import UnitOfWorkFactory
from taskflow.security.keyring import Keyring
from taskflow.security.passwords import Argon2PasswordHasher
from taskflow.security.sealing import AesGcmSealer
from taskflow.services.auth import AuthService
from taskflow.services.comments import CommentService
from taskflow.services.exports import DataExportService
from taskflow.services.identities import IdentityService
from taskflow.services.invites import InviteService
from taskflow.services.tasks import TaskService
from taskflow.services.teams import TeamService

if TYPE_CHECKING:
    from taskflow.settings import Settings

__all__ = ["TaskFlow"]


class TaskFlow:
    """taskflow, assembled: ``tf.auth``, ``tf.teams``, ``tf.invites``, ``tf.tasks``,
    ``tf.comments``, ``tf.notifications``, ``tf.exports`` (a user's data export),
    ``tf.identities`` (identity mode), and ``tf.events`` where code in the same process
    receives this instance's committed events (``tf.events.connect(name, receiver)``,
    ``@tf.events.receiver(name)``, ``tf.events.disconnect(name, receiver)``). Build it once
    at start-up and share it; it is thread-safe."""

    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        token_store: TokenStore,
        clock: Clock,
        publisher: EventBus,
        hasher: PasswordHasher,
        auth_config: AuthConfig,
        invite_config: InviteConfig,
        keyring: Keyring,
        notification_config: NotificationConfig | None = None,
        mailer: Mailer | None = None,
        directory: UserDirectory | None = None,
        export_config: ExportConfig | None = None,
        push: PushSender | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.token_store = token_store
        self.clock = clock
        self.publisher = publisher
        self.events: EventSubscriptions = publisher
        self.hasher = hasher
        self.auth_config = auth_config
        self.invite_config = invite_config
        sealer = AesGcmSealer(keyring)
        self.sealer = sealer
        cursors = CursorCodec(keyring)
        self.cursors = cursors
        self.auth = AuthService(
            uow_factory,
            token_store,
            hasher,
            clock,
            auth_config,
            sealer=sealer,
            default_language=(notification_config or NotificationConfig()).default_language,
        )
        self.teams = TeamService(uow_factory, clock)
        self.invites = InviteService(uow_factory, clock, invite_config, sealer)
        self.tasks = TaskService(uow_factory, clock, cursors)
        self.comments = CommentService(uow_factory, clock, cursors)
        self.identities = IdentityService(uow_factory, clock, directory)
        self.exports = DataExportService(uow_factory, clock, export_config or ExportConfig())
        self.mailer = mailer
        self.push = push
        self.notifications = NotificationService(
            uow_factory,
            clock,
            sealer=sealer,
            cursors=cursors,
            config=notification_config,
            mailer=mailer,
            attachments={NotificationType.USER_DATA_EXPORT: self.exports.attachment},
            push=push,
        )
        self._closers: list[Callable[[], None]] = []
        self.settings: Settings | None = None
        """The settings this instance was built from (``from_settings``), else None."""

    @classmethod
    def from_adapters(
        cls,
        *,
        uow_factory: UnitOfWorkFactory,
        token_store: TokenStore,
        auth_config: AuthConfig,
        clock: Clock | None = None,
        publisher: EventBus | None = None,
        hasher: PasswordHasher | None = None,
        invite_config: InviteConfig | None = None,
        password_hashing: PasswordHashingConfig | None = None,
        notification_config: NotificationConfig | None = None,
        mailer: Mailer | None = None,
        keyring: Keyring | None = None,
        directory: UserDirectory | None = None,
        export_config: ExportConfig | None = None,
        push: PushSender | None = None,
    ) -> TaskFlow:
        """Build from adapters you made. Defaults: the system clock, a publisher of its own
        (``BlinkerEventPublisher``), and argon2id with ``password_hashing`` (OWASP's
        parameters if not given). Without a ``mailer`` the inbox works but
        ``tf.notifications.deliver_due`` cannot send mail; without ``push`` (a
        ``PushSender``, e.g. ``taskflow.adapters.webpush.WebPushSender``) nothing is
        sent by Web Push.

        ``keyring`` seals the one-time tokens waiting in the outbox and signs page
        cursors. Without one, a key of this instance alone is made: cursors and pending
        invite/reset mails then mean nothing to another process (or after a restart), so
        give every process that shares the storage the same keyring.

        ``export_config``: how often a user may ask for a data export (``tf.exports``).

        ``publisher`` becomes ``tf.events``: give the SAME one to your storage (the unit of
        work publishes each committed event on it), or receivers never hear anything.

        ``directory``: your users (identity mode, ``docs/embedding.md``): your app
        authenticates, ``tf.identities`` links your user ids to taskflow users."""
        return cls(
            uow_factory=uow_factory,
            token_store=token_store,
            clock=clock or SystemClock(),
            publisher=publisher or BlinkerEventPublisher(),
            hasher=hasher or Argon2PasswordHasher(password_hashing),
            auth_config=auth_config,
            invite_config=invite_config or InviteConfig(),
            keyring=keyring or Keyring([SecretStr(secrets.token_urlsafe(32))]),
            notification_config=notification_config,
            mailer=mailer,
            directory=directory,
            export_config=export_config,
            push=push,
        )

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        *,
        migrate: bool = False,
        directory: UserDirectory | None = None,
    ) -> TaskFlow:
        """Build from ``Settings`` (read from the environment and ``.env`` if not given).
        ``migrate``: first bring the SQL database(s) to the latest schema (what
        ``taskflow db upgrade`` does; SQLite files always are). ``directory``: your users,
        for identity mode (see ``from_adapters``).

        Raises ``ConfigurationError`` for bad or incomplete settings. Call ``close()`` (or
        use ``with``) at shutdown to release the database connections."""
        from taskflow.settings import Settings  # noqa: PLC0415 - read only when asked

        settings = settings if settings is not None else Settings()
        # Configuration first, so a bad setting fails before any connection is opened.
        auth_config = settings.auth_config()
        invite_config = settings.invite_config()
        password_hashing = settings.password_hashing_config()
        notification_config = settings.notification_config()
        keyring = settings.data_keyring()
        mailer = build_mailer(settings)
        push = build_push_sender(settings)
        publisher = BlinkerEventPublisher()
        storage = build_storage(settings, publisher, migrate=migrate)
        taskflow = cls.from_adapters(
            uow_factory=storage.uow_factory,
            token_store=storage.token_store,
            auth_config=auth_config,
            publisher=publisher,
            invite_config=invite_config,
            password_hashing=password_hashing,
            notification_config=notification_config,
            mailer=mailer,
            keyring=keyring,
            directory=directory,
            export_config=settings.export_config(),
            push=push,
        )
        taskflow._closers.append(storage.close)
        taskflow.settings = settings
        return taskflow

    def close(self) -> None:
        """Release what ``from_settings`` opened (connection pools). Idempotent."""
        closers, self._closers = self._closers, []
        for close in reversed(closers):
            close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
