"""users.locale: the language of each user's pages (and of taskflow's mails to them)

Revision ID: 9e47d3c6f0a8
Revises: 5c1e0a9b2d41
Create Date: 2025-06-21 16:45:51.207733

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e47d3c6f0a8"
down_revision: str | Sequence[str] | None = "5c1e0a9b2d41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("locale", sa.String(length=8), nullable=False, server_default="en")
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("locale")
