"""login_failures: counted per login subject (a hash of the email tried), not per user

Unknown addresses are now counted and locked like known ones (issue 12, point 8), so the
key is no longer a user id: ``subject`` is the SHA-256 (hex) of the normalised email
address. Existing counters and locks are carried over under their user's subject.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from taskflow.adapters.sqlalchemy.migrations.naming import Names, names

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here, as in 0001: timestamps with time zone; MariaDB's DATETIME(6) holds UTC.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
MYSQL: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def _subject(email: str) -> str:
    """As ``taskflow.services.auth.lockout.login_subject`` computes it (frozen here)."""
    return hashlib.sha256(email.encode("utf-8")).hexdigest()


def _create(n: Names, key: sa.Column[Any], *constraints: Any) -> None:
    op.create_table(
        n.t("login_failures"),
        key,
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", TIMESTAMP, nullable=False),
        sa.Column("locked_until", TIMESTAMP, nullable=True),
        sa.CheckConstraint("count >= 0", name=n.f("ck", "login_failures", "count")),
        *constraints,
        **MYSQL,
    )


def upgrade() -> None:
    n = names()
    connection = op.get_bind()
    old = sa.table(
        n.t("login_failures"),
        sa.column("user_id", sa.Uuid()),
        sa.column("count", sa.Integer()),
        sa.column("last_failed_at", TIMESTAMP),
        sa.column("locked_until", TIMESTAMP),
    )
    users = sa.table(n.t("users"), sa.column("id", sa.Uuid()), sa.column("email", sa.String()))
    kept = connection.execute(
        sa.select(users.c.email, old.c.count, old.c.last_failed_at, old.c.locked_until).join(
            users, users.c.id == old.c.user_id
        )
    ).all()
    op.drop_table(n.t("login_failures"))
    _create(
        n,
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("subject", name=n.f("pk", "login_failures")),
    )
    if kept:
        new = sa.table(
            n.t("login_failures"),
            sa.column("subject", sa.String()),
            sa.column("count", sa.Integer()),
            sa.column("last_failed_at", TIMESTAMP),
            sa.column("locked_until", TIMESTAMP),
        )
        connection.execute(
            new.insert(),
            [
                {
                    "subject": _subject(row.email),
                    "count": row[1],
                    "last_failed_at": row.last_failed_at,
                    "locked_until": row.locked_until,
                }
                for row in kept
            ],
        )


def downgrade() -> None:
    n = names()
    # The counters of unknown addresses have no user to go back to: they are dropped, and
    # so are the others (a counter lives minutes; nothing is lost but a pending lock).
    op.drop_table(n.t("login_failures"))
    _create(
        n,
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [n.ref("users")],
            name=n.fk("login_failures", "user_id", "users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=n.f("pk", "login_failures")),
    )
