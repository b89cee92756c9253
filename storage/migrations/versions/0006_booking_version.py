"""booking versions: buttons and forms act only on the state they were drawn for

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-07

``bookings.version`` starts at 1 and storage adds one on every saved change. Chat buttons and
panel forms carry the version they were drawn for; a use case refuses an action drawn for
another version. Existing rows start at 1. Buttons drawn before this migration carry no
version: they no longer match and get the "expired button" answer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, not batch mode: on SQLite batch mode rebuilds the table and would
    # drop the booking_overlap triggers made in 0001.
    op.add_column(
        "bookings",
        sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
    )


def downgrade() -> None:
    op.drop_column("bookings", "version")
