"""CSV that a spreadsheet opens as data, never as formulas (CSV injection).

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula, and skip a leading tab or carriage return before deciding. A client's name such
as ``=HYPERLINK(...)`` would then run on the provider's computer. Every CSV the panel writes
goes through :func:`csv_text`, which quotes such cells with a leading apostrophe (shown by no
spreadsheet, and the usual OWASP advice) in every column: ours (numbers, dates) never start so.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """The rows as CSV, every cell neutralised, with a BOM so spreadsheets read accents."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return "\ufeff" + out.getvalue()
