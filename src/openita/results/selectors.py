"""Reads of the results: a year's results by rating, the table of results, the runs."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from openita.calendars.models import AssessmentYear
from openita.frameworks.schema import Framework

from .models import AgencyResult, ComputationRun


def results_of(year: AssessmentYear, kind: str) -> QuerySet[AgencyResult]:
    return AgencyResult.objects.filter(year=year, kind=kind)


def distribution(year: AssessmentYear, kind: str, framework: Framework
                 ) -> list[tuple[Any, int]]:
    """(rating rule, agencies) in the framework's order of ratings, then those with no
    rating yet (a provisional result without a total) as (None, n): one query."""
    found = dict(results_of(year, kind).values_list("rating").annotate(n=Count("pk"))
                 .order_by())
    rows: list[tuple[Any, int]] = [(rule, found.get(rule.code, 0)) for rule in framework.rating]
    if found.get(""):
        rows.append((None, found[""]))
    return rows


def table(year: AssessmentYear, kind: str) -> QuerySet[AgencyResult]:
    """The results with their agencies, highest total first, then by agency code."""
    return results_of(year, kind).select_related("agency__province").order_by(
        "-total", "agency__code")


def recent_runs(year: AssessmentYear, limit: int = 5) -> list[ComputationRun]:
    return list(ComputationRun.objects.filter(year=year).select_related(
        "agency", "requested_by")[:limit])
