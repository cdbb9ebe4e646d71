"""What the public portal shows: published results only.

Every read here starts from ``published_results`` (the final or imported results of a
year that has a publication); nothing else of the results reaches a public page. The
figures of a page are kept in the cache under the version of the publications, which
every publication and every import of past years changes, so a page shows a newly
published year at once and never a figure of before.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg, Count, Q, QuerySet

from openita.agencies.models import Agency, Province, Region
from openita.calendars.models import AssessmentYear
from openita.core.thaisort import thai_sorted
from openita.core.vocabulary import AgencyKind
from openita.frameworks import services as frameworks
from openita.frameworks.schema import Framework

from .models import AgencyResult, ResultKind

PUBLIC_KINDS = [ResultKind.FINAL, ResultKind.IMPORTED]
VERSION_KEY = "results-portal-version"
PORTAL_SECONDS = 3600
T = TypeVar("T")

# Abbreviations people type for local bodies, and what the registry names them.
PREFIXES = {
    "อบต.": AgencyKind.SAO, "อบต": AgencyKind.SAO,
    "ทต.": AgencyKind.SUBDISTRICT_MUNICIPALITY, "ทต": AgencyKind.SUBDISTRICT_MUNICIPALITY,
    "ทม.": AgencyKind.TOWN_MUNICIPALITY, "ทม": AgencyKind.TOWN_MUNICIPALITY,
    "ทน.": AgencyKind.CITY_MUNICIPALITY, "ทน": AgencyKind.CITY_MUNICIPALITY,
    "อบจ.": AgencyKind.PAO, "อบจ": AgencyKind.PAO,
}
FULL_PREFIXES = {
    AgencyKind.SAO: "องค์การบริหารส่วนตำบล",
    AgencyKind.SUBDISTRICT_MUNICIPALITY: "เทศบาลตำบล",
    AgencyKind.TOWN_MUNICIPALITY: "เทศบาลเมือง",
    AgencyKind.CITY_MUNICIPALITY: "เทศบาลนคร",
    AgencyKind.PAO: "องค์การบริหารส่วนจังหวัด",
}


# What this process has kept, with the version each was made under: the same page is asked
# for by thousands of visitors, and reading its figures (an agency page's charts are 60 KB)
# back from the shared cache costs more than the rest of the request. The version itself is
# read from the shared cache at most once a second per process. Callers never change what
# they are given.
# OPENITA_PORTAL_LOCAL_ENTRIES bounds it (0: nothing kept in the process, the version read
# every time — the tests, which change the data under the same keys from test to test).
_LOCAL: OrderedDict[str, tuple[str, Any]] = OrderedDict()
_VERSION_SECONDS = 1.0
_version_seen: list[Any] = [None, 0.0]  # [version, when read (monotonic)]
_local_lock = threading.Lock()


def changed() -> None:
    """A publication or an import changed what is public: every kept page figure is out
    of date once the change commits (in other processes within a second)."""
    def new_version() -> None:
        cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)
        with _local_lock:
            _version_seen[:] = [None, 0.0]
            _LOCAL.clear()
    transaction.on_commit(new_version)


def _current_version(local: bool) -> str:
    now = time.monotonic()
    with _local_lock:
        version, seen = _version_seen
    if local and version is not None and now - seen < _VERSION_SECONDS:
        return str(version)
    version = cache.get(VERSION_KEY)
    if version is None:
        version = secrets.token_hex(8)
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY, version)
    with _local_lock:
        _version_seen[:] = [version, now]
    return str(version)


def kept(name: str, parts: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()``, kept under the current version of the publications: in this process,
    else in the shared cache (each value carries the version it was made under; one of an
    older version is made again)."""
    # Hashed: parts may come from a visitor (an API filter), of any length and alphabet.
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    key = f"portal:{name}:{digest}"
    size = settings.OPENITA_PORTAL_LOCAL_ENTRIES
    try:
        version = _current_version(size > 0)
        with _local_lock:
            local = _LOCAL.get(key)
            if size and local is not None and local[0] == version:
                _LOCAL.move_to_end(key)
                return local[1]
        found = cache.get(key)
    except Exception:  # no cache: compute every time
        return compute()
    if isinstance(found, tuple) and len(found) == 2 and found[0] == version:
        value = found[1]
    else:
        value = compute()
        try:
            cache.set(key, (version, value), timeout=PORTAL_SECONDS)
        except Exception:
            pass
    if size:
        with _local_lock:
            _LOCAL[key] = (version, value)
            _LOCAL.move_to_end(key)
            while len(_LOCAL) > size:
                _LOCAL.popitem(last=False)
    return value


class _Missing(Exception):
    """Nothing of that code: not kept (a visitor's made-up codes must not fill the cache)."""


def _found(value: T | None) -> T:
    if value is None:
        raise _Missing
    return value


def public_agency(code: str) -> Agency | None:
    """The active agency of this code, for its public page (kept for the hour the portal
    keeps its pages: every visitor of an agency's page asks)."""
    try:
        return kept("agency", (code,), lambda: _found(Agency.objects.select_related(
            "province").filter(code=code, active=True).first()))
    except _Missing:
        return None


def province(code: str) -> Province | None:
    """The province of this code (kept: the country's provinces do not change)."""
    try:
        return kept("province", (code,),
                    lambda: _found(Province.objects.filter(code=code).first()))
    except _Missing:
        return None


def published_years() -> list[AssessmentYear]:
    """The years whose results are public, newest first (kept until the next publication:
    every public page asks)."""
    return kept("years", (), lambda: list(AssessmentYear.objects.filter(
        publication__isnull=False).select_related("framework").defer(
        "framework__content").order_by("-fiscal_year")))


def published_year(fiscal_year: int) -> AssessmentYear | None:
    return next((y for y in published_years() if y.fiscal_year == fiscal_year), None)


def published_results(year: AssessmentYear) -> QuerySet[AgencyResult]:
    """The public results of a published year (none for a year without publication)."""
    return AgencyResult.objects.filter(year=year, year__publication__isnull=False,
                                       kind__in=PUBLIC_KINDS, total__isnull=False)


def framework_of(year: AssessmentYear) -> Framework:
    assert year.framework is not None
    return frameworks.framework_of(year.framework)


@dataclass(frozen=True)
class Summary:
    fiscal_year: int
    agencies: int
    average: Decimal | None
    passing: int
    pass_rate: Decimal | None  # percent of agencies at or above the pass mark
    target_percent: int
    pass_mark: Decimal
    distribution: list[tuple[str, str, int]]  # (code, label, agencies)
    indicators: list[tuple[str, str, Decimal | None]]  # (number, name, average)
    instruments: list[tuple[str, str, Decimal | None]]


def summary(year: AssessmentYear, language: str) -> Summary:
    return kept("summary", (year.pk, language), lambda: _summary(year, language))


def _pass_mark(framework: Framework) -> Decimal:
    passing = [r.min_total for r in framework.rating if r.passes]
    return Decimal(str(min(passing))) if passing else Decimal(85)


def _summary(year: AssessmentYear, language: str) -> Summary:
    framework = framework_of(year)
    results = published_results(year)
    mark = _pass_mark(framework)
    totals = results.aggregate(n=Count("pk"), average=Avg("total"),
                               passing=Count("pk", filter=Q(total__gte=mark)))
    count = totals["n"]
    found = dict(results.values_list("rating").annotate(n=Count("pk")).order_by())
    label = "label_th" if language == "th" else "label_en"
    name = "name_th" if language == "th" else "name_en"
    sums: dict[str, list[Decimal]] = {}
    for indicators, instruments in results.values_list("indicators", "instruments"):
        for key, value in {**{f"i{k}": v for k, v in indicators.items()},
                           **{f"s{k}": v for k, v in instruments.items()}}.items():
            sums.setdefault(key, []).append(Decimal(value))
    return Summary(
        fiscal_year=year.fiscal_year, agencies=count,
        average=_two(totals["average"]), passing=totals["passing"],
        pass_rate=_two(Decimal(100) * totals["passing"] / count) if count else None,
        target_percent=settings.OPENITA_NATIONAL_TARGET_PERCENT, pass_mark=mark,
        distribution=[(r.code, getattr(r, label), found.get(r.code, 0))
                      for r in framework.rating],
        indicators=[(i.number, getattr(i, name), _mean(sums.get(f"i{i.number}")))
                    for i in framework.indicators],
        instruments=[(i.code, getattr(i, name), _mean(sums.get(f"s{i.code}")))
                     for i in framework.instruments])


def _two(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def _mean(values: list[Decimal] | None) -> Decimal | None:
    return _two(sum(values) / len(values)) if values else None


@dataclass(frozen=True)
class Row:
    rank: int
    code: str
    name: str
    kind: str
    province: str
    total: Decimal
    rating: str


def ranked(year: AssessmentYear, *, province: Province | None = None,
           kind: str = "", region: str = "", ministry: Agency | None = None,
           language: str = "th") -> list[Row]:
    """The public results of a year, highest total first, ranked (equal totals share a
    rank), optionally within a province, an agency type, a region or the agencies under
    a ministry (the top of their hierarchy)."""
    parts = (year.pk, province.pk if province else "", kind, region,
             ministry.pk if ministry else "", language)
    return kept("ranked", parts, lambda: _ranked(year, province, kind, region, ministry,
                                                 language))


def _ranked(year: AssessmentYear, province: Province | None, kind: str, region: str,
            ministry: Agency | None, language: str) -> list[Row]:
    framework = framework_of(year)
    labels = {r.code: (r.label_th if language == "th" else r.label_en)
              for r in framework.rating}
    results = published_results(year).select_related("agency__province")
    if province is not None:
        results = results.filter(agency__province=province)
    if kind:
        results = results.filter(agency__kind=kind)
    if region:
        results = results.filter(agency__province__region=region)
    if ministry is not None:
        results = results.filter(agency__lineage__startswith=ministry.lineage)
    rows: list[Row] = []
    previous, rank = None, 0
    for position, r in enumerate(results.order_by("-total", "agency__code"), start=1):
        if r.total != previous:
            rank, previous = position, r.total
        assert r.total is not None
        rows.append(Row(rank, r.agency.code, r.agency.name_th if language == "th" else (
            r.agency.name_en or r.agency.name_th), str(AgencyKind(r.agency.kind).label),
            (r.agency.province.name_th if language == "th" else r.agency.province.name_en)
            if r.agency.province else "", r.total, labels.get(r.rating, r.rating)))
    return rows


def regions_with_results(year: AssessmentYear) -> list[tuple[str, int, Decimal | None]]:
    """Every region with published results, with its agencies and average, in the
    registry's order of regions (agencies without a province belong to none)."""
    def compute() -> list[tuple[str, int, Decimal | None]]:
        counted = {region: (n, avg) for region, n, avg in published_results(year).filter(
            agency__province__isnull=False).values_list("agency__province__region").annotate(
            n=Count("pk"), avg=Avg("total")).order_by()}
        return [(r.value, counted[r.value][0], _two(counted[r.value][1]))
                for r in Region if r.value in counted]
    return kept("regions", (year.pk,), compute)


def ministry_of(lineage: str) -> int | None:
    """The id of the top of an agency's hierarchy ("/<top>/…/<own>/")."""
    top = lineage.strip("/").split("/")[0]
    return int(top) if top.isdigit() else None


def ministries_with_results(year: AssessmentYear) -> list[tuple[Agency, int, Decimal | None]]:
    """Every ministry (or other top of a hierarchy) with published results of the
    agencies under it, itself included, with their number and average, in Thai order."""
    def compute() -> list[tuple[Agency, int, Decimal | None]]:
        totals: dict[int, list[Decimal]] = {}
        for lineage, total in published_results(year).values_list("agency__lineage",
                                                                   "total"):
            top = ministry_of(lineage)
            if top is not None and total is not None:
                totals.setdefault(top, []).append(total)
        tops = Agency.objects.filter(pk__in=list(totals)).only(
            "code", "name_th", "name_en", "lineage")
        return [(a, len(totals[a.pk]), _mean(totals[a.pk]))
                for a in thai_sorted(tops, key=lambda a: a.name_th)]
    return kept("ministries", (year.pk,), compute)


def provinces_with_results(year: AssessmentYear) -> list[tuple[Province, int, Decimal | None]]:
    """Every province with published results, with its agencies and average, in Thai
    order."""
    def compute() -> list[tuple[Province, int, Decimal | None]]:
        counted = {pk: (n, avg) for pk, n, avg in published_results(year).values_list(
            "agency__province").annotate(n=Count("pk"), avg=Avg("total")).order_by()}
        provinces = Province.objects.filter(pk__in=[k for k in counted if k])
        return [(p, counted[p.pk][0], _two(counted[p.pk][1]))
                for p in thai_sorted(provinces, key=lambda p: p.name_th)]
    return kept("provinces", (year.pk,), compute)


def kinds_with_results(year: AssessmentYear) -> list[tuple[str, int, Decimal | None]]:
    """Every agency type with published results, with its agencies and average, in the
    order of the registry's types."""
    def compute() -> list[tuple[str, int, Decimal | None]]:
        counted = {kind: (n, avg) for kind, n, avg in published_results(year).values_list(
            "agency__kind").annotate(n=Count("pk"), avg=Avg("total")).order_by()}
        return [(k.value, counted[k.value][0], _two(counted[k.value][1]))
                for k in AgencyKind if k.value in counted]
    return kept("kinds", (year.pk,), compute)


@dataclass(frozen=True)
class AgencyYear:
    fiscal_year: int
    total: Decimal
    rating: str
    instruments: dict[str, str]
    indicators: dict[str, str]


def history(agency: Agency, language: str = "th") -> list[AgencyYear]:
    """The agency's public results of every published year, newest first."""
    def compute() -> list[AgencyYear]:
        found = []
        for r in AgencyResult.objects.filter(
                agency=agency, kind__in=PUBLIC_KINDS, total__isnull=False,
                year__publication__isnull=False).select_related("year__framework").defer(
                "year__framework__content").order_by("-year__fiscal_year"):
            rules = {x.code: (x.label_th if language == "th" else x.label_en)
                     for x in framework_of(r.year).rating}
            assert r.total is not None
            found.append(AgencyYear(r.year.fiscal_year, r.total, rules.get(r.rating, r.rating),
                                    r.instruments, r.indicators))
        return found
    return kept("history", (agency.pk, language), compute)


def group_averages(year: AssessmentYear, agency: Agency) -> dict[str, Decimal | None]:
    """The average of each indicator and instrument over the agencies of the same type
    in the year's published results."""
    def compute() -> dict[str, Decimal | None]:
        sums: dict[str, list[Decimal]] = {}
        for indicators, instruments in published_results(year).filter(
                agency__kind=agency.kind).values_list("indicators", "instruments"):
            for key, value in {**indicators, **instruments}.items():
                sums.setdefault(key, []).append(Decimal(value))
        return {key: _mean(values) for key, values in sums.items()}
    return kept("group", (year.pk, agency.kind), compute)


@dataclass(frozen=True)
class Compared:
    """One indicator of the agency's latest published year, beside the average of its
    type that year and its own previous published year."""

    number: str
    name: str
    score: Decimal | None
    average: Decimal | None
    previous: Decimal | None


@dataclass(frozen=True)
class AgencyFigures:
    history: list[AgencyYear]  # newest first
    latest: AgencyYear | None
    instruments: list[tuple[str, str, Decimal | None]]  # (code, name, score) of the latest
    comparison: list[Compared]


def agency_figures(agency: Agency, language: str = "th") -> AgencyFigures:
    """What the agency's public page shows: every published year, and the latest one's
    instruments and indicators (beside its type's average and its previous year)."""
    found = history(agency, language)
    latest = found[0] if found else None
    if latest is None:
        return AgencyFigures(found, None, [], [])
    year = published_year(latest.fiscal_year)
    assert year is not None  # history reads published years only
    framework = framework_of(year)
    averages = group_averages(year, agency)
    previous = found[1] if len(found) > 1 else None
    name = "name_th" if language == "th" else "name_en"
    instruments: list[tuple[str, str, Decimal | None]] = [
        (i.code, getattr(i, name), _number(latest.instruments.get(i.code)))
        for i in framework.instruments if i.code in latest.instruments]
    comparison = [Compared(i.number, getattr(i, name), _number(latest.indicators.get(i.number)),
                           averages.get(i.number),
                           _number(previous.indicators.get(i.number)) if previous else None)
                  for i in framework.indicators]
    return AgencyFigures(found, latest, instruments, comparison)


def _number(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def search(text: str, limit: int = 50) -> list[Agency]:
    """Agencies by name or code: Thai, partial words, with or without a type prefix such
    as "อบต." (with or without a space after it)."""
    text = " ".join(text.split())[:100]
    if not text:
        return []
    kind = None
    for prefix in sorted(PREFIXES, key=len, reverse=True):
        if text.startswith(prefix):
            kind, text = PREFIXES[prefix], text[len(prefix):].strip()
            break
    found = Agency.objects.filter(active=True)
    if kind is not None:
        full = FULL_PREFIXES[kind]
        found = found.filter(kind=kind)
        text = text.removeprefix(full).strip()
    if text:
        found = found.filter(Q(name_th__icontains=text) | Q(name_en__icontains=text)
                             | Q(code__iexact=text))
    return thai_sorted(found.select_related("province").order_by("code")[:limit],
                       key=lambda a: a.name_th)


def agency_charts(agency: Agency, figures: AgencyFigures, language: str = "th"
                  ) -> dict[str, Any]:
    """The charts of the agency's public page (the report's kind: SVG drawn on the server,
    each with its text alternative; the tables of the page give the numbers), kept until
    the next publication."""
    if figures.latest is None:
        return {}

    def compute() -> dict[str, Any]:
        from django.utils.translation import gettext as _

        from . import charts

        name = agency.name_th if language == "th" else (agency.name_en or agency.name_th)
        has_previous = any(c.previous is not None for c in figures.comparison)
        series = [charts.Series(_("This agency"), [c.score for c in figures.comparison]),
                  charts.Series(_("Average of the same type"),
                                [c.average for c in figures.comparison])]
        if has_previous:
            series.append(charts.Series(_("Previous year"),
                                        [c.previous for c in figures.comparison]))
        found: dict[str, Any] = {"indicators": charts.bars(
            [f"{c.number}. {c.name}" for c in figures.comparison], series,
            alt=_("Bar chart of the ten indicators of %(agency)s beside the average of its "
                  "type%(previous)s; the table below gives the same numbers.") % {
                "agency": name,
                "previous": _(" and its previous year") if has_previous else ""})}
        past = list(reversed(figures.history))
        if len(past) > 1:
            found["history"] = charts.history(
                [h.fiscal_year for h in past], [h.total for h in past],
                alt=_("Line chart of the total of %(agency)s in every published year; the "
                      "table below gives the same numbers.") % {"agency": name})
        return found
    return kept("agency_charts", (agency.pk, language), compute)
