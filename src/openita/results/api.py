"""The open-data API: published results per year, agency and indicator, as JSON, with its
OpenAPI document at ``/api/v1/openapi.json``. Read only, no sign-in, published results
only (everything goes through ``portal.published_results``)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count
from django.http import HttpRequest
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import HttpError

from openita.agencies.models import Agency
from openita.calendars.models import AssessmentYear
from openita.core.vocabulary import AgencyKind

from . import portal
from .models import AgencyResult, Publication

api = NinjaAPI(
    title="openita open data",
    version="1",
    description="Published results of the Integrity and Transparency Assessment (ITA): "
                "every score as a text with exactly two decimals, as the scoring engine "
                "writes it. Only published years are here.",
    urls_namespace="api",
    docs_url=None,  # the interactive page would load its script from a CDN
)

MAX_LIMIT = 1000


class ErrorOut(Schema):
    detail: str


class YearOut(Schema):
    fiscal_year: int
    framework: str
    published_at: datetime
    agencies: int


class ResultOut(Schema):
    fiscal_year: int
    agency_code: str
    agency_name_th: str
    agency_name_en: str
    agency_type: str
    province_code: str | None
    framework: str
    total: str
    rating: str
    instruments: dict[str, str]
    indicators: dict[str, str]


class ResultPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[ResultOut]


class Filters(Schema):
    province: str | None = None
    agency_type: str | None = None
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)


class IndicatorOut(Schema):
    number: str
    name_th: str
    name_en: str
    average: str | None


def _year(fiscal_year: int) -> AssessmentYear:
    year = portal.published_year(fiscal_year)
    if year is None:
        raise HttpError(404, "no published results for this fiscal year")
    return year


def _out(result: AgencyResult) -> ResultOut:
    agency = result.agency
    return ResultOut(
        fiscal_year=result.year.fiscal_year, agency_code=agency.code,
        agency_name_th=agency.name_th, agency_name_en=agency.name_en, agency_type=agency.kind,
        province_code=agency.province.code if agency.province else None,
        framework=result.framework, total=f"{result.total:.2f}", rating=result.rating,
        instruments=result.instruments, indicators=result.indicators)


@api.get("/years", response=list[YearOut], summary="Published years")
def years(request: HttpRequest) -> list[YearOut]:
    counts = dict(AgencyResult.objects.filter(
        kind__in=portal.PUBLIC_KINDS, total__isnull=False,
        year__publication__isnull=False).values_list("year__fiscal_year").annotate(
        n=Count("pk")).order_by())
    published = dict(Publication.objects.values_list("year_id", "published_at"))
    return [YearOut(fiscal_year=y.fiscal_year,
                    framework=y.framework.code if y.framework else "",
                    published_at=published[y.pk], agencies=counts.get(y.fiscal_year, 0))
            for y in portal.published_years()]


@api.get("/years/{fiscal_year}/results", response={200: ResultPage, 404: ErrorOut, 422: ErrorOut},
         summary="A published year's results, highest total first")
def year_results(request: HttpRequest, fiscal_year: int,
                 filters: Query[Filters]) -> ResultPage:
    year = _year(fiscal_year)

    def compute() -> ResultPage:
        results = portal.published_results(year).select_related("agency__province", "year")
        if filters.province:
            results = results.filter(agency__province__code=filters.province)
        if filters.agency_type:
            results = results.filter(agency__kind=filters.agency_type)
        page = results.order_by("-total", "agency__code")[
            filters.offset:filters.offset + filters.limit]
        return ResultPage(count=results.count(), limit=filters.limit, offset=filters.offset,
                          results=[_out(r) for r in page])
    # Kept until the next publication, like the portal's pages (the answer of a page of
    # results is the same for everyone who asks) — but only the pages of the country, a
    # province or a type that exist: a visitor's made-up filters must not fill the cache.
    provinces = {p.code for p, _n, _avg in portal.provinces_with_results(year)}
    known = ((not filters.province or filters.province in provinces)
             and (not filters.agency_type or filters.agency_type in AgencyKind.values)
             and filters.offset % filters.limit == 0 and filters.offset < 20_000)
    if not known:
        return compute()
    return portal.kept("api:results", (year.pk, filters.province, filters.agency_type,
                                       filters.offset, filters.limit), compute)


@api.get("/years/{fiscal_year}/results/{agency_code}", response={200: ResultOut, 404: ErrorOut},
         summary="One agency's published result of a year")
def agency_result(request: HttpRequest, fiscal_year: int, agency_code: str) -> ResultOut:
    year = _year(fiscal_year)

    def compute() -> ResultOut:
        result = portal.published_results(year).select_related(
            "agency__province", "year").filter(agency__code=agency_code).first()
        if result is None:  # raised, so not kept: made-up codes must not fill the cache
            raise HttpError(404, "no published result of this agency in this year")
        return _out(result)
    return portal.kept("api:result", (year.pk, agency_code), compute)


@api.get("/agencies/{agency_code}/results", response={200: list[ResultOut], 404: ErrorOut},
         summary="An agency's published results of every year, newest first")
def agency_history(request: HttpRequest, agency_code: str) -> list[ResultOut]:
    agency = Agency.objects.filter(code=agency_code, active=True).first()
    if agency is None:
        raise HttpError(404, "no such agency")
    found = AgencyResult.objects.filter(
        agency=agency, kind__in=portal.PUBLIC_KINDS, total__isnull=False,
        year__publication__isnull=False).select_related("agency__province", "year").order_by(
        "-year__fiscal_year")
    return [_out(r) for r in found]


@api.get("/years/{fiscal_year}/indicators", response={200: list[IndicatorOut], 404: ErrorOut},
         summary="The national average of each indicator in a published year")
def indicators(request: HttpRequest, fiscal_year: int) -> list[IndicatorOut]:
    year = _year(fiscal_year)
    framework = portal.framework_of(year)
    names = {i.number: i for i in framework.indicators}
    thai = portal.summary(year, "th").indicators
    return [IndicatorOut(number=number, name_th=names[number].name_th,
                         name_en=names[number].name_en,
                         average=None if average is None else f"{average:.2f}")
            for number, _name, average in thai]
