"""initial schema: auth and task tables, outbox

The tables get the prefix of the storage being migrated (``taskflow_users``...): see
``migrations/naming.py`` (databases made before the prefix existed are renamed by 0004).

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from taskflow.adapters.sqlalchemy.migrations.naming import names

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here (not imported from tables.py) so this revision never changes: timestamps
# with time zone; MariaDB has none, so DATETIME with microseconds, holding UTC.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    n = names(fresh=True)  # the first revision: nothing exists yet
    op.create_table(
        n.t("outbox"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("occurred_at", TIMESTAMP, nullable=False),
        sa.Column("published_at", TIMESTAMP, nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=n.f("pk", "outbox")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_index(
        n.f("ix", "outbox", "published_at_occurred_at"),
        n.t("outbox"),
        ["published_at", "occurred_at"],
        unique=False,
    )

    op.create_table(
        n.t("revoked_tokens"),
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("jti", name=n.f("pk", "revoked_tokens")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_index(
        n.f("ix", "revoked_tokens", "expires_at"),
        n.t("revoked_tokens"),
        ["expires_at"],
        unique=False,
    )

    op.create_table(
        n.t("tasks"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="todo", nullable=False),
        sa.Column("priority", sa.String(length=10), server_default="medium", nullable=False),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("completed_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("deleted_at", TIMESTAMP, nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.CheckConstraint(
            "priority IN ('low', 'medium', 'high')", name=n.f("ck", "tasks", "priority")
        ),
        sa.CheckConstraint(
            "status IN ('todo', 'in_progress', 'done')", name=n.f("ck", "tasks", "status")
        ),
        sa.CheckConstraint("version >= 1", name=n.f("ck", "tasks", "version")),
        sa.PrimaryKeyConstraint("id", name=n.f("pk", "tasks")),
        sa.UniqueConstraint(
            "team_id",
            "created_by",
            "idempotency_key",
            name=n.f("uq", "tasks", "team_id_created_by_idempotency_key"),
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_index(n.f("ix", "tasks", "assignee_id"), n.t("tasks"), ["assignee_id"], unique=False)
    op.create_index(
        n.f("ix", "tasks", "team_id_created_at_id"),
        n.t("tasks"),
        ["team_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        n.f("ix", "tasks", "team_id_status_created_at_id"),
        n.t("tasks"),
        ["team_id", "status", "created_at", "id"],
        unique=False,
    )

    op.create_table(
        n.t("users"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("email_verified", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=n.f("pk", "users")),
        sa.UniqueConstraint("email", name=n.f("uq", "users", "email")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        n.t("comments"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            [n.ref("tasks")],
            name=n.fk("comments", "task_id", "tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=n.f("pk", "comments")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_index(
        n.f("ix", "comments", "task_id_created_at_id"),
        n.t("comments"),
        ["task_id", "created_at", "id"],
        unique=False,
    )

    op.create_table(
        n.t("login_failures"),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", TIMESTAMP, nullable=False),
        sa.Column("locked_until", TIMESTAMP, nullable=True),
        sa.CheckConstraint("count >= 0", name=n.f("ck", "login_failures", "count")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [n.ref("users")],
            name=n.fk("login_failures", "user_id", "users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=n.f("pk", "login_failures")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        n.t("one_time_tokens"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("used_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint(
            "purpose IN ('verify_email', 'password_reset')",
            name=n.f("ck", "one_time_tokens", "purpose"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [n.ref("users")],
            name=n.fk("one_time_tokens", "user_id", "users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=n.f("pk", "one_time_tokens")),
        sa.UniqueConstraint("token_hash", name=n.f("uq", "one_time_tokens", "token_hash")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_index(
        n.f("ix", "one_time_tokens", "user_id_purpose"),
        n.t("one_time_tokens"),
        ["user_id", "purpose"],
        unique=False,
    )

    op.create_table(
        n.t("sessions"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("refresh_jti", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("last_used_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [n.ref("users")],
            name=n.fk("sessions", "user_id", "users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=n.f("pk", "sessions")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_index(
        n.f("ix", "sessions", "user_id_created_at"),
        n.t("sessions"),
        ["user_id", "created_at"],
        unique=False,
    )

    op.create_table(
        n.t("task_activity"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("field", sa.String(length=50), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('created', 'changed', 'assigned', 'unassigned', 'completed', "
            "'reopened', 'deleted', 'restored', 'commented')",
            name=n.f("ck", "task_activity", "kind"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            [n.ref("tasks")],
            name=n.fk("task_activity", "task_id", "tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=n.f("pk", "task_activity")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_index(
        n.f("ix", "task_activity", "task_id_created_at_id"),
        n.t("task_activity"),
        ["task_id", "created_at", "id"],
        unique=False,
    )

    op.create_table(
        n.t("teams"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], [n.ref("users")], name=n.fk("teams", "owner_id", "users")
        ),
        sa.PrimaryKeyConstraint("id", name=n.f("pk", "teams")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_index(n.f("ix", "teams", "owner_id"), n.t("teams"), ["owner_id"], unique=False)

    op.create_table(
        n.t("invites"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("accepted_at", TIMESTAMP, nullable=True),
        sa.Column("accepted_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint(
            "role IN ('member', 'admin', 'owner')", name=n.f("ck", "invites", "role")
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by"], [n.ref("users")], name=n.fk("invites", "accepted_by", "users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], [n.ref("users")], name=n.fk("invites", "created_by", "users")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            [n.ref("teams")],
            name=n.fk("invites", "team_id", "teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=n.f("pk", "invites")),
        sa.UniqueConstraint("token_hash", name=n.f("uq", "invites", "token_hash")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_index(
        n.f("ix", "invites", "accepted_by"), n.t("invites"), ["accepted_by"], unique=False
    )
    op.create_index(
        n.f("ix", "invites", "created_by"), n.t("invites"), ["created_by"], unique=False
    )
    op.create_index(
        n.f("ix", "invites", "team_id_created_at"),
        n.t("invites"),
        ["team_id", "created_at"],
        unique=False,
    )

    op.create_table(
        n.t("team_members"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("joined_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "role IN ('member', 'admin', 'owner')", name=n.f("ck", "team_members", "role")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            [n.ref("teams")],
            name=n.fk("team_members", "team_id", "teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [n.ref("users")],
            name=n.fk("team_members", "user_id", "users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=n.f("pk", "team_members")),
        sa.UniqueConstraint(
            "team_id", "user_id", name=n.f("uq", "team_members", "team_id_user_id")
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_index(
        n.f("ix", "team_members", "user_id"), n.t("team_members"), ["user_id"], unique=False
    )


def downgrade() -> None:
    n = names()
    # Children before parents; each table's indexes go with it.
    for table in (
        n.t("task_activity"),
        n.t("comments"),
        n.t("tasks"),
        n.t("revoked_tokens"),
        n.t("sessions"),
        n.t("one_time_tokens"),
        n.t("login_failures"),
        n.t("invites"),
        n.t("team_members"),
        n.t("teams"),
        n.t("users"),
        n.t("outbox"),
    ):
        op.drop_table(table)
