"""panel forms: one-time tokens of creation forms; duplicate clients merged by phone

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

``form_tokens`` keeps the one-time token of every creation form already used, so the same form
posted twice (double tap, Back and send again) creates one thing.

Phones typed in the panel were stored as typed ("(11) 98888-7777") while the bot stores them
normalised ("+5511988887777"), so one person became two clients. This migration normalises
every stored phone the way the bot does and merges clients of the same business with the same
phone: the oldest (lowest id) stays, the others' bookings, notes and Telegram account move to it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_tokens",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("used_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["business_id"], ["businesses.id"]),
        sa.PrimaryKeyConstraint("token"),
    )
    merge_duplicate_clients(op.get_bind())


def normalize_phone(text: str, region: str = "BR") -> str | None:
    """The bot's rule as of this migration (i18n/phones.py), copied so that this migration
    does the same thing forever even if the live rule changes later."""
    import phonenumbers

    raw = text.strip()
    digits = sum(c.isdigit() for c in raw)
    if raw and raw[0].isdigit() and digits > 11:
        raw = "+" + raw  # contacts often come without the "+": 5511987654321
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def merge_duplicate_clients(conn: sa.engine.Connection) -> int:
    """Normalise stored phones; merge same-business same-phone clients into the oldest.

    Returns how many clients were merged away. Phones that are not valid numbers stay as typed
    (a person may have written "ask at the desk"); they merge only with exactly equal text.
    """
    rows = conn.execute(
        sa.text(
            "SELECT id, business_id, phone, telegram_user_id, name, notes FROM clients"
            " WHERE phone <> '' ORDER BY id"
        )
    ).all()
    keep: dict[tuple[int, str], sa.Row[tuple[int, int, str, int | None, str, str]]] = {}
    merged = 0
    for row in rows:
        phone = normalize_phone(row.phone) or row.phone.strip()
        if phone != row.phone:
            conn.execute(
                sa.text("UPDATE clients SET phone = :p WHERE id = :i"), {"p": phone, "i": row.id}
            )
        oldest = keep.get((row.business_id, phone))
        if oldest is None:
            keep[(row.business_id, phone)] = row
            continue
        merged += 1
        conn.execute(
            sa.text("UPDATE bookings SET client_id = :k WHERE client_id = :d"),
            {"k": oldest.id, "d": row.id},
        )
        # What only the newer record knew: its Telegram account, name, notes.
        fresh = conn.execute(
            sa.text("SELECT telegram_user_id, name, notes FROM clients WHERE id = :k"),
            {"k": oldest.id},
        ).one()
        conn.execute(sa.text("DELETE FROM clients WHERE id = :d"), {"d": row.id})
        notes = fresh.notes
        if row.notes and row.notes not in notes:
            notes = f"{notes}\n{row.notes}".strip()[:1000]
        conn.execute(
            sa.text(
                "UPDATE clients SET telegram_user_id = :t, name = :n, notes = :o WHERE id = :k"
            ),
            {
                "t": fresh.telegram_user_id
                if fresh.telegram_user_id is not None
                else row.telegram_user_id,
                "n": fresh.name or row.name,
                "o": notes,
                "k": oldest.id,
            },
        )
    return merged


def downgrade() -> None:
    # Merged clients stay merged: splitting them again would invent who booked what.
    op.drop_table("form_tokens")
