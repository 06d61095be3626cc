"""users and plants

Revision ID: 5c1e0a9b2d41
Revises:
Create Date: 2024-11-08 10:02:13.640912

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1e0a9b2d41"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "plants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("keeper_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("water_every_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["keeper_id"], ["users.id"], name=op.f("fk_plants_keeper_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plants")),
    )
    op.create_index(op.f("ix_plants_keeper_id"), "plants", ["keeper_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_plants_keeper_id"), table_name="plants")
    op.drop_table("plants")
    op.drop_table("users")
