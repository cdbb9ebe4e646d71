"""The public portal: no sign-in, Thai and English, phone first; published results only
(``portal``)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from openita.agencies.models import Agency, Province
from openita.calendars.models import AssessmentYear
from openita.core.vocabulary import AgencyKind

from . import opendata, portal
from .forms import PortalSearchForm
from .models import NewsPost


def _language() -> str:
    return "en" if (get_language() or "th").startswith("en") else "th"


def _year(fiscal_year: int) -> AssessmentYear:
    year = portal.published_year(fiscal_year)
    if year is None:  # not published (or no such year): nothing to show, nothing to hint
        raise Http404
    return year


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
    return render(request, "portal/year.html", {
        "year": year, "summary": portal.summary(year, language),
        "years": [y.fiscal_year for y in portal.published_years()],
        "provinces": portal.provinces_with_results(year),
        "kinds": [(k.value, k.label) for k in AgencyKind], "news": _news()})


def _news() -> list[NewsPost]:
    """The latest published news for the home page."""
    return list(NewsPost.objects.filter(published_at__isnull=False).only(
        "title_th", "title_en", "published_at").order_by("-published_at", "-id")[:3])


@require_GET
def province_page(request: HttpRequest, fiscal_year: int, code: str) -> HttpResponse:
    year = _year(fiscal_year)
    province = get_object_or_404(Province, code=code)
    rows = portal.ranked(year, province=province, language=_language())
    return render(request, "portal/ranked.html", {
        "year": year, "title": province.name_th if _language() == "th" else province.name_en,
        "rows": rows, "back": "province"})


@require_GET
def kind_page(request: HttpRequest, fiscal_year: int, kind: str) -> HttpResponse:
    year = _year(fiscal_year)
    if kind not in AgencyKind.values:
        raise Http404
    rows = portal.ranked(year, kind=kind, language=_language())
    return render(request, "portal/ranked.html", {
        "year": year, "title": AgencyKind(kind).label, "rows": rows, "back": "kind"})


@require_GET
def agency_page(request: HttpRequest, code: str) -> HttpResponse:
    agency = get_object_or_404(Agency.objects.select_related("province"), code=code,
                               active=True)
    language = _language()
    history = portal.history(agency, language)
    latest = history[0] if history else None
    comparison = []
    if latest is not None:
        year = _year(latest.fiscal_year)
        framework = portal.framework_of(year)
        averages = portal.group_averages(year, agency)
        previous = history[1] if len(history) > 1 else None
        name = "name_th" if language == "th" else "name_en"
        for indicator in framework.indicators:
            comparison.append((indicator.number, getattr(indicator, name),
                               latest.indicators.get(indicator.number),
                               averages.get(indicator.number),
                               previous.indicators.get(indicator.number) if previous else None))
    return render(request, "portal/agency.html", {
        "agency": agency, "history": history, "latest": latest, "comparison": comparison,
        "kind": AgencyKind(agency.kind).label})


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    form = PortalSearchForm(request.GET)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    found = portal.search(text)
    if len(found) == 1 and text:
        return redirect("portal:agency", code=found[0].code)
    return render(request, "portal/search.html", {"q": text, "found": found, "form": form})


OPEN_FILES = {"results": "results", "oit": "oit", "responses-iit": "IIT",
              "responses-eit": "EIT"}


@require_GET
def opendata_page(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    """The year's open data, and how to recompute a published score from it."""
    year = _year(fiscal_year)
    example = opendata.worked_example(year)
    return render(request, "portal/opendata.html", {
        "year": year, "example": example, "minimum": opendata.MIN_RESPONSES,
        "computed": opendata.has_microdata(year)})


@require_GET
def opendata_file(request: HttpRequest, fiscal_year: int, name: str) -> StreamingHttpResponse:
    year = _year(fiscal_year)
    if name not in OPEN_FILES or (name != "results" and not opendata.has_microdata(year)):
        raise Http404
    if name == "results":
        lines = opendata.results_csv(year)
    elif name == "oit":
        lines = opendata.oit_csv(year)
    else:
        lines = opendata.responses_csv(year, OPEN_FILES[name])
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="ita-{fiscal_year}-{name}.csv"')
    return response
