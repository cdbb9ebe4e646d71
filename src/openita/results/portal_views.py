"""The public portal: no sign-in, Thai and English, phone first; published results only
(``portal``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from openita.agencies.models import Agency, Province, Region
from openita.calendars.models import AssessmentYear
from openita.core import tables
from openita.core.vocabulary import AgencyKind
from openita.disclosure.models import FilersList
from openita.surveys.public import open_surveys

from . import opendata, portal, portal_tables
from .forms import PortalSearchForm
from .models import NewsPost

FORMATS = ("csv", "xlsx")


def _language() -> str:
    return "en" if (get_language() or "th").startswith("en") else "th"


def _year(fiscal_year: int) -> AssessmentYear:
    year = portal.published_year(fiscal_year)
    if year is None:  # not published (or no such year): nothing to show, nothing to hint
        raise Http404
    return year


def _body(name: str, parts: tuple[Any, ...], template: str,
          context: Callable[[], dict[str, Any]]) -> str:
    """A public page's content, drawn once per publication and language and kept: the
    figures do not change between publications, and drawing a page of 77 provinces or of
    an agency's charts costs more than all the rest of a request. The page around it —
    the header, the sign-in state, the forms and their tokens — is drawn for each request.
    Drawn without the request, so nothing of one visitor is ever kept for another."""
    return portal.kept(f"html:{name}", (*parts, _language()),
                       lambda: mark_safe(render_to_string(template, context())))  # noqa: S308


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The latest published year; a search box either way."""
    years = portal.published_years()
    if not years:
        return render(request, "portal/empty.html", {"news": _news()})
    return year_page(request, years[0].fiscal_year)


@require_GET
def year_page(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    year = _year(fiscal_year)
    language = _language()

    def context() -> dict[str, Any]:
        return {
            "year": year, "summary": portal.summary(year, language),
            "years": [y.fiscal_year for y in portal.published_years()],
            "provinces": [(p, portal_tables.province_name(p, language), n, avg)
                          for p, n, avg in portal.provinces_with_results(year)],
            "kinds": [(kind, AgencyKind(kind).label, n, avg)
                      for kind, n, avg in portal.kinds_with_results(year)],
            "regions": [(region, Region(region).label, n, avg)
                        for region, n, avg in portal.regions_with_results(year)],
            "ministries": [(a, portal_tables.agency_name(a, language), n, avg)
                           for a, n, avg in portal.ministries_with_results(year)],
            # News and the filers list are drawn again when NACC changes them too.
            "filers": FilersList.objects.filter(year=year).exists(), "news": _news()}
    body = _body("year", (year.pk,), "portal/_year_body.html", context)
    return render(request, "portal/year.html", {"year": year, "body": body})


@require_GET
def year_table(request: HttpRequest, fiscal_year: int, table: str, fmt: str) -> HttpResponse:
    """A table of the year page as CSV or XLSX."""
    if fmt not in FORMATS or table not in portal_tables.YEAR_TABLES:
        raise Http404
    year = _year(fiscal_year)
    headers, rows = portal_tables.year_table(year, table, _language())
    return tables.download(headers, rows, fmt, f"ita-{fiscal_year}-{table}")


def _news() -> list[NewsPost]:
    """The latest published news for the home page."""
    return list(NewsPost.objects.filter(published_at__isnull=False).only(
        "title_th", "title_en", "published_at").order_by("-published_at", "-id")[:3])


@dataclass(frozen=True)
class _Ranked:
    """One ranked list of a published year: a province's, an agency type's, a region's or
    a ministry's agencies — its page and its download read the same."""

    year: AssessmentYear
    by: str  # province, kind, region, ministry
    key: str  # the code in the address
    title: str
    rows: Callable[[], list[portal.Row]]  # read only when the list is drawn

    @property
    def file_name(self) -> str:
        label = "type" if self.by == "kind" else self.by
        return f"ita-{self.year.fiscal_year}-{label}-{_safe(self.key)}"


def _ranked(fiscal_year: int, by: str, key: str) -> _Ranked:
    """The list, or not found (a year not published, a code that names nothing)."""
    year, language = _year(fiscal_year), _language()
    if by == "province":
        province = _province(key)
        return _Ranked(year, by, key, portal_tables.province_name(province, language),
                       lambda: portal.ranked(year, province=province, language=language))
    if by == "kind":
        if key not in AgencyKind.values:
            raise Http404
        return _Ranked(year, by, key, str(AgencyKind(key).label),
                       lambda: portal.ranked(year, kind=key, language=language))
    if by == "region":
        if key not in Region.values:
            raise Http404
        return _Ranked(year, by, key, str(Region(key).label),
                       lambda: portal.ranked(year, region=key, language=language))
    assert by == "ministry"
    ministry = portal.public_agency(key)
    if ministry is None or ministry.parent_id is not None:  # only the top of a hierarchy
        raise Http404
    return _Ranked(year, by, key, portal_tables.agency_name(ministry, language),
                   lambda: portal.ranked(year, ministry=ministry, language=language))


def _ranked_page(request: HttpRequest, fiscal_year: int, by: str, key: str) -> HttpResponse:
    """A ranked page: its content kept (``_body``), the rows read only to draw it."""
    ranked = _ranked(fiscal_year, by, key)
    back = "province" if by == "province" else "kind"  # the column: type, or province
    download = (f"portal:{by}_table", key)
    body = _body(by, (ranked.year.pk, key), "portal/_ranked_body.html", lambda: {
        "year": ranked.year, "title": ranked.title, "rows": ranked.rows(), "back": back,
        "download": download})
    return render(request, "portal/ranked.html", {"year": ranked.year,
                                                  "title": ranked.title, "body": body})


def _ranked_download(fiscal_year: int, by: str, key: str, fmt: str) -> HttpResponse:
    """The ranked list of a page as CSV or XLSX."""
    if fmt not in FORMATS:
        raise Http404
    ranked = _ranked(fiscal_year, by, key)
    headers, cells = portal_tables.ranked_table(ranked.rows(), by_kind=by != "province")
    return tables.download(headers, cells, fmt, ranked.file_name)


@require_GET
def province_page(request: HttpRequest, fiscal_year: int, code: str) -> HttpResponse:
    return _ranked_page(request, fiscal_year, "province", code)


@require_GET
def province_table(request: HttpRequest, fiscal_year: int, code: str, fmt: str
                   ) -> HttpResponse:
    return _ranked_download(fiscal_year, "province", code, fmt)


@require_GET
def kind_page(request: HttpRequest, fiscal_year: int, kind: str) -> HttpResponse:
    return _ranked_page(request, fiscal_year, "kind", kind)


@require_GET
def kind_table(request: HttpRequest, fiscal_year: int, kind: str, fmt: str) -> HttpResponse:
    return _ranked_download(fiscal_year, "kind", kind, fmt)


@require_GET
def region_page(request: HttpRequest, fiscal_year: int, region: str) -> HttpResponse:
    return _ranked_page(request, fiscal_year, "region", region)


@require_GET
def region_table(request: HttpRequest, fiscal_year: int, region: str, fmt: str
                 ) -> HttpResponse:
    return _ranked_download(fiscal_year, "region", region, fmt)


@require_GET
def ministry_page(request: HttpRequest, fiscal_year: int, code: str) -> HttpResponse:
    """The agencies under a ministry (the top of their hierarchy), ranked."""
    return _ranked_page(request, fiscal_year, "ministry", code)


@require_GET
def ministry_table(request: HttpRequest, fiscal_year: int, code: str, fmt: str
                   ) -> HttpResponse:
    return _ranked_download(fiscal_year, "ministry", code, fmt)


def _agency(code: str) -> Agency:
    agency = portal.public_agency(code)
    if agency is None:
        raise Http404
    return agency


def _province(code: str) -> Province:
    found = portal.province(code)
    if found is None:
        raise Http404
    return found


@require_GET
def agency_page(request: HttpRequest, code: str) -> HttpResponse:
    agency = _agency(code)

    def context() -> dict[str, Any]:
        figures = portal.agency_figures(agency, _language())
        return {"agency": agency, "history": figures.history, "latest": figures.latest,
                "instruments": figures.instruments, "comparison": figures.comparison,
                "charts": portal.agency_charts(agency, figures, _language())}
    # Outside the kept content, on every request: the links go when the window closes.
    surveys = [(s, reverse("surveys:start", args=[s.slug, s.code]))
               for s in open_surveys(agency)]
    return render(request, "portal/agency.html", {
        "agency": agency, "body": _body("agency", (agency.pk,), "portal/_agency_body.html",
                                        context),
        "kind": AgencyKind(agency.kind).label, "surveys": surveys})


@require_GET
def agency_table(request: HttpRequest, code: str, table: str, fmt: str) -> HttpResponse:
    """A table of the agency page as CSV or XLSX; not found while the page shows no
    published result (and so no table)."""
    if fmt not in FORMATS or table not in portal_tables.AGENCY_TABLES:
        raise Http404
    agency = _agency(code)
    figures = portal.agency_figures(agency, _language())
    if figures.latest is None:
        raise Http404
    headers, rows = portal_tables.agency_table(figures, table)
    return tables.download(headers, rows, fmt, f"ita-{_safe(agency.code)}-{table}")


def _safe(code: str) -> str:
    """A code as part of a file name: letters, digits, hyphens and underscores only."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in code)


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    form = PortalSearchForm(request.GET)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    found = portal.search(text)
    if len(found) == 1 and text:
        return redirect("portal:agency", code=found[0].code)
    return render(request, "portal/search.html", {"q": text, "found": found, "form": form})


@require_GET
def opendata_page(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    """The year's open data, and how to recompute a published score from it."""
    year = _year(fiscal_year)
    example = opendata.worked_example(year)
    return render(request, "portal/opendata.html", {
        "year": year, "example": example, "minimum": opendata.MIN_RESPONSES,
        "computed": opendata.has_microdata(year)})


@require_GET
def opendata_file(request: HttpRequest, fiscal_year: int, name: str
                  ) -> HttpResponse | StreamingHttpResponse:
    """A file of the year's open data: the one written after publication."""
    year = _year(fiscal_year)
    if name not in opendata.names_of(year):
        raise Http404
    return opendata.download(year, name)
