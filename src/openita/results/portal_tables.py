"""Every table of the public portal as rows to download (``core.tables``): built from the
same functions as the pages (``portal``), so a download is the page's table — headers in
the page's language, labels rather than codes, scores as numbers (an empty cell where the
page shows "—")."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext as _

from openita.agencies.models import Agency, Province, Region
from openita.calendars.models import AssessmentYear
from openita.core.vocabulary import AgencyKind

from . import portal

Table = tuple[list[str], list[Sequence[object]]]

YEAR_TABLES = ("ratings", "averages", "provinces", "regions", "ministries", "types")
AGENCY_TABLES = ("instruments", "indicators", "history")


def _score(value: Decimal | None) -> Decimal | str:
    return "" if value is None else value


def year_table(year: AssessmentYear, table: str, language: str) -> Table:
    """One of the year page's tables (``YEAR_TABLES``)."""
    if table in ("ratings", "averages"):
        summary = portal.summary(year, language)
        if table == "ratings":
            return ([_("Rating"), _("Agencies")],
                    [[label, n] for _code, label, n in summary.distribution])
        return ([_("Instrument or indicator"), _("Average")],
                [*([name, _score(avg)] for _code, name, avg in summary.instruments),
                 *([_("Indicator %(n)s") % {"n": number} + f" {name}", _score(avg)]
                   for number, name, avg in summary.indicators)])
    if table == "provinces":
        return ([_("Province"), _("Agencies"), _("Average")],
                [[province_name(p, language), n, _score(avg)]
                 for p, n, avg in portal.provinces_with_results(year)])
    if table == "regions":
        return ([_("Region"), _("Agencies"), _("Average")],
                [[str(Region(region).label), n, _score(avg)]
                 for region, n, avg in portal.regions_with_results(year)])
    if table == "ministries":
        return ([_("Ministry"), _("Agencies"), _("Average")],
                [[agency_name(a, language), n, _score(avg)]
                 for a, n, avg in portal.ministries_with_results(year)])
    assert table == "types"
    return ([_("Agency type"), _("Agencies"), _("Average")],
            [[str(AgencyKind(kind).label), n, _score(avg)]
             for kind, n, avg in portal.kinds_with_results(year)])


def ranked_table(rows: list[portal.Row], *, by_kind: bool) -> Table:
    """The ranked list of a province page (with each agency's type) or of an agency-type
    page (with each agency's province)."""
    return ([_("Rank"), _("Agency"), _("Province") if by_kind else _("Type"), _("Total"),
             _("Rating")],
            [[r.rank, r.name, r.province if by_kind else r.kind, r.total, r.rating]
             for r in rows])


def agency_table(figures: portal.AgencyFigures, table: str) -> Table:
    """One of the agency page's tables (``AGENCY_TABLES``)."""
    if table == "instruments":
        return ([_("Instrument"), _("Score")],
                [[name, _score(score)] for _code, name, score in figures.instruments])
    if table == "indicators":
        return ([_("Indicator"), _("Score"), _("Average of the same type"), _("Previous year")],
                [[f"{c.number}. {c.name}", _score(c.score), _score(c.average),
                  _score(c.previous)] for c in figures.comparison])
    assert table == "history"
    return ([_("Year"), _("Total"), _("Rating")],
            [[y.fiscal_year, y.total, y.rating] for y in figures.history])


def agency_name(agency: Agency, language: str) -> str:
    return agency.name_th if language == "th" else (agency.name_en or agency.name_th)


def province_name(province: Province, language: str) -> str:
    return province.name_th if language == "th" else (province.name_en or province.name_th)
