"""push: Web Push subscriptions, the push channel of the notification log, push_off

- ``push_subscriptions``: one row per device, unique by the SHA-256 of its endpoint;
- ``notification_log.channel`` may be ``push`` (its check constraint is replaced; SQLite
  copies the table to do it, under the name the constraint already had);
- ``notification_preferences.push_off``: the types a user gets no push for (NULL: none).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from taskflow.adapters.sqlalchemy.migrations.naming import names

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here, as in 0001: timestamps with time zone; MariaDB's DATETIME(6) holds UTC.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
MYSQL: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}

_WITH_PUSH = "channel IN ('email', 'in_app', 'push')"
_WITHOUT_PUSH = "channel IN ('email', 'in_app')"


def upgrade() -> None:
    n = names()
    op.create_table(
        n.t("push_subscriptions"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("endpoint_hash", sa.String(length=64), nullable=False),
        sa.Column("p256dh", sa.String(length=100), nullable=False),
        sa.Column("auth", sa.String(length=50), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [n.ref("users")],
            name=n.fk("push_subscriptions", "user_id", "users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=n.f("pk", "push_subscriptions")),
        sa.UniqueConstraint("endpoint_hash", name=n.f("uq", "push_subscriptions", "endpoint_hash")),
        **MYSQL,
    )
    op.create_index(
        n.f("ix", "push_subscriptions", "user_id_created_at"),
        n.t("push_subscriptions"),
        ["user_id", "created_at"],
        unique=False,
    )
    op.add_column(n.t("notification_preferences"), sa.Column("push_off", sa.JSON(), nullable=True))
    _replace_channel_check(_WITH_PUSH)


def downgrade() -> None:
    n = names()
    log = sa.table(n.t("notification_log"), sa.column("channel", sa.String()))
    op.execute(log.delete().where(log.c.channel == "push"))
    _replace_channel_check(_WITHOUT_PUSH)
    op.drop_column(n.t("notification_preferences"), "push_off")
    # With its index (MariaDB refuses to drop the index alone: the foreign key uses it).
    op.drop_table(n.t("push_subscriptions"))


def _replace_channel_check(condition: str) -> None:
    n = names()
    table = n.t("notification_log")
    if op.get_bind().dialect.name != "sqlite":
        name = n.f("ck", "notification_log", "channel")
        op.drop_constraint(name, table, type_="check")
        op.create_check_constraint(name, table, condition)
        return
    # SQLite changes a constraint only by copying the table. The constraint keeps the
    # name it has (a database made before 0004 has the unprefixed one: see 0004).
    checks = sa.inspect(op.get_bind()).get_check_constraints(table)
    [current] = [str(c["name"]) for c in checks if "channel" in str(c["sqltext"])]
    with op.batch_alter_table(table, recreate="always") as batch:
        batch.drop_constraint(op.f(current), type_="check")
        batch.create_check_constraint(op.f(current), sa.text(condition))
