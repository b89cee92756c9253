"""daily actions: the agenda digest time and the outbox key of daily rows

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

``businesses.digest_time`` is the local time of the provider's daily agenda digest (NULL: off).
``outbox.dedup_key`` is "<kind>:<business>:<local date>" for daily actions (NULL otherwise); its
unique index makes two planners write an occurrence once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("businesses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_time", sa.Time(), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedup_key", sa.String(length=120), nullable=True))
        batch_op.create_index("ux_outbox_dedup_key", ["dedup_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ux_outbox_dedup_key")
        batch_op.drop_column("dedup_key")
    with op.batch_alter_table("businesses", schema=None) as batch_op:
        batch_op.drop_column("digest_time")
