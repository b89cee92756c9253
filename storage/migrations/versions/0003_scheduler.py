"""scheduler: outbox delivery progress

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

``sent_to`` lists the recipients of a notification already told, so a retry after a crash
repeats nobody; ``finished_at`` says when a row left the queue.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sent_to", sa.String(length=2000), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("finished_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("finished_at")
        batch_op.drop_column("sent_to")
