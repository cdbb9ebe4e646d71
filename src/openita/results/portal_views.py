"""The public portal: no sign-in, Thai and English, phone first; published results only
(``portal``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
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


def _province_rows(fiscal_year: int, code: str) -> tuple[AssessmentYear, Province,
                                                          list[portal.Row]]:
    year = _year(fiscal_year)
    province = _province(code)
    return year, province, portal.ranked(year, province=province, language=_language())


def _kind_rows(fiscal_year: int, kind: str) -> tuple[AssessmentYear, list[portal.Row]]:
    year = _year(fiscal_year)
    if kind not in AgencyKind.values:
        raise Http404
    return year, portal.ranked(year, kind=kind, language=_language())


def _ranked_page(request: HttpRequest, year: AssessmentYear, name: str, title: str,
                 rows: Callable[[], list[portal.Row]], back: str,
                 download: tuple[str, str]) -> HttpResponse:
    """A ranked page: its content kept (``_body``), the rows read only to draw it."""
    body = _body(name, (year.pk, download[1]), "portal/_ranked_body.html", lambda: {
        "year": year, "title": title, "rows": rows(), "back": back, "download": download})
    return render(request, "portal/ranked.html", {"year": year, "title": title,
                                                  "body": body})


@require_GET
def province_page(request: HttpRequest, fiscal_year: int, code: str) -> HttpResponse:
    year = _year(fiscal_year)
    province = _province(code)
    return _ranked_page(
        request, year, "province", portal_tables.province_name(province, _language()),
        lambda: portal.ranked(year, province=province, language=_language()), "province",
        ("portal:province_table", province.code))


@require_GET
def province_table(request: HttpRequest, fiscal_year: int, code: str, fmt: str
                   ) -> HttpResponse:
    """The ranked list of a province page as CSV or XLSX."""
    if fmt not in FORMATS:
        raise Http404
    _, province, rows = _province_rows(fiscal_year, code)
    headers, cells = portal_tables.ranked_table(rows, by_kind=False)
    return tables.download(headers, cells, fmt,
                           f"ita-{fiscal_year}-province-{_safe(province.code)}")


@require_GET
def kind_page(request: HttpRequest, fiscal_year: int, kind: str) -> HttpResponse:
    year = _year(fiscal_year)
    if kind not in AgencyKind.values:
        raise Http404
    return _ranked_page(request, year, "kind", str(AgencyKind(kind).label),
                        lambda: portal.ranked(year, kind=kind, language=_language()), "kind",
                        ("portal:kind_table", kind))


@require_GET
def kind_table(request: HttpRequest, fiscal_year: int, kind: str, fmt: str) -> HttpResponse:
    """The ranked list of an agency-type page as CSV or XLSX."""
    if fmt not in FORMATS:
        raise Http404
    _, rows = _kind_rows(fiscal_year, kind)
    headers, cells = portal_tables.ranked_table(rows, by_kind=True)
    return tables.download(headers, cells, fmt, f"ita-{fiscal_year}-type-{kind}")


def _region_rows(fiscal_year: int, region: str) -> tuple[AssessmentYear, list[portal.Row]]:
    year = _year(fiscal_year)
    if region not in Region.values:
        raise Http404
    return year, portal.ranked(year, region=region, language=_language())


@require_GET
def region_page(request: HttpRequest, fiscal_year: int, region: str) -> HttpResponse:
    year = _year(fiscal_year)
    if region not in Region.values:
        raise Http404
    return _ranked_page(request, year, "region", str(Region(region).label),
                        lambda: portal.ranked(year, region=region, language=_language()),
                        "kind", ("portal:region_table", region))


@require_GET
def region_table(request: HttpRequest, fiscal_year: int, region: str, fmt: str
                 ) -> HttpResponse:
    """The ranked list of a region page as CSV or XLSX."""
    if fmt not in FORMATS:
        raise Http404
    _, rows = _region_rows(fiscal_year, region)
    headers, cells = portal_tables.ranked_table(rows, by_kind=True)
    return tables.download(headers, cells, fmt, f"ita-{fiscal_year}-region-{region}")


def _ministry_rows(fiscal_year: int, code: str) -> tuple[AssessmentYear, Agency,
                                                          list[portal.Row]]:
    year = _year(fiscal_year)
    ministry = get_object_or_404(Agency, code=code, parent__isnull=True)
    return year, ministry, portal.ranked(year, ministry=ministry, language=_language())


@require_GET
def ministry_page(request: HttpRequest, fiscal_year: int, code: str) -> HttpResponse:
    """The agencies under a ministry (the top of their hierarchy), ranked."""
    year = _year(fiscal_year)
    ministry = get_object_or_404(Agency, code=code, parent__isnull=True)
    return _ranked_page(
        request, year, "ministry", portal_tables.agency_name(ministry, _language()),
        lambda: portal.ranked(year, ministry=ministry, language=_language()), "kind",
        ("portal:ministry_table", ministry.code))


@require_GET
def ministry_table(request: HttpRequest, fiscal_year: int, code: str, fmt: str
                   ) -> HttpResponse:
    """The ranked list of a ministry page as CSV or XLSX."""
    if fmt not in FORMATS:
        raise Http404
    _, ministry, rows = _ministry_rows(fiscal_year, code)
    headers, cells = portal_tables.ranked_table(rows, by_kind=True)
    return tables.download(headers, cells, fmt,
                           f"ita-{fiscal_year}-ministry-{_safe(ministry.code)}")


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
