"""Settings from environment variables and a ``.env`` file (pydantic-settings).

Nothing is read at import time: ``Settings()`` reads the environment (and ``.env`` in the
current directory) when called, and ``TaskFlow.from_settings()`` calls it for you.

Names: the variables the seed names are used as they are (``DATABASE_URL``,
``JWT_SECRET``, ``REFRESH_SECRET``, ``REDIS_URL``, ``SMTP_PASSWORD``, ``SENTRY_DSN``) with
their family (``AUTH_DATABASE_URL``, ``TASK_DATABASE_URL``, ``DATABASE_REPLICA_URL``,
``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_USERNAME``, ``SMTP_FROM``, ``SMTP_TLS``,
``CORS_ORIGINS``); every other setting is ``TASKFLOW_`` + the field name in capitals
(``data_dir`` is ``TASKFLOW_DATA_DIR``). ``docs/configuration.md`` lists them all.

Secrets (the two signing secrets, the SMTP password, and the URLs that can carry a
password) are ``SecretStr``: they never appear in a repr, a log line or an error. A bad
value raises ``ConfigurationError`` naming the variable, never echoing the value.

The embedded default needs no set-up: with neither ``JWT_SECRET`` nor ``REFRESH_SECRET``
set, strong secrets are generated once into ``TASKFLOW_DATA_DIR`` (a file only its owner
can read, next to the SQLite database) and reused on every later start, with a warning
that production must set its own.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import re
import secrets
import stat
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from dotenv import dotenv_values
from pydantic import (
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from taskflow.config import AuthConfig, ExportConfig, InviteConfig, PasswordHashingConfig
from taskflow.errors import ConfigurationError
from taskflow.notifications.config import (
    DEFAULT_LINK_PATHS,
    DEFAULT_PUSH_HOSTS,
    NotificationConfig,
    check_link_path,
)
from taskflow.security.keyring import Keyring
from taskflow.setting_names import refuse_unknown_names

__all__ = [
    "GENERATED_DATA_KEYS_FILE",
    "GENERATED_SECRETS_FILE",
    "GENERATED_VAPID_KEY_FILE",
    "MIN_SECRET_LENGTH",
    "SQLITE_FILE",
    "Settings",
    "new_vapid_private_key",
    "parse_duration",
]

logger = logging.getLogger(__name__)

ENV_PREFIX = "TASKFLOW_"
MIN_SECRET_LENGTH = 32
SQLITE_FILE = "taskflow.sqlite3"
"""The SQLite database of the embedded default, inside ``TASKFLOW_DATA_DIR``."""
GENERATED_SECRETS_FILE = "generated-secrets.json"
"""Where the embedded default keeps the secrets it generated, inside ``TASKFLOW_DATA_DIR``."""
GENERATED_DATA_KEYS_FILE = "generated-data-keys.json"
"""Where the data keyring generated when ``TASKFLOW_DATA_KEYS`` is unset is kept."""
GENERATED_VAPID_KEY_FILE = "generated-vapid-key.json"
"""Where the VAPID key generated when ``TASKFLOW_VAPID_PRIVATE_KEY`` is unset is kept."""
MEMORY_DATABASE_URL = "memory://"
DEFAULT_APP_URL = "http://localhost:8000"
"""The links' base when ``TASKFLOW_APP_URL`` is unset (``taskflow serve``'s default address)."""

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
# The rate-limit notation of the `limits` library: "100/minute", "10 per 1 second".
_RATE_LIMIT = re.compile(
    r"^\s*\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day|month|year)s?\s*$", re.IGNORECASE
)
_ORIGIN = re.compile(r"^https?://[^/\s?#]+$", re.IGNORECASE)
_TABLE_PREFIX = re.compile(r"(?:[a-z][a-z0-9_]*)?")
_SCHEMA_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
_QUEUE_SCHEMES: dict[str, Literal["redis", "rabbitmq"]] = {
    "amqp": "rabbitmq",
    "amqps": "rabbitmq",
    "redis": "redis",
    "rediss": "redis",
    "unix": "redis",
}


def parse_duration(value: object) -> object:
    """Seconds (``900``), a number with a unit (``15m``, ``1h``, ``7d``) or an ISO 8601
    duration (``PT15M``, left to pydantic). Anything else (``15:00`` is ambiguous) is
    refused."""
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if not isinstance(value, str):
        return value
    match = _DURATION.match(value)
    if match:
        amount, unit = int(match.group(1)), (match.group(2) or "s").lower()
        return timedelta(**{_DURATION_UNITS[unit]: amount})
    if value.strip().upper().startswith("P"):
        return value.strip().upper()
    raise ValueError("use seconds (900), a number with a unit (15m, 1h, 7d) or ISO 8601 (PT15M)")


Duration = Annotated[timedelta, Field(gt=timedelta(0))]
CommaList = Annotated[list[str], NoDecode]
NetworkList = Annotated[list[IPvAnyNetwork], NoDecode]


class Settings(BaseSettings):
    """Everything taskflow can be configured with. Build it with ``Settings()`` (reads the
    environment and ``.env``), or pass values by field name: ``Settings(data_dir=...)``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # `REDIS_URL=` in .env means "not set"
        extra="ignore",  # a .env file may hold other programs' variables
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        validate_default=True,
    )

    # --- Storage (the seed's names) ---------------------------------------------------
    database_url: SecretStr | None = Field(default=None, validation_alias="DATABASE_URL")
    """SQLAlchemy URL of the database; ``memory://`` for the in-memory adapters; unset:
    SQLite file ``taskflow.sqlite3`` in ``data_dir``."""
    auth_database_url: SecretStr | None = Field(default=None, validation_alias="AUTH_DATABASE_URL")
    task_database_url: SecretStr | None = Field(default=None, validation_alias="TASK_DATABASE_URL")
    database_replica_url: SecretStr | None = Field(
        default=None, validation_alias="DATABASE_REPLICA_URL"
    )
    db_pool_size: int = Field(default=5, ge=1, le=1000)
    """Connections each PostgreSQL/MariaDB engine keeps open (SQLAlchemy's ``pool_size``);
    also the FastAPI server's service threads (``taskflow serve``)."""
    db_max_overflow: int = Field(default=10, ge=0, le=1000)
    """Extra connections opened under load beyond the pool, closed when returned."""
    sql_direct_lane: Literal["on", "off"] = "on"
    """``off``: every SQL statement runs through SQLAlchemy's ``Connection.execute``
    instead of the direct lane (docs/storage.md)."""
    table_prefix: str = "taskflow_"
    """Starts the name of every taskflow table (``taskflow_users``...), so that they never
    meet the application's own tables: lower-case letters, digits and ``_``, starting
    with a letter; short enough that every name fits in 63 characters (docs/storage.md).
    Empty (from Python only: an empty variable means "not set"): the bare names."""
    db_schema: str | None = None
    """PostgreSQL: the schema taskflow's tables live in, created by ``taskflow db
    upgrade`` if missing (unset: the connection's default, usually ``public``)."""

    # --- Tokens ----------------------------------------------------------------------
    jwt_secret: SecretStr | None = Field(default=None, validation_alias="JWT_SECRET")
    refresh_secret: SecretStr | None = Field(default=None, validation_alias="REFRESH_SECRET")
    jwt_previous_secrets: SecretStr | None = None
    """``TASKFLOW_JWT_PREVIOUS_SECRETS``: the access-token secrets of before the last
    rotations, comma-separated. Tokens they signed are accepted until they expire; drop
    a key once ``TASKFLOW_ACCESS_TOKEN_TTL`` has passed since it was replaced (docs/deploy.md)."""
    refresh_previous_secrets: SecretStr | None = None
    """``TASKFLOW_REFRESH_PREVIOUS_SECRETS``: the same for ``REFRESH_SECRET``; drop a key
    once ``TASKFLOW_REFRESH_TOKEN_TTL`` has passed since it was replaced."""
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str = Field(default="taskflow", min_length=1)
    jwt_audience: str = Field(default="taskflow", min_length=1)
    access_token_ttl: Duration = timedelta(minutes=15)
    refresh_token_ttl: Duration = timedelta(days=7)
    email_verification_ttl: Duration = timedelta(days=2)
    password_reset_ttl: Duration = timedelta(hours=1)
    email_change_ttl: Duration = timedelta(days=2)
    """How long the link mailed to the new address confirms an email change."""
    email_change_undo_ttl: Duration = timedelta(days=7)
    """How long the link mailed to the old address undoes a completed email change."""
    account_deletion_grace: Duration = timedelta(days=7)
    """Between a deletion request and the erasure of the account; a login cancels it."""
    invite_ttl: Duration = timedelta(days=7)
    invite_sender_limit: int = Field(default=50, ge=0)
    """Invites one user may send per hour, across all their teams (0: no limit)."""
    data_export_interval: Duration = timedelta(hours=24)
    """The least time between two data exports a user asks for (``POST /auth/me/export``)."""
    data_keys: SecretStr | None = None
    """``TASKFLOW_DATA_KEYS``: the data keyring, comma-separated, newest first. The newest
    seals the one-time tokens waiting in the outbox and signs page cursors; every key
    opens and verifies (rotation: put a new key in front). Unset: generated once into
    ``data_dir``, like the signing secrets."""

    # --- Login lockout and password hashing ------------------------------------------
    lockout_threshold: int = Field(default=5, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    argon2_memory_kib: int = Field(default=19 * 1024, ge=8)
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_parallelism: int = Field(default=1, ge=1)

    # --- Queue, mail, error tracking -------------------------------------------------
    redis_url: SecretStr | None = Field(default=None, validation_alias="REDIS_URL")
    """Unset: the in-process queue and worker thread."""
    queue_url: SecretStr | None = None
    """``TASKFLOW_QUEUE_URL``: the event queue's server, when it is not ``REDIS_URL``'s:
    ``amqp://`` or ``amqps://`` for RabbitMQ, ``redis://``, ``rediss://`` or ``unix://``
    for Redis Streams. Unset: Redis Streams on ``REDIS_URL`` if set, else in-process."""
    queue_name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")
    """``TASKFLOW_QUEUE_NAME``: the queue's name on RabbitMQ (default ``taskflow.events``,
    also the prefix of its exchanges, retry and dead-letter queues) or the stream's on
    Redis (default ``taskflow:events``), for several deployments on one server."""
    smtp_host: str | None = Field(default=None, validation_alias="SMTP_HOST")
    """Unset: each mail is written as an ``.eml`` file into ``mail_dir``."""
    smtp_port: int = Field(default=587, ge=1, le=65535, validation_alias="SMTP_PORT")
    smtp_username: str | None = Field(default=None, validation_alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(default=None, validation_alias="SMTP_PASSWORD")
    smtp_from: str | None = Field(default=None, min_length=3, validation_alias="SMTP_FROM")
    """Unset: ``{app_name} <no-reply@localhost>``."""
    smtp_tls: Literal["starttls", "tls", "none"] = Field(
        default="starttls", validation_alias="SMTP_TLS"
    )
    smtp_timeout: float = Field(default=30.0, gt=0)
    """Seconds to wait for the SMTP server (connect and each command)."""
    sentry_dsn: SecretStr | None = Field(default=None, validation_alias="SENTRY_DSN")

    # --- Notifications ---------------------------------------------------------------
    app_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    """Base of the links in mails (``{app_url}/tasks/{id}``, ``/verify-email?token=``...).
    Unset: ``taskflow serve`` uses the address it serves, anything else
    ``http://localhost:8000`` (``taskflow worker`` warns)."""
    app_name: str = Field(default="TaskFlow", min_length=1, max_length=100)
    """The product's name in every mail (``{{ app_name }}`` in the templates)."""
    default_language: Literal["fa", "en"] = "fa"
    """The language of a user who chose none at sign-up (``language``, or the request's
    ``Accept-Language``) nor in their preferences; and of invitees without an account."""
    invite_link_path: str = DEFAULT_LINK_PATHS["invite"]
    """The page an invite mail links to, ``{app_url}{path}?token=...``."""
    verify_email_link_path: str = DEFAULT_LINK_PATHS["verify_email"]
    reset_password_link_path: str = DEFAULT_LINK_PATHS["reset_password"]
    email_change_link_path: str = DEFAULT_LINK_PATHS["email_change"]
    """The page the mail to the NEW address links to, to confirm an email change."""
    email_change_undo_link_path: str = DEFAULT_LINK_PATHS["email_change_undo"]
    """The page the mail to the OLD address links to, to undo an email change."""
    task_link_path: str = DEFAULT_LINK_PATHS["task"]
    """A task's page; ``{id}`` is the task's id."""
    template_dir: Path | None = None
    """A folder of templates searched before the shipped ones (overrides)."""
    mail_max_attempts: int = Field(default=8, ge=1)
    mail_retry_base: Duration = timedelta(seconds=30)
    mail_retry_max: Duration = timedelta(hours=1)
    mail_rate_limit: int = Field(default=30, ge=0)
    """Mails per user per ``mail_rate_window``; the excess is deferred (0: no limit)."""
    mail_rate_window: Duration = timedelta(hours=1)
    mail_claim_timeout: Duration = timedelta(minutes=5)
    """How long a worker holds a mail it is sending; must exceed the slowest send."""

    # --- Web Push --------------------------------------------------------------------
    push: Literal["auto", "on", "off"] = "auto"
    """``auto``: push when the ``push`` extra is installed; ``on``: required (an error
    without it); ``off``: no push."""
    vapid_private_key: SecretStr | None = None
    """The server's VAPID key: base64url of a raw P-256 private key. Unset: generated once
    into ``data_dir``, like the signing secrets. Every process must use the same one (the
    browsers subscribed with its public key)."""
    vapid_subject: str | None = Field(default=None, pattern=r"^(mailto:\S+@\S+|https://\S+)$")
    """How a push service reaches the sender: ``mailto:admin@example.com`` or an
    ``https://`` URL. Unset: ``mailto:`` + the address of ``SMTP_FROM``."""
    push_hosts: CommaList = Field(default_factory=lambda: list(DEFAULT_PUSH_HOSTS))
    """The push services an endpoint may name (``*.example.com`` for subdomains, ``*``
    for any public host): the server posts only there."""
    push_ttl: Duration = timedelta(days=1)
    """How long a push service keeps a message for a device that is offline."""
    push_timeout: float = Field(default=10.0, gt=0)
    """Seconds to wait for a push service."""
    push_rate_limit: int = Field(default=30, ge=0)
    """Push notifications per user per ``push_rate_window``; the excess is deferred."""
    push_rate_window: Duration = timedelta(hours=1)

    # --- Web edge --------------------------------------------------------------------
    cors_origins: CommaList = Field(default_factory=list, validation_alias="CORS_ORIGINS")
    rate_limit: str = "100/minute"
    auth_rate_limit: str = "10/minute"
    trusted_proxies: NetworkList = Field(default_factory=list)

    # --- Files and logs --------------------------------------------------------------
    data_dir: Path = Path("taskflow-data")
    mail_dir: Path | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    def __init__(self, **values: Any) -> None:
        # A mistyped name would otherwise be ignored and leave a default in force.
        _refuse_unknown_names(values)
        # pydantic's ValidationError shows the input values, and an input may be a
        # secret: turn it into a ConfigurationError that names only the variables.
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise ConfigurationError(_describe(error)) from None

    # --- Validation ------------------------------------------------------------------

    @field_validator(
        "access_token_ttl",
        "refresh_token_ttl",
        "email_verification_ttl",
        "password_reset_ttl",
        "email_change_ttl",
        "email_change_undo_ttl",
        "account_deletion_grace",
        "invite_ttl",
        "data_export_interval",
        "mail_retry_base",
        "mail_retry_max",
        "mail_rate_window",
        "mail_claim_timeout",
        "push_ttl",
        "push_rate_window",
        mode="before",
    )
    @classmethod
    def _parse_duration(cls, value: object) -> object:
        return parse_duration(value)

    @field_validator("smtp_tls", "log_level", "push", mode="before")
    @classmethod
    def _case_insensitive(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str):
            value = value.strip()
            return value.upper() if info.field_name == "log_level" else value.lower()
        return value

    @field_validator("cors_origins", "trusted_proxies", "push_hosts", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, origins: list[str]) -> list[str]:
        origins = [origin.rstrip("/") for origin in origins]
        for origin in origins:
            if not _ORIGIN.match(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: write scheme://host[:port], "
                    "e.g. https://app.example.com (no path, no wildcard)"
                )
        return origins

    @field_validator(
        "invite_link_path",
        "verify_email_link_path",
        "reset_password_link_path",
        "email_change_link_path",
        "email_change_undo_link_path",
        "task_link_path",
    )
    @classmethod
    def _check_link_path(cls, value: str, info: ValidationInfo) -> str:
        return check_link_path(value, with_id=info.field_name == "task_link_path")

    @field_validator("default_language", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("table_prefix", "db_schema")
    @classmethod
    def _check_identifier(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Unquoted, the same name on every backend (PostgreSQL folds to lower case).
        pattern = _TABLE_PREFIX if info.field_name == "table_prefix" else _SCHEMA_NAME
        if value is not None and not pattern.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a safe name: use lower-case letters, digits and _, "
                "starting with a letter"
            )
        return value

    @field_validator("rate_limit", "auth_rate_limit")
    @classmethod
    def _check_rate_limit(cls, value: str) -> str:
        if not _RATE_LIMIT.match(value):
            raise ValueError(f"{value!r} is not a rate: write e.g. 100/minute or 10/second")
        return value.strip()

    @model_validator(mode="after")
    def _check_secrets(self) -> Settings:
        jwt, refresh = self.jwt_secret, self.refresh_secret
        if jwt is None and refresh is None:
            return self  # the embedded default: generated on first use
        if jwt is None or refresh is None:
            missing, present = (
                ("JWT_SECRET", "REFRESH_SECRET")
                if jwt is None
                else ("REFRESH_SECRET", "JWT_SECRET")
            )
            raise ConfigurationError(
                f"{present} is set but {missing} is not: set both (each at least "
                f"{MIN_SECRET_LENGTH} characters, different from each other), or neither "
                "to let taskflow generate them for a development set-up."
            )
        _check_secret_pair(jwt, refresh)
        for name, listed in (
            ("TASKFLOW_JWT_PREVIOUS_SECRETS", self.jwt_previous_secrets),
            ("TASKFLOW_REFRESH_PREVIOUS_SECRETS", self.refresh_previous_secrets),
        ):
            if any(len(key.get_secret_value()) < MIN_SECRET_LENGTH for key in _split(listed)):
                raise ConfigurationError(
                    f"{name}: every key must be at least {MIN_SECRET_LENGTH} characters."
                )
        return self

    @model_validator(mode="after")
    def _check_previous_secrets_need_current(self) -> Settings:
        if self.jwt_secret is None and (self.jwt_previous_secrets or self.refresh_previous_secrets):
            raise ConfigurationError(
                "TASKFLOW_JWT_PREVIOUS_SECRETS or TASKFLOW_REFRESH_PREVIOUS_SECRETS is set but "
                "JWT_SECRET and REFRESH_SECRET are not: previous keys rotate set secrets."
            )
        return self

    @field_validator("queue_url")
    @classmethod
    def _check_queue_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            scheme = value.get_secret_value().partition("://")[0].lower()
            if scheme not in _QUEUE_SCHEMES:
                raise ValueError(
                    "use amqp:// or amqps:// (RabbitMQ), or redis://, rediss:// or unix:// "
                    "(Redis Streams)"
                )
        return value

    @model_validator(mode="after")
    def _check_argon2(self) -> Settings:
        if self.argon2_memory_kib < 8 * self.argon2_parallelism:  # argon2's own minimum
            raise ConfigurationError(
                "TASKFLOW_ARGON2_MEMORY_KIB must be at least 8 times TASKFLOW_ARGON2_PARALLELISM."
            )
        return self

    # --- What the settings mean ------------------------------------------------------

    @property
    def uses_memory_storage(self) -> bool:
        """``DATABASE_URL=memory://``: the in-memory adapters (demos; nothing persists)."""
        return self.resolved_database_url() == MEMORY_DATABASE_URL

    @property
    def uses_redis(self) -> bool:
        """``REDIS_URL`` is set: the denylist and the rate limits in Redis, and the queue
        too unless ``TASKFLOW_QUEUE_URL`` names another (see ``queue_kind``)."""
        return self.redis_url is not None

    @property
    def queue_kind(self) -> Literal["in_process", "redis", "rabbitmq"]:
        """The event queue: ``TASKFLOW_QUEUE_URL``'s scheme, else ``redis`` with
        ``REDIS_URL``, else ``in_process``."""
        if self.queue_url is not None:
            return _QUEUE_SCHEMES[self.queue_url.get_secret_value().partition("://")[0].lower()]
        return "redis" if self.redis_url is not None else "in_process"

    def resolved_queue_url(self) -> str | None:
        """The event queue's URL (``None``: in-process). It may hold a password: never
        log it."""
        url = self.queue_url or self.redis_url
        return url.get_secret_value() if url is not None else None

    @property
    def uses_smtp(self) -> bool:
        """False: mail is written as files into ``resolved_mail_dir()`` (``SMTP_HOST`` unset)."""
        return self.smtp_host is not None

    def resolved_database_url(self) -> str:
        """``DATABASE_URL``, or the SQLite file in ``data_dir`` when it is unset.
        The result may hold a password: never log it."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.data_dir / SQLITE_FILE).resolve()}"

    def resolved_app_url(self) -> str:
        """``TASKFLOW_APP_URL`` without a trailing ``/``, or ``http://localhost:8000``."""
        return (self.app_url or DEFAULT_APP_URL).rstrip("/")

    def resolved_mail_from(self) -> str:
        """``SMTP_FROM``, or ``{app_name} <no-reply@localhost>``."""
        return self.smtp_from or f"{self.app_name} <no-reply@localhost>"

    def resolved_mail_dir(self) -> Path:
        """``TASKFLOW_MAIL_DIR``, or ``mail`` inside ``data_dir``."""
        return self.mail_dir if self.mail_dir is not None else self.data_dir / "mail"

    def signing_secrets(self) -> tuple[SecretStr, SecretStr]:
        """``(JWT_SECRET, REFRESH_SECRET)``; when neither is set, the generated pair kept in
        ``data_dir`` (created on first use) and a warning."""
        if self.jwt_secret is not None and self.refresh_secret is not None:
            return self.jwt_secret, self.refresh_secret
        jwt, refresh = _load_or_create_generated_secrets(self.data_dir)
        logger.warning(
            "JWT_SECRET and REFRESH_SECRET are not set: using the secrets generated in "
            "TASKFLOW_DATA_DIR (%s). Fine for a first run or development; production "
            "must set its own.",
            GENERATED_SECRETS_FILE,
        )
        return jwt, refresh

    def data_keyring(self) -> Keyring:
        """The keyring of ``TASKFLOW_DATA_KEYS``; when unset, a key generated once into
        ``data_dir`` (created on first use) and a warning."""
        if self.data_keys is not None:
            return Keyring(list(_split(self.data_keys)))
        keyring = Keyring(_load_or_create_generated_data_keys(self.data_dir))
        logger.warning(
            "TASKFLOW_DATA_KEYS is not set: using the key generated in TASKFLOW_DATA_DIR "
            "(%s). Every process that shares the database must use the same keys: "
            "production sets its own.",
            GENERATED_DATA_KEYS_FILE,
        )
        return keyring

    def vapid_key(self) -> SecretStr:
        """``TASKFLOW_VAPID_PRIVATE_KEY``; when unset, the key generated once into
        ``data_dir`` (created on first use)."""
        if self.vapid_private_key is not None:
            return self.vapid_private_key
        return _load_or_create_generated_vapid_key(self.data_dir)

    def resolved_vapid_subject(self) -> str:
        """``TASKFLOW_VAPID_SUBJECT``, or ``mailto:`` + the sender address of mail."""
        if self.vapid_subject is not None:
            return self.vapid_subject
        address = self.resolved_mail_from().rpartition("<")[2].rstrip(">").strip()
        return f"mailto:{address}"

    # --- The services' configuration -------------------------------------------------

    def auth_config(self) -> AuthConfig:
        jwt_secret, refresh_secret = self.signing_secrets()
        return AuthConfig(
            jwt_secret=jwt_secret,
            refresh_secret=refresh_secret,
            jwt_algorithm=self.jwt_algorithm,
            issuer=self.jwt_issuer,
            audience=self.jwt_audience,
            access_token_ttl=self.access_token_ttl,
            refresh_token_ttl=self.refresh_token_ttl,
            lockout_threshold=self.lockout_threshold,
            lockout_duration=timedelta(minutes=self.lockout_minutes),
            email_verification_ttl=self.email_verification_ttl,
            password_reset_ttl=self.password_reset_ttl,
            email_change_ttl=self.email_change_ttl,
            email_change_undo_ttl=self.email_change_undo_ttl,
            deletion_grace=self.account_deletion_grace,
            previous_jwt_secrets=_split(self.jwt_previous_secrets),
            previous_refresh_secrets=_split(self.refresh_previous_secrets),
        )

    def invite_config(self) -> InviteConfig:
        return InviteConfig(ttl=self.invite_ttl, sender_limit=self.invite_sender_limit)

    def export_config(self) -> ExportConfig:
        return ExportConfig(interval=self.data_export_interval)

    def notification_config(self) -> NotificationConfig:
        return NotificationConfig(
            mail_from=self.resolved_mail_from(),
            app_url=self.resolved_app_url(),
            app_name=self.app_name,
            default_language=self.default_language,
            invite_path=self.invite_link_path,
            verify_email_path=self.verify_email_link_path,
            reset_password_path=self.reset_password_link_path,
            email_change_path=self.email_change_link_path,
            email_change_undo_path=self.email_change_undo_link_path,
            task_path=self.task_link_path,
            template_dir=self.template_dir,
            max_attempts=self.mail_max_attempts,
            retry_base=self.mail_retry_base,
            retry_max=self.mail_retry_max,
            email_rate_limit=self.mail_rate_limit,
            email_rate_window=self.mail_rate_window,
            claim_timeout=self.mail_claim_timeout,
            push_rate_limit=self.push_rate_limit,
            push_rate_window=self.push_rate_window,
            push_ttl=self.push_ttl,
            push_hosts=tuple(self.push_hosts),
        )

    def password_hashing_config(self) -> PasswordHashingConfig:
        return PasswordHashingConfig(
            memory_cost_kib=self.argon2_memory_kib,
            time_cost=self.argon2_time_cost,
            parallelism=self.argon2_parallelism,
        )


def env_name(field_name: str) -> str:
    """The environment variable of a ``Settings`` field: ``data_dir`` → ``TASKFLOW_DATA_DIR``."""
    field = Settings.model_fields[field_name]
    if isinstance(field.validation_alias, str):
        return field.validation_alias
    return ENV_PREFIX + field_name.upper()


def _refuse_unknown_names(values: Mapping[str, Any]) -> None:
    """``ConfigurationError`` for an unknown keyword, ``TASKFLOW_*`` variable or ``.env``
    key (``taskflow.setting_names``), before anything is read into a setting."""
    config = Settings.model_config
    env_files = values.get("_env_file", config.get("env_file"))
    encoding = values.get("_env_file_encoding") or config.get("env_file_encoding")
    if env_files is None:
        paths: list[Path] = []
    elif isinstance(env_files, str | os.PathLike):
        paths = [Path(env_files)]
    else:
        paths = [Path(file) for file in env_files]
    dotenv = {
        str(path): list(dotenv_values(path.expanduser(), encoding=encoding))
        for path in paths
        if path.expanduser().is_file()
    }
    refuse_unknown_names(
        variables={field: env_name(field) for field in Settings.model_fields},
        keywords=values,
        keyword_aliases=[
            field.validation_alias
            for field in Settings.model_fields.values()
            if isinstance(field.validation_alias, str)
        ],
        environment=os.environ,
        dotenv=dotenv,
    )


def _describe(error: ValidationError) -> str:
    """One line per invalid setting, naming its variable; never the value given."""
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        location = str(item["loc"][0]) if item["loc"] else ""
        name = env_name(location) if location in Settings.model_fields else location.upper()
        message = item["msg"].removeprefix("Value error, ")
        problems.append(f"{name}: {message}" if name else message)
    return "Invalid settings: " + "; ".join(problems)


def _split(listed: SecretStr | None) -> tuple[SecretStr, ...]:
    """The keys of a comma-separated secret setting, in order, blanks left out."""
    if listed is None:
        return ()
    keys = (key.strip() for key in listed.get_secret_value().split(","))
    return tuple(SecretStr(key) for key in keys if key)


def _check_secret_pair(jwt: SecretStr, refresh: SecretStr) -> None:
    for name, secret in (("JWT_SECRET", jwt), ("REFRESH_SECRET", refresh)):
        if len(secret.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                f"{name} is too short: use at least {MIN_SECRET_LENGTH} random characters "
                '(e.g. python -c "import secrets; print(secrets.token_urlsafe(48))").'
            )
    if secrets.compare_digest(jwt.get_secret_value(), refresh.get_secret_value()):
        raise ConfigurationError("JWT_SECRET and REFRESH_SECRET must be different.")


def _load_or_create_generated_secrets(data_dir: Path) -> tuple[SecretStr, SecretStr]:
    path = data_dir / GENERATED_SECRETS_FILE
    if not path.exists():
        secret_pair = {
            "jwt_secret": secrets.token_urlsafe(48),
            "refresh_secret": secrets.token_urlsafe(48),
        }
        _create_generated_file(data_dir, path, json.dumps(secret_pair))
    return _read_generated_secrets(path)


def _load_or_create_generated_data_keys(data_dir: Path) -> list[SecretStr]:
    path = data_dir / GENERATED_DATA_KEYS_FILE
    if not path.exists():
        content = json.dumps({"data_keys": [secrets.token_urlsafe(32)]})
        _create_generated_file(data_dir, path, content)
    _warn_if_readable_by_others(path)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        keys = [SecretStr(key) for key in stored["data_keys"] if isinstance(key, str)]
        Keyring(keys)
    except (ValueError, KeyError, TypeError, ConfigurationError):
        raise ConfigurationError(
            f"{GENERATED_DATA_KEYS_FILE} in TASKFLOW_DATA_DIR is damaged: set "
            "TASKFLOW_DATA_KEYS, or delete the file to generate a new key (mails waiting "
            "with an invite, verification or reset link will not be sent)."
        ) from None
    return keys


def _load_or_create_generated_vapid_key(data_dir: Path) -> SecretStr:
    path = data_dir / GENERATED_VAPID_KEY_FILE
    if not path.exists():
        content = json.dumps({"vapid_private_key": new_vapid_private_key()})
        _create_generated_file(data_dir, path, content)
    _warn_if_readable_by_others(path)
    try:
        key = json.loads(path.read_text(encoding="utf-8"))["vapid_private_key"]
        if not isinstance(key, str) or not key:
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise ConfigurationError(
            f"{GENERATED_VAPID_KEY_FILE} in TASKFLOW_DATA_DIR is damaged: set "
            "TASKFLOW_VAPID_PRIVATE_KEY, or delete the file to generate a new key (every "
            "browser will have to subscribe to push again)."
        ) from None
    return SecretStr(key)


def new_vapid_private_key() -> str:
    """A new VAPID private key: base64url of a raw P-256 private key (32 bytes)."""
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415 - when asked

    number = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).decode("ascii").rstrip("=")


def _create_generated_file(data_dir: Path, path: Path, content: str) -> None:
    """Write ``content`` to ``path``, readable by the owner only. Two processes starting
    at once must end up with the same content: the file is written completely under a
    temporary name, then linked into place, which fails if the other process won the race."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = data_dir / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        # FileExistsError: another process generated them first; use theirs.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _warn_if_readable_by_others(path: Path) -> None:
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        logger.warning(
            "%s in TASKFLOW_DATA_DIR can be read by other users: run chmod 600 on it.",
            path.name,
        )


def _read_generated_secrets(path: Path) -> tuple[SecretStr, SecretStr]:
    _warn_if_readable_by_others(path)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        jwt, refresh = SecretStr(stored["jwt_secret"]), SecretStr(stored["refresh_secret"])
        _check_secret_pair(jwt, refresh)
    except (ValueError, KeyError, TypeError, ConfigurationError):
        raise ConfigurationError(
            f"{GENERATED_SECRETS_FILE} in TASKFLOW_DATA_DIR is damaged: delete it to "
            "generate new secrets (every user will have to log in again), or set "
            "JWT_SECRET and REFRESH_SECRET."
        ) from None
    return jwt, refresh
