"""account changes: email change requests, and the deletion of an account

- ``email_changes``: one row per email change request, its tokens stored as SHA-256;
- ``users.deletion_due_at`` (when an asked-for deletion erases the account, unless a
  login cancels it; indexed for the worker's job) and ``users.erased_at``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from taskflow.adapters.sqlalchemy.migrations.naming import names

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here, as in 0001: timestamps with time zone; MariaDB's DATETIME(6) holds UTC.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
MYSQL: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade() -> None:
    n = names()
    op.add_column(n.t("users"), sa.Column("deletion_due_at", TIMESTAMP, nullable=True))
    op.add_column(n.t("users"), sa.Column("erased_at", TIMESTAMP, nullable=True))
    op.create_index(
        n.f("ix", "users", "deletion_due_at"), n.t("users"), ["deletion_due_at"], unique=False
    )
    op.create_table(
        n.t("email_changes"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("old_email", sa.String(length=255), nullable=False),
        sa.Column("new_email", sa.String(length=255), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("confirmed_at", TIMESTAMP, nullable=True),
        sa.Column("cancelled_at", TIMESTAMP, nullable=True),
        sa.Column("undo_token_hash", sa.String(length=64), nullable=True),
        sa.Column("undo_expires_at", TIMESTAMP, nullable=True),
        sa.Column("undone_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [n.ref("users")],
            name=n.fk("email_changes", "user_id", "users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=n.f("pk", "email_changes")),
        sa.UniqueConstraint("token_hash", name=n.f("uq", "email_changes", "token_hash")),
        sa.UniqueConstraint("undo_token_hash", name=n.f("uq", "email_changes", "undo_token_hash")),
        **MYSQL,
    )
    op.create_index(
        n.f("ix", "email_changes", "user_id"), n.t("email_changes"), ["user_id"], unique=False
    )


def downgrade() -> None:
    n = names()
    op.drop_table(n.t("email_changes"))  # its indexes with it (MariaDB keeps the foreign
    # key's index until the table goes)
    op.drop_index(n.f("ix", "users", "deletion_due_at"), table_name=n.t("users"))
    # A plain DROP COLUMN on every backend (SQLite has it since 3.35): batch mode would
    # copy the users table, which the other tables' foreign keys refuse to see dropped.
    op.drop_column(n.t("users"), "erased_at")
    op.drop_column(n.t("users"), "deletion_due_at")
