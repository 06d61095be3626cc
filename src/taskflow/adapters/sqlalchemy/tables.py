"""taskflow's schema as SQLAlchemy Core tables: ``table_set(prefix, schema)`` builds them
on one ``MetaData`` per (prefix, schema), once.

Every table name carries a prefix, ``taskflow_`` by default (``TASKFLOW_TABLE_PREFIX``), so
that taskflow's ``users``, ``teams``, ``tasks``, ``comments`` and ``sessions`` never meet
the tables of the application it is embedded in; on PostgreSQL the tables may also live
in a schema of their own (``TASKFLOW_DB_SCHEMA``). The module-level ``metadata`` and
tables (``users``, ``tasks``...) are those of the default prefix; the storage adapter
itself always goes through the ``TableSet`` its ``Databases`` carry.

The migrations in ``migrations/`` create exactly this schema (a test compares them), for
any prefix and schema. An application that runs its own Alembic keeps taskflow's tables
out of its autogenerate with ``taskflow.adapters.sqlalchemy.alembic`` (docs/storage.md).

Two logical databases, as in the seed: the *auth* tables (users, teams, team_members,
invites, login_failures, one_time_tokens, sessions, revoked_tokens, and the notification
tables) and the *task* tables (tasks, comments, task_activity, due_soon_reminders).
``outbox`` lives in both: a unit of work writes each event to the outbox of the database
its change was made in. Each table records its side
in ``table.info["database"]``; no foreign key crosses the two sides, so they can live in
separate databases (``AUTH_DATABASE_URL`` / ``TASK_DATABASE_URL``).

Conventions: UUID keys (``sa.Uuid``: native on PostgreSQL, CHAR(32) elsewhere);
timestamps are ``UtcDateTime`` (timezone-aware UTC in and out on every backend, with
microseconds on MariaDB too); constraint and index names follow ``NAMING_CONVENTION``
(with the prefixed table names) so that migrations can refer to them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import Any, Final

import sqlalchemy as sa
from attrs import frozen
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect

from taskflow.errors import ConfigurationError

__all__ = [
    "AUTH",
    "DEFAULT",
    "DEFAULT_TABLE_PREFIX",
    "MAX_IDENTIFIER_LENGTH",
    "NAMING_CONVENTION",
    "TABLE_NAMES",
    "TASK",
    "TableSet",
    "UtcDateTime",
    "check_schema_name",
    "check_table_prefix",
    "comments",
    "data_exports",
    "due_soon_reminders",
    "email_changes",
    "invites",
    "login_failures",
    "metadata",
    "notification_log",
    "notification_preferences",
    "notifications",
    "one_time_tokens",
    "outbox",
    "push_subscriptions",
    "revoked_tokens",
    "sessions",
    "table_set",
    "task_activity",
    "tasks",
    "team_members",
    "teams",
    "users",
]

AUTH: Final = "auth"
TASK: Final = "task"

NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# MariaDB: utf8mb4 with a binary collation, so that comparisons and unique keys are
# case-sensitive like on the other backends (tokens, idempotency keys) and string order is
# code-point order, as in Python.
_MYSQL_OPTIONS: Final[dict[str, Any]] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    PostgreSQL stores ``timestamptz``. SQLite and MariaDB have no time zone in their
    column type, so the value is stored as naive UTC and given ``tzinfo=UTC`` back on the
    way out. A naive datetime is refused: it would be ambiguous.
    """

    impl = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("taskflow stores timezone-aware datetimes only")
        value = value.astimezone(UTC)
        if dialect.name == "postgresql":
            return value
        return value.replace(tzinfo=None)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        if dialect.name == "postgresql":
            # timestamptz in a session whose time zone is UTC (engine.py sets it): psycopg
            # already returns aware UTC datetimes; skip a Python call per value.
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        if isinstance(value, str):  # SQLite in raw SQL contexts
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.Uuid(), primary_key=True)


def _ts(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, UtcDateTime(), nullable=nullable)


def _in(column: str, values: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({listed})"


_ROLES: Final = ("member", "admin", "owner")
_STATUSES: Final = ("todo", "in_progress", "done")
_PRIORITIES: Final = ("low", "medium", "high")
_PURPOSES: Final = ("verify_email", "password_reset")
_ACTIVITY_KINDS: Final = (
    "created",
    "changed",
    "assigned",
    "unassigned",
    "completed",
    "reopened",
    "deleted",
    "restored",
    "commented",
)

_DELIVERY_STATUSES: Final = ("pending", "sending", "sent", "deferred", "failed", "dead")
_CHANNELS: Final = ("email", "in_app", "push")


TABLE_NAMES: Final = (
    "users",
    "teams",
    "team_members",
    "invites",
    "login_failures",
    "one_time_tokens",
    "email_changes",
    "sessions",
    "revoked_tokens",
    "tasks",
    "comments",
    "task_activity",
    "outbox",
    "notifications",
    "notification_log",
    "notification_preferences",
    "due_soon_reminders",
    "data_exports",
    "push_subscriptions",
)
"""taskflow's tables, by their names without the prefix."""

DEFAULT_TABLE_PREFIX: Final = "taskflow_"

MAX_IDENTIFIER_LENGTH: Final = 63
"""The longest table, constraint or index name taskflow creates: PostgreSQL's limit (63
bytes; MariaDB allows 64, SQLite has none), so one schema suits every backend."""

_PREFIX: Final = re.compile(r"(?:[a-z][a-z0-9_]*)?")
_SCHEMA: Final = re.compile(r"[a-z][a-z0-9_]*")


def check_table_prefix(prefix: str) -> str:
    """``prefix`` if taskflow's tables can carry it: empty, or lower-case ASCII letters,
    digits and ``_``, starting with a letter (the same name, unquoted, on every backend),
    and short enough for every table, constraint and index name it makes to fit in
    ``MAX_IDENTIFIER_LENGTH``. Raises ``ConfigurationError`` otherwise."""
    _check_prefix_characters(prefix)
    _check_name_lengths(_build(prefix, None))
    return prefix


def _check_prefix_characters(prefix: str) -> None:
    if not _PREFIX.fullmatch(prefix):
        raise ConfigurationError(
            f"TASKFLOW_TABLE_PREFIX={prefix!r} is not a safe table name prefix: use lower-case "
            "letters, digits and _, starting with a letter (e.g. taskflow_), or leave it empty."
        )


def _check_name_lengths(tables: TableSet) -> None:
    prefix = tables.prefix
    longest = max(_identifiers(tables), key=len)
    if len(longest) > MAX_IDENTIFIER_LENGTH:
        raise ConfigurationError(
            f"TASKFLOW_TABLE_PREFIX={prefix!r} is too long: it makes the name {longest!r} "
            f"({len(longest)} characters; the limit is {MAX_IDENTIFIER_LENGTH})."
        )


def check_schema_name(schema: str | None) -> str | None:
    """``schema`` if it is a safe PostgreSQL schema name (as a prefix: lower-case letters,
    digits and ``_``, starting with a letter, at most ``MAX_IDENTIFIER_LENGTH``)."""
    if schema is not None and not (
        _SCHEMA.fullmatch(schema) and len(schema) <= MAX_IDENTIFIER_LENGTH
    ):
        raise ConfigurationError(
            f"TASKFLOW_DB_SCHEMA={schema!r} is not a safe schema name: use at most "
            f"{MAX_IDENTIFIER_LENGTH} lower-case letters, digits and _, starting with a letter."
        )
    return schema


def _identifiers(tables: TableSet) -> list[str]:
    """Every table, constraint and index name of ``tables``."""
    names: list[str] = []
    for table in tables.metadata.tables.values():
        names.append(table.name)
        names += [str(c.name) for c in table.constraints if c.name is not None]
        names += [str(i.name) for i in table.indexes if i.name is not None]
    return names


@frozen(eq=False)  # compared and hashed by identity: ``table_set`` makes one per key
class TableSet:
    """taskflow's tables with one prefix (and, on PostgreSQL, one schema), on their own
    ``MetaData``."""

    prefix: str
    schema: str | None
    metadata: sa.MetaData
    users: sa.Table
    teams: sa.Table
    team_members: sa.Table
    invites: sa.Table
    login_failures: sa.Table
    one_time_tokens: sa.Table
    email_changes: sa.Table
    sessions: sa.Table
    revoked_tokens: sa.Table
    tasks: sa.Table
    comments: sa.Table
    task_activity: sa.Table
    outbox: sa.Table
    notifications: sa.Table
    notification_log: sa.Table
    notification_preferences: sa.Table
    due_soon_reminders: sa.Table
    data_exports: sa.Table
    push_subscriptions: sa.Table

    def name(self, table: str) -> str:
        """The name ``table`` (as in ``TABLE_NAMES``) has in the database."""
        return self.prefix + table


@cache
def table_set(prefix: str = DEFAULT_TABLE_PREFIX, schema: str | None = None) -> TableSet:
    """taskflow's tables named ``prefix`` + name, in ``schema`` (None: the connection's
    default), built once per (prefix, schema). ``ConfigurationError`` for a prefix or a
    schema name that is not safe (``check_table_prefix``, ``check_schema_name``)."""
    _check_prefix_characters(prefix)
    check_schema_name(schema)
    tables = _build(prefix, schema)
    _check_name_lengths(tables)
    return tables


def _build(prefix: str, schema: str | None) -> TableSet:
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

    def fk(table: str, **options: Any) -> sa.ForeignKey:
        target = f"{prefix}{table}.id"
        return sa.ForeignKey(f"{schema}.{target}" if schema else target, **options)

    # --- auth database -------------------------------------------------------------------

    users = sa.Table(
        prefix + "users",
        metadata,
        _id(),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("email_verified", sa.Boolean(), nullable=False, server_default=sa.false()),
        _ts("created_at"),
        _ts("updated_at"),
        # The host application's id of a user it authenticates (identity mode). A unique
        # index rather than a constraint: SQLite adds it without rebuilding the table.
        sa.Column("external_id", sa.String(255), nullable=True),
        # Deletion asked for: erased at this time unless a login cancels it.
        _ts("deletion_due_at", nullable=True),
        _ts("erased_at", nullable=True),
        sa.UniqueConstraint("email"),
        sa.Index(None, "external_id", unique=True),
        sa.Index(None, "deletion_due_at"),
        schema=schema,
        info={"database": AUTH},
        **_MYSQL_OPTIONS,
    )

    teams = sa.Table(
        prefix + "teams",
        metadata,
        _id(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("owner_id", sa.Uuid(), fk("users"), nullable=False, index=True),
        _ts("created_at"),
        schema=schema,
        info={"database": AUTH},
        **_MYSQL_OPTIONS,
    )

    team_members = sa.Table(
        prefix + "team_members",
        metadata,
        _id(),
        sa.Column("team_id", sa.Uuid(), fk("teams", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "user_id",
            sa.Uuid(),
            fk("users", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("role", sa.String(20), nullable=False),
        _ts("joined_at"),
        sa.UniqueConstraint("team_id", "user_id"),
        sa.CheckConstraint(_in("role", _ROLES), name="role"),
        schema=schema,
        info={"database": AUTH},
        **_MYSQL_OPTIONS,
    )

    invites = sa.Table(
        prefix + "invites",
        metadata,
        _id(),
        sa.Column("team_id", sa.Uuid(), fk("teams", ondelete="CASCADE"), nullable=False),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        # SHA-256 hex of the token; the token itself is never stored.
        sa.Column("token_hash", sa.String(64), nullable=False),
        _ts("expires_at"),
        sa.Column("created_by", sa.Uuid(), fk("users"), nullable=False, index=True),
        _ts("created_at"),
        _ts("accepted_at", nullable=True),
        sa.Column("accepted_by", sa.Uuid(), fk("users"), nullable=True, index=True),
        _ts("revoked_at", nullable=True),
        sa.UniqueConstraint("token_hash"),
        sa.CheckConstraint(_in("role", _ROLES), name="role"),
        sa.Index(None, "team_id", "created_at"),
        schema=schema,
        info={"database": AUTH},
        **_MYSQL_OPTIONS,
    )

    login_failures = sa.Table(
        prefix + "login_failures",
        metadata,
        # SHA-256 (hex) of the email address tried: counted whether an account has it or not.
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        _ts("last_failed_at"),
        _ts("locked_until", nullable=True),
        sa.CheckConstraint("count >= 0", name="count"),
        schema=schema,
        info={"database": AUTH},
        **_MYSQL_OPTIONS,
    )

    one_time_tokens = sa.Table(
        prefix + "one_time_tokens",
        metadata,
        _id(),
        sa.Column("user_id", sa.Uuid(), fk("users", ondelete="CASCADE"), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("used_at", nullable=True),
        sa.UniqueConstraint("token_hash"),
        sa.CheckConstraint(_in("purpose", _PURPOSES), name="purpose"),
        sa.Index(None, "user_id", "purpose"),
        schema=schema,
        info={"database": AUTH},
        **_MYSQL_OPTIONS,
    )

    email_changes = sa.Table(
        prefix + "email_changes",
        metadata,
        _id(),
        sa.Column("user_id", sa.Uuid(), fk("users", ondelete="CASCADE"), nullable=False),
        sa.Column("old_email", sa.String(255), nullable=False),
        sa.Column("new_email", sa.String(255), nullable=False),
        # SHA-256 hex of the tokens; the tokens themselves are never stored.
        sa.Column("token_hash", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        _ts("confirmed_at", nullable=True),
        _ts("cancelled_at", nullable=True),
        sa.Column("undo_token_hash", sa.String(64), nullable=True),
        _ts("undo_expires_at", nullable=True),
        _ts("undone_at", nullable=True),
        sa.UniqueConstraint("token_hash"),
        sa.UniqueConstraint("undo_token_hash"),
        sa.Index(None, "user_id"),
        schema=schema,
        info={"database": AUTH},
        **_MYSQL_OPTIONS,
    )

    sessions = sa.Table(
        prefix + "sessions",
        metadata,
        _id(),
        sa.Column("user_id", sa.Uuid(), fk("users", ondelete="CASCADE"), nullable=False),
        sa.Column("refresh_jti", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("last_used_at"),
        _ts("expires_at"),
        _ts("revoked_at", nullable=True),
        sa.Index(None, "user_id", "created_at"),
        schema=schema,
        info={"database": AUTH},
        **_MYSQL_OPTIONS,
    )

    revoked_tokens = sa.Table(
        prefix + "revoked_tokens",
        metadata,
        sa.Column("jti", sa.String(64), primary_key=True),
        _ts("expires_at"),
        sa.Index(None, "expires_at"),
        schema=schema,
        info={"database": AUTH},
        **_MYSQL_OPTIONS,
    )

    # --- task database -------------------------------------------------------------------

    tasks = sa.Table(
        prefix + "tasks",
        metadata,
        _id(),
        sa.Column("team_id", sa.Uuid(), nullable=False),  # auth side: no foreign key
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False, server_default="todo"),
        sa.Column("priority", sa.String(10), nullable=False, server_default="medium"),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),  # auth side: no foreign key
        sa.Column("created_by", sa.Uuid(), nullable=False),  # auth side: no foreign key
        sa.Column("due_date", sa.Date(), nullable=True),
        _ts("completed_at", nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        _ts("deleted_at", nullable=True),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.CheckConstraint(_in("status", _STATUSES), name="status"),
        sa.CheckConstraint(_in("priority", _PRIORITIES), name="priority"),
        sa.CheckConstraint("version >= 1", name="version"),
        sa.UniqueConstraint("team_id", "created_by", "idempotency_key"),
        # A team's tasks filtered by status, in the default order (newest first) and the
        # keyset that paginates it: an index scan, never a sort of the whole team.
        sa.Index(None, "team_id", "status", "created_at", "id"),
        # A team's tasks without a status filter, same order.
        sa.Index(None, "team_id", "created_at", "id"),
        sa.Index(None, "assignee_id"),
        schema=schema,
        info={"database": TASK},
        **_MYSQL_OPTIONS,
    )

    comments = sa.Table(
        prefix + "comments",
        metadata,
        _id(),
        sa.Column("task_id", sa.Uuid(), fk("tasks", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),  # auth side: no foreign key
        sa.Column("content", sa.Text(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.Index(None, "task_id", "created_at", "id"),
        schema=schema,
        info={"database": TASK},
        **_MYSQL_OPTIONS,
    )

    task_activity = sa.Table(
        prefix + "task_activity",
        metadata,
        _id(),
        sa.Column("task_id", sa.Uuid(), fk("tasks", ondelete="CASCADE"), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),  # auth side: no foreign key
        sa.Column("kind", sa.String(20), nullable=False),
        _ts("created_at"),
        sa.Column("field", sa.String(50), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.CheckConstraint(_in("kind", _ACTIVITY_KINDS), name="kind"),
        sa.Index(None, "task_id", "created_at", "id"),
        schema=schema,
        info={"database": TASK},
        **_MYSQL_OPTIONS,
    )

    # --- both databases ------------------------------------------------------------------

    outbox = sa.Table(
        prefix + "outbox",
        metadata,
        _id(),  # the event id
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        _ts("occurred_at"),
        _ts("published_at", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        # The relay reads unpublished rows oldest first.
        sa.Index(None, "published_at", "occurred_at"),
        schema=schema,
        info={"database": "both"},
        **_MYSQL_OPTIONS,
    )

    # --- notifications (migration 0002) ---------------------------------------------------
    # Auth side unless said otherwise:
    # - ``notifications``: the in-app inbox;
    # - ``notification_log``: one delivery per (event, recipient, channel), UNIQUE: what makes
    #   a redelivered event send nothing twice;
    # - ``notification_preferences``: one row per user who changed anything;
    # - ``due_soon_reminders`` (task side, next to the tasks and the outbox that receives the
    #   ``task.due_soon`` events): one row per (task, due date) announced, the primary key
    #   making the job once-only across runs and workers.

    notifications = sa.Table(
        prefix + "notifications",
        metadata,
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), fk("users", ondelete="CASCADE"), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        _ts("created_at"),
        _ts("read_at", nullable=True),
        _ts("archived_at", nullable=True),
        # The inbox, newest first, and its keyset.
        sa.Index(None, "user_id", "created_at", "id"),
        schema=schema,
        info={"database": AUTH},
        **_MYSQL_OPTIONS,
    )

    notification_log = sa.Table(
        prefix + "notification_log",
        metadata,
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("email", sa.String(255), nullable=True),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("next_attempt_at"),
        _ts("sent_at", nullable=True),
        sa.Column("claim_id", sa.Uuid(), nullable=True),
        _ts("claimed_until", nullable=True),
        sa.CheckConstraint(_in("status", _DELIVERY_STATUSES), name="status"),
        sa.CheckConstraint(_in("channel", _CHANNELS), name="channel"),
        sa.UniqueConstraint("event_id", "recipient", "channel"),
        # What is due: the delivery runner's claim.
        sa.Index(None, "status", "next_attempt_at"),
        # The rate limit's window.
        sa.Index(None, "recipient", "channel", "sent_at"),
        # The log, newest first.
        sa.Index(None, "created_at", "id"),
        schema=schema,
        info={"database": AUTH},
        **_MYSQL_OPTIONS,
    )

    notification_preferences = sa.Table(
        prefix + "notification_preferences",
        metadata,
        sa.Column(
            "user_id",
            sa.Uuid(),
            fk("users", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("email_off", sa.JSON(), nullable=False),
        sa.Column("quiet_hours_start", sa.Time(), nullable=True),
        sa.Column("quiet_hours_end", sa.Time(), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        _ts("updated_at", nullable=True),
        # Migration 0005; NULL (a row written before it) is "every push on".
        sa.Column("push_off", sa.JSON(), nullable=True),
        schema=schema,
        info={"database": AUTH},
        **_MYSQL_OPTIONS,
    )

    due_soon_reminders = sa.Table(
        prefix + "due_soon_reminders",
        metadata,
        sa.Column(
            "task_id",
            sa.Uuid(),
            fk("tasks", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("due_date", sa.Date(), primary_key=True),
        _ts("created_at"),
        schema=schema,
        info={"database": TASK},
        **_MYSQL_OPTIONS,
    )

    # --- Web Push subscriptions (migration 0005), auth side --------------------------------
    # One row per device; the endpoint is unique, through its SHA-256 (an endpoint is a
    # URL of a few hundred characters, too long for a unique index on MariaDB).
    push_subscriptions = sa.Table(
        prefix + "push_subscriptions",
        metadata,
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), fk("users", ondelete="CASCADE"), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("endpoint_hash", sa.String(64), nullable=False),
        sa.Column("p256dh", sa.String(100), nullable=False),
        sa.Column("auth", sa.String(50), nullable=False),
        _ts("created_at"),
        sa.UniqueConstraint("endpoint_hash"),
        # A user's devices, oldest first.
        sa.Index(None, "user_id", "created_at"),
        schema=schema,
        info={"database": AUTH},
        **_MYSQL_OPTIONS,
    )

    # The due-soon job reads tasks by due date.
    sa.Index(None, tasks.c.due_date)

    # --- data exports (migration 0005), auth side ------------------------------------------
    # One row per user who asked for an export of their data: when they last did, so
    # that a new request within the interval is refused by one conditional write.
    data_exports = sa.Table(
        prefix + "data_exports",
        metadata,
        sa.Column(
            "user_id",
            sa.Uuid(),
            fk("users", ondelete="CASCADE"),
            primary_key=True,
        ),
        _ts("requested_at"),
        schema=schema,
        info={"database": AUTH},
        **_MYSQL_OPTIONS,
    )

    return TableSet(
        prefix=prefix,
        schema=schema,
        metadata=metadata,
        users=users,
        teams=teams,
        team_members=team_members,
        invites=invites,
        login_failures=login_failures,
        one_time_tokens=one_time_tokens,
        email_changes=email_changes,
        sessions=sessions,
        revoked_tokens=revoked_tokens,
        tasks=tasks,
        comments=comments,
        task_activity=task_activity,
        outbox=outbox,
        notifications=notifications,
        notification_log=notification_log,
        notification_preferences=notification_preferences,
        due_soon_reminders=due_soon_reminders,
        data_exports=data_exports,
        push_subscriptions=push_subscriptions,
    )


# --- the default prefix, at module level ----------------------------------------------

DEFAULT: Final = table_set()
"""The tables with the default prefix, ``taskflow_``, in the connection's default schema."""
metadata: Final = DEFAULT.metadata
"""Every taskflow table, with the default prefix."""
users: Final = DEFAULT.users
teams: Final = DEFAULT.teams
team_members: Final = DEFAULT.team_members
invites: Final = DEFAULT.invites
login_failures: Final = DEFAULT.login_failures
one_time_tokens: Final = DEFAULT.one_time_tokens
email_changes: Final = DEFAULT.email_changes
sessions: Final = DEFAULT.sessions
revoked_tokens: Final = DEFAULT.revoked_tokens
tasks: Final = DEFAULT.tasks
comments: Final = DEFAULT.comments
task_activity: Final = DEFAULT.task_activity
outbox: Final = DEFAULT.outbox
notifications: Final = DEFAULT.notifications
notification_log: Final = DEFAULT.notification_log
notification_preferences: Final = DEFAULT.notification_preferences
due_soon_reminders: Final = DEFAULT.due_soon_reminders
data_exports: Final = DEFAULT.data_exports
push_subscriptions: Final = DEFAULT.push_subscriptions
