"""taskflow's schema as SQLAlchemy Core tables on ONE ``MetaData``: ``metadata``.

The migrations in ``migrations/`` create exactly this schema (a test compares them). An
application that runs its own Alembic can instead add ``metadata`` to its own
``target_metadata`` (see docs/storage.md).

Two logical databases, as in the seed: the *auth* tables (users, teams, team_members,
invites, login_failures, one_time_tokens, sessions, revoked_tokens, and the notification
tables) and the *task* tables (tasks, comments, task_activity, due_soon_reminders).
``outbox`` lives in both: a unit of work writes each event to the outbox of the database
its change was made in. Each table records its side
in ``table.info["database"]``; no foreign key crosses the two sides, so they can live in
separate databases (``AUTH_DATABASE_URL`` / ``TASK_DATABASE_URL``).

Conventions: UUID keys (``sa.Uuid``: native on PostgreSQL, CHAR(32) elsewhere);
timestamps are ``UtcDateTime`` (timezone-aware UTC in and out on every backend, with
microseconds on MariaDB too); constraint names follow ``NAMING_CONVENTION`` so that
migrations can refer to them and errors can be recognised by name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect

__all__ = [
    "AUTH",
    "NAMING_CONVENTION",
    "TASK",
    "UtcDateTime",
    "comments",
    "due_soon_reminders",
    "invites",
    "login_failures",
    "metadata",
    "notification_log",
    "notification_preferences",
    "notifications",
    "one_time_tokens",
    "outbox",
    "revoked_tokens",
    "sessions",
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

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
"""Every taskflow table."""

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

# --- auth database -------------------------------------------------------------------

users = sa.Table(
    "users",
    metadata,
    _id(),
    sa.Column("email", sa.String(255), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("email_verified", sa.Boolean(), nullable=False, server_default=sa.false()),
    _ts("created_at"),
    _ts("updated_at"),
    sa.UniqueConstraint("email"),
    info={"database": AUTH},
    **_MYSQL_OPTIONS,
)

teams = sa.Table(
    "teams",
    metadata,
    _id(),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("owner_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=False, index=True),
    _ts("created_at"),
    info={"database": AUTH},
    **_MYSQL_OPTIONS,
)

team_members = sa.Table(
    "team_members",
    metadata,
    _id(),
    sa.Column("team_id", sa.Uuid(), sa.ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "user_id",
        sa.Uuid(),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("role", sa.String(20), nullable=False),
    _ts("joined_at"),
    sa.UniqueConstraint("team_id", "user_id"),
    sa.CheckConstraint(_in("role", _ROLES), name="role"),
    info={"database": AUTH},
    **_MYSQL_OPTIONS,
)

invites = sa.Table(
    "invites",
    metadata,
    _id(),
    sa.Column("team_id", sa.Uuid(), sa.ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    sa.Column("email", sa.String(255), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    # SHA-256 hex of the token; the token itself is never stored.
    sa.Column("token_hash", sa.String(64), nullable=False),
    _ts("expires_at"),
    sa.Column("created_by", sa.Uuid(), sa.ForeignKey("users.id"), nullable=False, index=True),
    _ts("created_at"),
    _ts("accepted_at", nullable=True),
    sa.Column("accepted_by", sa.Uuid(), sa.ForeignKey("users.id"), nullable=True, index=True),
    _ts("revoked_at", nullable=True),
    sa.UniqueConstraint("token_hash"),
    sa.CheckConstraint(_in("role", _ROLES), name="role"),
    sa.Index(None, "team_id", "created_at"),
    info={"database": AUTH},
    **_MYSQL_OPTIONS,
)

login_failures = sa.Table(
    "login_failures",
    metadata,
    # SHA-256 (hex) of the email address tried: counted whether an account has it or not.
    sa.Column("subject", sa.String(64), primary_key=True),
    sa.Column("count", sa.Integer(), nullable=False),
    _ts("last_failed_at"),
    _ts("locked_until", nullable=True),
    sa.CheckConstraint("count >= 0", name="count"),
    info={"database": AUTH},
    **_MYSQL_OPTIONS,
)

one_time_tokens = sa.Table(
    "one_time_tokens",
    metadata,
    _id(),
    sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("purpose", sa.String(20), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    _ts("created_at"),
    _ts("expires_at"),
    _ts("used_at", nullable=True),
    sa.UniqueConstraint("token_hash"),
    sa.CheckConstraint(_in("purpose", _PURPOSES), name="purpose"),
    sa.Index(None, "user_id", "purpose"),
    info={"database": AUTH},
    **_MYSQL_OPTIONS,
)

sessions = sa.Table(
    "sessions",
    metadata,
    _id(),
    sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("refresh_jti", sa.String(64), nullable=False),
    _ts("created_at"),
    _ts("last_used_at"),
    _ts("expires_at"),
    _ts("revoked_at", nullable=True),
    sa.Index(None, "user_id", "created_at"),
    info={"database": AUTH},
    **_MYSQL_OPTIONS,
)

revoked_tokens = sa.Table(
    "revoked_tokens",
    metadata,
    sa.Column("jti", sa.String(64), primary_key=True),
    _ts("expires_at"),
    sa.Index(None, "expires_at"),
    info={"database": AUTH},
    **_MYSQL_OPTIONS,
)

# --- task database -------------------------------------------------------------------

tasks = sa.Table(
    "tasks",
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
    info={"database": TASK},
    **_MYSQL_OPTIONS,
)

comments = sa.Table(
    "comments",
    metadata,
    _id(),
    sa.Column("task_id", sa.Uuid(), sa.ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("user_id", sa.Uuid(), nullable=False),  # auth side: no foreign key
    sa.Column("content", sa.Text(), nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
    sa.Index(None, "task_id", "created_at", "id"),
    info={"database": TASK},
    **_MYSQL_OPTIONS,
)

task_activity = sa.Table(
    "task_activity",
    metadata,
    _id(),
    sa.Column("task_id", sa.Uuid(), sa.ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("actor_id", sa.Uuid(), nullable=False),  # auth side: no foreign key
    sa.Column("kind", sa.String(20), nullable=False),
    _ts("created_at"),
    sa.Column("field", sa.String(50), nullable=True),
    sa.Column("old_value", sa.Text(), nullable=True),
    sa.Column("new_value", sa.Text(), nullable=True),
    sa.CheckConstraint(_in("kind", _ACTIVITY_KINDS), name="kind"),
    sa.Index(None, "task_id", "created_at", "id"),
    info={"database": TASK},
    **_MYSQL_OPTIONS,
)

# --- both databases ------------------------------------------------------------------

outbox = sa.Table(
    "outbox",
    metadata,
    _id(),  # the event id
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("payload", sa.JSON(), nullable=False),
    _ts("occurred_at"),
    _ts("published_at", nullable=True),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    # The relay reads unpublished rows oldest first.
    sa.Index(None, "published_at", "occurred_at"),
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

_DELIVERY_STATUSES: Final = ("pending", "sending", "sent", "deferred", "failed", "dead")
_CHANNELS: Final = ("email", "in_app")

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Column("event_id", sa.Uuid(), nullable=False),
    _ts("created_at"),
    _ts("read_at", nullable=True),
    _ts("archived_at", nullable=True),
    # The inbox, newest first, and its keyset.
    sa.Index(None, "user_id", "created_at", "id"),
    info={"database": AUTH},
    **_MYSQL_OPTIONS,
)

notification_log = sa.Table(
    "notification_log",
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
    info={"database": AUTH},
    **_MYSQL_OPTIONS,
)

notification_preferences = sa.Table(
    "notification_preferences",
    metadata,
    sa.Column(
        "user_id",
        sa.Uuid(),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("email_off", sa.JSON(), nullable=False),
    sa.Column("quiet_hours_start", sa.Time(), nullable=True),
    sa.Column("quiet_hours_end", sa.Time(), nullable=True),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    _ts("updated_at", nullable=True),
    info={"database": AUTH},
    **_MYSQL_OPTIONS,
)

due_soon_reminders = sa.Table(
    "due_soon_reminders",
    metadata,
    sa.Column(
        "task_id",
        sa.Uuid(),
        sa.ForeignKey("tasks.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("due_date", sa.Date(), primary_key=True),
    _ts("created_at"),
    info={"database": TASK},
    **_MYSQL_OPTIONS,
)

# The due-soon job reads tasks by due date.
sa.Index("ix_tasks_due_date", tasks.c.due_date)
