"""Template filters for dates as Thai readers expect them (loaded as a builtin)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import get_language

from openita.core import thaidates

register = template.Library()


@register.filter
def bedate(value: dt.date | dt.datetime | None) -> str:
    """Short date, Buddhist Era in Thai: ``3 ม.ค. 2568``."""
    return thaidates.format_date(value, get_language() or "th")


@register.filter
def bedate_long(value: dt.date | dt.datetime | None) -> str:
    return thaidates.format_date(value, get_language() or "th", long=True)


@register.filter
def bedatetime(value: dt.datetime | None) -> str:
    return thaidates.format_datetime(value, get_language() or "th")


@register.filter
def fiscal_year(value: int | None) -> str:
    """A B.E. fiscal year as the interface language shows it (2568 / FY2568)."""
    if value is None:
        return ""
    return str(value) if (get_language() or "th").startswith("th") else f"FY{value}"


@register.simple_tag(takes_context=True)
def localized(context: template.Context, obj: object, field: str) -> str:
    """``obj.<field>_th`` in Thai, ``obj.<field>_en`` (falling back to Thai) in English."""
    thai = getattr(obj, f"{field}_th", "") or ""
    if (get_language() or "th").startswith("th"):
        return thai
    return getattr(obj, f"{field}_en", "") or thai


@register.filter
def digits(value: object, thai: bool) -> str:
    """``value`` as text in Thai digits when ``thai`` (URLs, e-mails and codes keep theirs):
    the optional digit system of official documents."""
    return thaidates.with_digits("" if value is None else str(value), bool(thai))
