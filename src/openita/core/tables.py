"""A table a user sees, as a download: CSV (UTF-8 with a byte-order mark, so Excel reads
Thai) or XLSX with the header frozen and the columns sized. Cells that a spreadsheet
would run as a formula are made plain text, and characters a sheet cannot hold dropped."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@functools.cache
def _unwritable() -> re.Pattern[str]:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ud800-\udfff]")


def safe_row(row: Sequence[object]) -> list[object]:
    unwritable = _unwritable()
    cells = [unwritable.sub("", v) if isinstance(v, str) else v for v in row]
    return ["'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
            for v in cells]


def as_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(headers))
    writer.writerows(safe_row(row) for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(headers: Sequence[str], rows: Iterable[Sequence[object]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    rows = [safe_row(row) for row in rows]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(safe_row(headers))
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        longest = max([len(str(header)), *(len(str(r[index - 1] or "")) for r in rows[:500])])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, longest + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(headers: Sequence[str], rows: Iterable[Sequence[object]], fmt: str,
             name: str) -> HttpResponse:
    """The table as ``name.csv`` or ``name.xlsx``."""
    if fmt == "xlsx":
        body = as_xlsx(headers, rows, name)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, kind = as_csv(headers, rows), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
