"""Reading an uploaded table (CSV or XLSX) as rows of text, for every import of openita.

Problems with the file as a whole (not a table, too large, a column not known, one
missing) refuse it at once in the user's language; each import then checks its rows and
reports every problem with its row number and column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from openita.core.tables import FORMULA_STARTS
from openita.core.validators import forbidden_characters

MAX_ROWS = 20_000
MAX_BYTES = 15 * 1024 * 1024


class ImportRejected(Exception):
    """The file cannot be read at all (not a table, wrong header, too large)."""


@dataclass
class RowProblem:
    row: int
    column: str
    message: str


def read_table(name: str, data: bytes, *, columns: Sequence[str], required: Collection[str],
               max_rows: int = MAX_ROWS) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX file as dicts keyed by the (lower-cased) header."""
    if len(data) > MAX_BYTES:
        raise ImportRejected(_("The file is larger than 15 MB."))
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        raw_rows = _xlsx_rows(data)
    elif lowered.endswith(".csv"):
        raw_rows = _csv_rows(data)
    else:
        raise ImportRejected(_("Upload a .csv or .xlsx file."))
    header = [str(cell or "").strip().lower() for cell in next(raw_rows, [])]
    if not any(header):
        raise ImportRejected(_("The file is empty."))
    unknown = [h for h in header if h and h not in columns]
    if unknown:
        raise ImportRejected(_("Unknown columns: %(names)s. Allowed: %(allowed)s.")
                             % {"names": ", ".join(shown(h) for h in unknown[:10]),
                                "allowed": ", ".join(columns)})
    missing = set(required) - set(header)
    if missing:
        raise ImportRejected(_("Missing columns: %(names)s.")
                             % {"names": ", ".join(sorted(missing))})
    rows = []
    for cells in raw_rows:
        values = [cell_text(c) for c in cells]
        if not any(values):
            continue
        rows.append(dict(zip(header, values + [""] * (len(header) - len(values)), strict=False)))
        if len(rows) > max_rows:
            raise ImportRejected(_("A file may hold at most %(n)s rows.") % {"n": max_rows})
    return rows


def shown(value: str, limit: int = 40) -> str:
    """A cell as quoted in a message (or a file name in the log): without control
    characters, and short."""
    bad = set(forbidden_characters(value, multiline=False))
    value = "".join(c for c in value if c not in bad) if bad else value
    return value if len(value) <= limit else value[:limit] + "…"


def cell_text(value: Any) -> str:
    """A cell as text: a whole number stored by a spreadsheet as 1.0 reads as 1."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)
    return str(value).strip()


def unescape_formula(row: list) -> list:
    """Undo ``core.tables.safe_row`` so an exported file imports back unchanged."""
    return [v[1:] if isinstance(v, str) and v.startswith("'") and v[1:2] and v[1:].startswith(
        FORMULA_STARTS) else v for v in row]


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRejected(_("The CSV file must be encoded as UTF-8.")) from error
    # Universal newlines: a file saved with old Mac line ends (CR alone) reads as rows too.
    reader = csv.reader(io.StringIO(text, newline=None))
    try:
        rows = list(reader)
    except csv.Error as error:
        # The csv module's own words are English and name its internals; say what is wrong
        # and where, in the person's language.
        if "field limit" in str(error):
            raise ImportRejected(
                _("Line %(line)s of the CSV file has a cell longer than %(limit)s characters.")
                % {"line": reader.line_num, "limit": csv.field_size_limit()}) from error
        raise ImportRejected(
            _("Line %(line)s of the CSV file cannot be read. Check its quotation marks, or "
              "save the file again as CSV (UTF-8).") % {"line": reader.line_num}) from error
    return iter(unescape_formula(row) for row in rows)


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    # read_only workbooks parse a sheet only while it is iterated, so read it all here:
    # a broken sheet must be refused like a broken file, not crash half-way.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        if not workbook.worksheets:
            raise ImportRejected(_("The file is empty."))
        rows = [unescape_formula(list(row))
                for row in workbook.worksheets[0].iter_rows(values_only=True)]
    except ImportRejected:
        raise
    except Exception as error:  # openpyxl raises many types for a broken file
        raise ImportRejected(_("The file is not a readable XLSX workbook.")) from error
    return iter(rows)
