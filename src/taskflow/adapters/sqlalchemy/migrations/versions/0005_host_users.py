"""host users: ``users.external_id`` links a host application's user (identity mode)

A host application that authenticates its own users gives taskflow its user ids; each is
linked to one taskflow user through this column (NULL for taskflow's own accounts). A
unique index, not a constraint: every backend adds it in place (SQLite would have to copy
the table for a constraint), and all three let any number of rows hold NULL.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from taskflow.adapters.sqlalchemy.migrations.naming import names

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    n = names()
    op.add_column(n.t("users"), sa.Column("external_id", sa.String(255), nullable=True))
    op.create_index(n.f("ix", "users", "external_id"), n.t("users"), ["external_id"], unique=True)


def downgrade() -> None:
    n = names()
    op.drop_index(n.f("ix", "users", "external_id"), table_name=n.t("users"))
    op.drop_column(n.t("users"), "external_id")
