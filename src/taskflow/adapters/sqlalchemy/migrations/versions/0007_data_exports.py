"""data exports: when each user last asked for an export of their data

One row per user who asked (``user_id`` the primary key, removed with the user), so that
a second request within the interval (``TASKFLOW_DATA_EXPORT_INTERVAL``) is refused by a
single conditional write. Auth side, next to the users.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from taskflow.adapters.sqlalchemy.migrations.naming import names

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here, as in 0001: timestamps with time zone; MariaDB's DATETIME(6) holds UTC.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
MYSQL: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade() -> None:
    n = names()
    op.create_table(
        n.t("data_exports"),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("requested_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [n.ref("users")],
            name=n.fk("data_exports", "user_id", "users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=n.f("pk", "data_exports")),
        **MYSQL,
    )


def downgrade() -> None:
    op.drop_table(names().t("data_exports"))
