"""When a measure, step or piece of work happens: checked against the fiscal year, and
written the way Thai plans write it (``ต.ค. 67 – เม.ย. 68``, ``1 – 30 มิถุนายน 2568``)."""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils.translation import gettext as _
from pythainlp.util import thai_strftime

from openita.core.errors import ActionRefused
from openita.core.thaidates import fiscal_year_bounds, format_date, with_digits

DASH = "\u2013"  # an en dash between the two ends, as the seeds print it


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def clean(starts_on: dt.date | None, ends_on: dt.date | None, *, by_month: bool,
          fiscal_year: int, field: str = "starts_on") -> tuple[dt.date, dt.date]:
    """Both ends of a timeframe inside ``fiscal_year``; whole months are widened to their
    first and last day. Refused in the user's language otherwise."""
    if starts_on is None or ends_on is None:
        raise ActionRefused(_("Give when it starts and when it ends."), field=field)
    if by_month:
        starts_on, ends_on = starts_on.replace(day=1), month_end(ends_on)
    if ends_on < starts_on:
        raise ActionRefused(_("The end cannot be before the start."), field="ends_on")
    first, last = fiscal_year_bounds(fiscal_year)
    if starts_on < first or ends_on > last:
        raise ActionRefused(
            _("The timeframe must fall within fiscal year %(year)s (%(first)s to %(last)s).")
            % {"year": fiscal_year, "first": format_date(first, "th"),
               "last": format_date(last, "th")}, field=field)
    return starts_on, ends_on


def _month(day: dt.date, language: str) -> str:
    if language.startswith("th"):
        return thai_strftime(dt.datetime(day.year, day.month, 1), "%b %y")
    return day.strftime("%b %Y")


def describe(starts_on: dt.date, ends_on: dt.date, by_month: bool, *, language: str = "th",
             thai_digits: bool = False) -> str:
    """The timeframe as a plan's table cell writes it."""
    if by_month:
        text = _month(starts_on, language)
        if (starts_on.year, starts_on.month) != (ends_on.year, ends_on.month):
            text = f"{text} {DASH} {_month(ends_on, language)}"
    elif starts_on == ends_on:
        text = format_date(starts_on, language, long=True)
    elif (starts_on.year, starts_on.month) == (ends_on.year, ends_on.month):
        text = f"{starts_on.day} {DASH} {format_date(ends_on, language, long=True)}"
    else:
        long_start = format_date(starts_on, language, long=True)
        if starts_on.year == ends_on.year:  # the year once, at the end
            long_start = long_start.rsplit(" ", 1)[0]
        text = f"{long_start} {DASH} {format_date(ends_on, language, long=True)}"
    return with_digits(text, thai_digits)
