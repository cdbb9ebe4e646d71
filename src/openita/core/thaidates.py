"""Buddhist-Era dates and fiscal years.

Thai users read dates as ``3 ม.ค. 2568``: day, abbreviated Thai month, year + 543. The
fiscal year (ปีงบประมาณ) 2568 runs from 1 October 2024 to 30 September 2025.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from pythainlp.util import arabic_digit_to_thai_digit, thai_strftime

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543


def to_buddhist_year(year: int) -> int:
    return year + BE_OFFSET


def to_gregorian_year(be_year: int) -> int:
    return be_year - BE_OFFSET


def fiscal_year_of(day: dt.date) -> int:
    """The B.E. fiscal year a calendar day falls in (October starts the next one)."""
    return to_buddhist_year(day.year + 1 if day.month >= 10 else day.year)


def fiscal_year_bounds(fiscal_year_be: int) -> tuple[dt.date, dt.date]:
    """First and last day of a B.E. fiscal year."""
    end_year = to_gregorian_year(fiscal_year_be)
    return dt.date(end_year - 1, 10, 1), dt.date(end_year, 9, 30)


def _as_local_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(BANGKOK)
        return value.date()
    return value


def format_date(value: dt.date | dt.datetime | None, language: str, long: bool = False) -> str:
    """``3 ม.ค. 2568`` in Thai (``3 มกราคม 2568`` when long), ``3 Jan 2025`` in English."""
    if value is None:
        return ""
    day = _as_local_date(value)
    if language.startswith("th"):
        return thai_strftime(dt.datetime(day.year, day.month, day.day), "%-d %B %Y" if long
                             else "%-d %b %Y")
    return day.strftime("%-d %B %Y" if long else "%-d %b %Y")


def format_datetime(value: dt.datetime | None, language: str) -> str:
    """A moment in Bangkok time, e.g. ``3 ม.ค. 2568 14:05 น.``."""
    if value is None:
        return ""
    local = value.astimezone(BANGKOK) if value.tzinfo else value
    suffix = " น." if language.startswith("th") else ""
    return f"{format_date(local, language)} {local:%H:%M}{suffix}"


# Spans whose digits must never become Thai digits: URLs, e-mails and Latin codes (O1, IIT).
_PROTECTED = re.compile(r"(https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.]+|[A-Za-z]+\d[\w-]*)")


def with_digits(text: str, thai: bool) -> str:
    """``text`` in the document's digit system, leaving URLs, e-mails and codes alone."""
    if not thai:
        return text
    parts = _PROTECTED.split(text)
    return "".join(p if i % 2 else arabic_digit_to_thai_digit(p) for i, p in enumerate(parts))


def thai_long_date(day: dt.date, thai: bool = False) -> str:
    """``31 พฤษภาคม พ.ศ. 2570``: the form of official date lines (never ``เดือน…``)."""
    moment = dt.datetime(day.year, day.month, day.day)
    return with_digits(thai_strftime(moment, "%-d %B พ.ศ. %Y"), thai)
