"""availability data versions: ``businesses.data_version`` and ``catalog_version``, by triggers

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-07

The availability cache (``domain.search``) keys each entry by the business's data version. Every
write that can change what a client may book must bump it *in its own transaction*, so the
bump lives in the database itself: triggers on every table the availability engine reads
(bookings, booking items, date exceptions, time off, services, staff, staff-service links,
weekly hours) and on the business row (policies, time zone). No code path, panel form, import
script or future repository method can forget it.

``catalog_version`` moves with all of those except bookings: the catalog (services, staff, links,
hours) and calendar (exceptions, time off) are kept under it, so a booking does not make every
chat read them again.

PostgreSQL uses statement-level triggers with transition tables (a bulk insert bumps once per
statement, not once per row, and holds the business row's lock only until commit); SQLite has
only row-level triggers.

Caution for later migrations: ``batch_alter_table`` on SQLite re-creates a table and drops its
triggers; re-create them with :func:`create_triggers` afterwards (a test checks they exist).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose rows carry the business id, and those that reach it through their staff member.
BY_BUSINESS = ("bookings", "date_exceptions", "time_off", "services", "staff")
BY_STAFF = ("staff_services", "weekly_hours")
BY_BOOKING = ("booking_items",)
EVENTS = ("insert", "update", "delete")

# Bookings change only what is free (data_version); everything else is the business's catalog
# and calendar too (both versions).
BOOKING_TABLES = ("bookings", "booking_items")
_BUMP_DATA = "UPDATE businesses SET data_version = data_version + 1 WHERE id IN ({ids})"
_BUMP_BOTH = (
    "UPDATE businesses SET data_version = data_version + 1, "
    "catalog_version = catalog_version + 1 WHERE id IN ({ids})"
)


def _bump(table: str, ids: str) -> str:
    return (_BUMP_DATA if table in BOOKING_TABLES else _BUMP_BOTH).format(ids=ids)


def _sqlite_ids(table: str, row: str) -> str:
    if table in BY_BUSINESS:
        return f"{row}.business_id"
    if table in BY_STAFF:
        return f"SELECT business_id FROM staff WHERE id = {row}.staff_id"
    return f"SELECT business_id FROM bookings WHERE id = {row}.booking_id"


def _pg_ids(table: str, rows: str) -> str:
    if table in BY_BUSINESS:
        return f"SELECT business_id FROM {rows}"
    if table in BY_STAFF:
        return f"SELECT s.business_id FROM staff s WHERE s.id IN (SELECT staff_id FROM {rows})"
    return f"SELECT b.business_id FROM bookings b WHERE b.id IN (SELECT booking_id FROM {rows})"


def _sqlite_statements() -> list[str]:
    out = []
    for table in BY_BUSINESS + BY_STAFF + BY_BOOKING:
        for event in EVENTS:
            rows = (
                ("NEW",) if event == "insert" else ("OLD",) if event == "delete" else ("OLD", "NEW")
            )
            body = "; ".join(_bump(table, _sqlite_ids(table, r)) for r in rows)
            out.append(
                f"CREATE TRIGGER bump_version_{table}_{event} AFTER {event.upper()} ON {table} "
                f"BEGIN {body}; END"
            )
    # The business row itself (policies, time zone): any update that does not already move
    # the version moves it once (the inner update changes it, so it does not fire again).
    out.append(
        "CREATE TRIGGER bump_version_businesses_update AFTER UPDATE ON businesses "
        "WHEN NEW.data_version = OLD.data_version "
        "BEGIN UPDATE businesses SET data_version = data_version + 1, "
        "catalog_version = catalog_version + 1 WHERE id = NEW.id; END"
    )
    return out


def _pg_statements() -> list[str]:
    out = []
    for table in BY_BUSINESS + BY_STAFF + BY_BOOKING:
        new_ids, old_ids = _pg_ids(table, "new_rows"), _pg_ids(table, "old_rows")
        out.append(
            f"CREATE FUNCTION bump_version_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            "IF TG_OP = 'INSERT' THEN "
            f"{_bump(table, new_ids)}; "
            "ELSIF TG_OP = 'DELETE' THEN "
            f"{_bump(table, old_ids)}; "
            "ELSE "
            f"{_bump(table, f'{new_ids} UNION {old_ids}')}; "
            "END IF; RETURN NULL; END $$"
        )
        for event in EVENTS:
            tables = {
                "insert": "NEW TABLE AS new_rows",
                "delete": "OLD TABLE AS old_rows",
                "update": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
            }[event]
            out.append(
                f"CREATE TRIGGER bump_version_{table}_{event} AFTER {event.upper()} ON {table} "
                f"REFERENCING {tables} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION bump_version_{table}()"
            )
    out.append(
        "CREATE FUNCTION bump_version_businesses() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN IF NEW.data_version = OLD.data_version THEN "
        "NEW.data_version := OLD.data_version + 1; "
        "NEW.catalog_version := OLD.catalog_version + 1; END IF; RETURN NEW; END $$"
    )
    out.append(
        "CREATE TRIGGER bump_version_businesses_update BEFORE UPDATE ON businesses "
        "FOR EACH ROW EXECUTE FUNCTION bump_version_businesses()"
    )
    return out


def create_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _pg_statements() if dialect == "postgresql" else _sqlite_statements():
        op.execute(statement)


def drop_triggers() -> None:
    dialect = op.get_bind().dialect.name
    tables = BY_BUSINESS + BY_STAFF + BY_BOOKING
    for table in tables:
        for event in EVENTS:
            suffix = f" ON {table}" if dialect == "postgresql" else ""
            op.execute(f"DROP TRIGGER IF EXISTS bump_version_{table}_{event}{suffix}")
    suffix = " ON businesses" if dialect == "postgresql" else ""
    op.execute(f"DROP TRIGGER IF EXISTS bump_version_businesses_update{suffix}")
    if dialect == "postgresql":
        for table in (*tables, "businesses"):
            op.execute(f"DROP FUNCTION IF EXISTS bump_version_{table}()")


def upgrade() -> None:
    for column in ("data_version", "catalog_version"):
        op.add_column(
            "businesses",
            sa.Column(column, sa.BigInteger(), nullable=False, server_default="0"),
        )
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    with op.batch_alter_table("businesses", schema=None) as batch_op:
        batch_op.drop_column("catalog_version")
        batch_op.drop_column("data_version")
