"""Published results across a person's scope (NACC: the nation; oversight: its province
or ministry; consultants: their team's agencies): by province, ministry and agency type,
with the change from the previous published year and the biggest drops and rises."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openita.agencies.models import Agency
from openita.agencies.services import scope_filter
from openita.calendars.models import AssessmentYear
from openita.core.thaisort import thai_sorted
from openita.core.vocabulary import AgencyKind

from . import portal
from .models import AgencyResult

BY = ("province", "ministry", "kind")
MOVERS = 10


@dataclass(frozen=True)
class GroupRow:
    label: str
    agencies: int
    average: Decimal | None
    passing: int
    change: Decimal | None  # of the average, for the agencies assessed in both years


@dataclass(frozen=True)
class Mover:
    code: str
    name: str
    total: Decimal
    previous: Decimal
    change: Decimal


def _scoped(user: Any, year: AssessmentYear) -> list[AgencyResult]:
    results = portal.published_results(year).select_related("agency__province")
    scope = scope_filter(user)
    if scope is not None:
        results = results.filter(agency__in=Agency.objects.filter(scope))
    return list(results)


def previous_year(year: AssessmentYear) -> AssessmentYear | None:
    return next((y for y in portal.published_years() if y.fiscal_year < year.fiscal_year),
                None)


def _ministries(results: list[AgencyResult]) -> dict[int, str]:
    """Agency id -> the name of the top of its hierarchy (its ministry)."""
    tops = {r.agency_id: (r.agency.lineage.strip("/").split("/") or [""])[0]
            for r in results}
    names = dict(Agency.objects.filter(pk__in=[int(t) for t in tops.values() if t.isdigit()])
                 .values_list("pk", "name_th"))
    return {agency: names.get(int(top), "—") if top.isdigit() else "—"
            for agency, top in tops.items()}


def rows(user: Any, year: AssessmentYear, by: str) -> tuple[list[GroupRow], list[Mover],
                                                             list[Mover]]:
    """The groups of the scope's results, and the biggest drops and rises since the
    previous published year."""
    results = _scoped(user, year)
    before = previous_year(year)
    previous: dict[int, Decimal] = {r.agency_id: r.total for r in (
        _scoped(user, before) if before else []) if r.total is not None}
    mark = portal._pass_mark(portal.framework_of(year))
    labels = _ministries(results) if by == "ministry" else {}
    groups: dict[str, list[AgencyResult]] = {}
    for r in results:
        if by == "province":
            label = r.agency.province.name_th if r.agency.province else "—"
        elif by == "kind":
            label = str(AgencyKind(r.agency.kind).label)
        else:
            label = labels[r.agency_id]
        groups.setdefault(label, []).append(r)
    table = [_group(label, members, previous, mark) for label, members in groups.items()]
    changes = []
    for r in results:
        then = previous.get(r.agency_id)
        if then is not None and r.total is not None:
            changes.append(Mover(r.agency.code, r.agency.name_th, r.total, then,
                                 r.total - then))
    drops = sorted((m for m in changes if m.change < 0), key=lambda m: (m.change, m.code))
    rises = sorted((m for m in changes if m.change > 0), key=lambda m: (-m.change, m.code))
    return thai_sorted(table, key=lambda g: g.label), drops[:MOVERS], rises[:MOVERS]


def _group(label: str, members: list[AgencyResult], previous: dict[int, Decimal],
           mark: Decimal) -> GroupRow:
    totals = [r.total for r in members if r.total is not None]
    both = [(r.total, previous[r.agency_id]) for r in members
            if r.total is not None and r.agency_id in previous]
    change = _mean([now - then for now, then in both])
    return GroupRow(label, len(totals), _mean(totals), sum(1 for t in totals if t >= mark),
                    change)


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))
