"""the provider's day: no-show policy, forgiven no-shows, approval per service

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-07

``businesses.no_show_limit`` / ``no_show_window_days``: after that many no-shows within that
many days a client's bookings wait for the provider's approval (0: off).
``clients.no_shows_forgiven_at``: no-shows before this instant no longer count.
``services.needs_approval``: bookings of this service always wait for the provider.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD/DROP COLUMN, not batch mode: on SQLite batch mode re-creates a table and drops its
# triggers (the data-version triggers of 0007 on businesses and services).


def upgrade() -> None:
    op.add_column(
        "businesses",
        sa.Column("no_show_limit", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "businesses",
        sa.Column("no_show_window_days", sa.Integer(), nullable=False, server_default="90"),
    )
    op.add_column(
        "clients",
        sa.Column("no_shows_forgiven_at", storage.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "services",
        sa.Column("needs_approval", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("services", "needs_approval")
    op.drop_column("clients", "no_shows_forgiven_at")
    op.drop_column("businesses", "no_show_window_days")
    op.drop_column("businesses", "no_show_limit")
