"""The composition root: the one place that wires adapters into services.

Two documented ways to build taskflow, and nothing happens at import time:

- ``TaskFlow.from_settings(settings)`` reads ``Settings`` (environment variables and
  ``.env``) and picks the adapters they name.
- ``TaskFlow.from_adapters(...)`` takes adapters you built yourself (tests, custom
  storage). ``taskflow.testing.make_test_taskflow()`` does this with in-memory fakes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Self

from attrs import frozen

from taskflow.clock import SystemClock
from taskflow.config import AuthConfig, InviteConfig, PasswordHashingConfig
from taskflow.errors import ConfigurationError
from taskflow.events import BlinkerEventPublisher
from taskflow.notifications.config import NotificationConfig
from taskflow.notifications.service import NotificationService
from taskflow.ports.notifications import Mailer
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

__all__ = ["Storage", "TaskFlow"]


def _nothing_to_close() -> None:
    return None


@frozen
class Storage:
    """What a storage backend hands the composition root: the unit-of-work factory, the
    token store, and how to release its resources (connection pools) at shutdown."""

    uow_factory: UnitOfWorkFactory
    token_store: TokenStore
    close: Callable[[], None] = _nothing_to_close


class TaskFlow:
    """taskflow, assembled: ``tf.auth``, ``tf.teams``, ``tf.invites``, ``tf.tasks``,
    ``tf.comments``, ``tf.notifications``. Build it once at start-up and share it; it is
    thread-safe."""

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
        notification_config: NotificationConfig | None = None,
        mailer: Mailer | None = None,
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
        self.mailer = mailer
        self.notifications = NotificationService(
            uow_factory, clock, config=notification_config, mailer=mailer
        )
        self._closers: list[Callable[[], None]] = []

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
        notification_config: NotificationConfig | None = None,
        mailer: Mailer | None = None,
    ) -> TaskFlow:
        """Build from adapters you made. Defaults: the system clock, blinker signals, and
        argon2id with ``password_hashing`` (OWASP's parameters if not given). Without a
        ``mailer`` the inbox works but ``tf.notifications.deliver_due`` cannot send."""
        return cls(
            uow_factory=uow_factory,
            token_store=token_store,
            clock=clock or SystemClock(),
            publisher=publisher or BlinkerEventPublisher(),
            hasher=hasher or Argon2PasswordHasher(password_hashing),
            auth_config=auth_config,
            invite_config=invite_config or InviteConfig(),
            notification_config=notification_config,
            mailer=mailer,
        )

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> TaskFlow:
        """Build from ``Settings`` (read from the environment and ``.env`` if not given).

        Raises ``ConfigurationError`` for bad or incomplete settings. Call ``close()`` (or
        use ``with``) at shutdown to release the database connections."""
        from taskflow.settings import Settings  # noqa: PLC0415 - read only when asked

        settings = settings if settings is not None else Settings()
        # Configuration first, so a bad setting fails before any connection is opened.
        auth_config = settings.auth_config()
        invite_config = settings.invite_config()
        password_hashing = settings.password_hashing_config()
        notification_config = settings.notification_config()
        mailer = _build_mailer(settings)
        publisher = BlinkerEventPublisher()
        storage = _build_storage(settings, publisher)
        token_store, close_token_store = _with_redis_denylist(settings, storage.token_store)
        taskflow = cls.from_adapters(
            uow_factory=storage.uow_factory,
            token_store=token_store,
            auth_config=auth_config,
            publisher=publisher,
            invite_config=invite_config,
            password_hashing=password_hashing,
            notification_config=notification_config,
            mailer=mailer,
        )
        taskflow._closers.append(storage.close)
        taskflow._closers.append(close_token_store)
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


_SQL_ADAPTER = "taskflow.adapters.sqlalchemy"


def _build_storage(settings: Settings, publisher: EventPublisher) -> Storage:
    """The one place that picks the storage backend from ``DATABASE_URL``.

    - ``memory://``: the in-memory adapters (demos; nothing survives the process).
    - anything else (and the default, a SQLite file in ``TASKFLOW_DATA_DIR``): the
      SQLAlchemy adapter, imported here so that ``import taskflow`` never loads SQLAlchemy.
    """
    if settings.uses_memory_storage:
        from taskflow.adapters.memory import (  # noqa: PLC0415
            InMemoryStore,
            InMemoryTokenStore,
            InMemoryUnitOfWorkFactory,
        )

        return Storage(
            uow_factory=InMemoryUnitOfWorkFactory(InMemoryStore(), publisher),
            token_store=InMemoryTokenStore(),
        )
    # The SQL helper (issue 4) plugs in here: `taskflow.adapters.sqlalchemy` provides
    # `build_storage(settings, publisher) -> Storage` (SQL unit of work, SQL or Redis
    # token store, and `close` disposing the engines).
    try:
        sql_adapter = importlib.import_module(_SQL_ADAPTER)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if missing != _SQL_ADAPTER and missing.partition(".")[0] == "taskflow":
            raise  # a bug inside taskflow, not a missing extra
        raise _missing_sql_support(missing) from None
    build: Callable[[Settings, EventPublisher], Storage] | None = getattr(
        sql_adapter, "build_storage", None
    )
    if build is None:
        raise _missing_sql_support(_SQL_ADAPTER)
    return build(settings, publisher)


def _missing_sql_support(missing_module: str) -> ConfigurationError:
    if missing_module == _SQL_ADAPTER:
        return ConfigurationError(
            "DATABASE_URL names a SQL database (the default is a SQLite file), but this "
            "version of taskflow has no SQL storage yet: set DATABASE_URL=memory:// to run "
            "on the in-memory adapters."
        )
    return ConfigurationError(
        f"DATABASE_URL names a SQL database, which needs the optional dependency "
        f"{missing_module!r}: install it with: pip install 'taskflow[sqlalchemy]' (plus "
        "'taskflow[postgres]' or 'taskflow[mysql]' for those servers)."
    )


def _with_redis_denylist(
    settings: Settings, token_store: TokenStore
) -> tuple[TokenStore, Callable[[], None]]:
    """With ``REDIS_URL``, revoked access tokens are kept in Redis (shared by every
    process, expiring with the tokens); sessions stay in ``token_store``. Returns the
    token store and how to close what was opened for it."""
    if settings.redis_url is None:
        return token_store, _nothing_to_close
    try:
        from taskflow.adapters.redis.token_store import (  # noqa: PLC0415
            RedisDenylistTokenStore,
        )
    except ModuleNotFoundError as error:
        raise ConfigurationError(
            f"REDIS_URL is set, which needs the optional dependency {error.name!r}: "
            "install it with: pip install 'taskflow[redis]'"
        ) from None
    redis_store = RedisDenylistTokenStore.from_url(
        token_store, settings.redis_url.get_secret_value()
    )
    return redis_store, redis_store.close


def _build_mailer(settings: Settings) -> Mailer:
    """SMTP when ``SMTP_HOST`` is set (the ``smtp`` extra), else ``.eml`` files in
    ``TASKFLOW_MAIL_DIR``."""
    if not settings.uses_smtp:
        from taskflow.adapters.mail_files import FileMailer  # noqa: PLC0415

        return FileMailer(settings.resolved_mail_dir())
    try:
        from taskflow.adapters.smtp import SmtpMailer  # noqa: PLC0415
    except ModuleNotFoundError as error:
        raise ConfigurationError(
            f"SMTP_HOST is set, which needs the optional dependency {error.name!r}: "
            "install it with: pip install 'taskflow[smtp]'"
        ) from None
    password = settings.smtp_password
    return SmtpMailer(
        host=settings.smtp_host or "",
        port=settings.smtp_port,
        security=settings.smtp_tls,
        username=settings.smtp_username,
        password=password.get_secret_value() if password is not None else None,
        timeout=settings.smtp_timeout,
    )
