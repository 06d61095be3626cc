"""notifications: in-app inbox, notification_log, preferences, due-soon reminders

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from taskflow.adapters.sqlalchemy.migrations.naming import names

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here, as in 0001: timestamps with time zone; MariaDB's DATETIME(6) holds UTC.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
MYSQL: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade() -> None:
    n = names()
    op.create_table(
        n.t("notifications"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("read_at", TIMESTAMP, nullable=True),
        sa.Column("archived_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [n.ref("users")],
            name=n.fk("notifications", "user_id", "users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=n.f("pk", "notifications")),
        **MYSQL,
    )
    op.create_index(
        n.f("ix", "notifications", "user_id_created_at_id"),
        n.t("notifications"),
        ["user_id", "created_at", "id"],
        unique=False,
    )

    op.create_table(
        n.t("notification_log"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.Column("claim_id", sa.Uuid(), nullable=True),
        sa.Column("claimed_until", TIMESTAMP, nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'deferred', 'failed', 'dead')",
            name=n.f("ck", "notification_log", "status"),
        ),
        sa.CheckConstraint(
            "channel IN ('email', 'in_app')", name=n.f("ck", "notification_log", "channel")
        ),
        sa.PrimaryKeyConstraint("id", name=n.f("pk", "notification_log")),
        sa.UniqueConstraint(
            "event_id",
            "recipient",
            "channel",
            name=n.f("uq", "notification_log", "event_id_recipient_channel"),
        ),
        **MYSQL,
    )
    op.create_index(
        n.f("ix", "notification_log", "status_next_attempt_at"),
        n.t("notification_log"),
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_index(
        n.f("ix", "notification_log", "recipient_channel_sent_at"),
        n.t("notification_log"),
        ["recipient", "channel", "sent_at"],
        unique=False,
    )
    op.create_index(
        n.f("ix", "notification_log", "created_at_id"),
        n.t("notification_log"),
        ["created_at", "id"],
        unique=False,
    )

    op.create_table(
        n.t("notification_preferences"),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("email_off", sa.JSON(), nullable=False),
        sa.Column("quiet_hours_start", sa.Time(), nullable=True),
        sa.Column("quiet_hours_end", sa.Time(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [n.ref("users")],
            name=n.fk("notification_preferences", "user_id", "users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=n.f("pk", "notification_preferences")),
        **MYSQL,
    )

    op.create_table(
        n.t("due_soon_reminders"),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            [n.ref("tasks")],
            name=n.fk("due_soon_reminders", "task_id", "tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "due_date", name=n.f("pk", "due_soon_reminders")),
        **MYSQL,
    )

    op.create_index(n.f("ix", "tasks", "due_date"), n.t("tasks"), ["due_date"], unique=False)


def downgrade() -> None:
    n = names()
    op.drop_index(n.f("ix", "tasks", "due_date"), table_name=n.t("tasks"))
    for table in (
        n.t("due_soon_reminders"),
        n.t("notification_preferences"),
        n.t("notification_log"),
        n.t("notifications"),
    ):
        op.drop_table(table)
