"""What an oversight body (a province or a ministry) does for the agencies of its scope:
its coaching log (telephone, LINE, site visits, meetings), and which of its agencies have
their analysis, approved measures, a plan and their reports, and which are late."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from openita.agencies.models import Agency
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.thaidates import fiscal_year_bounds, fiscal_year_of
from openita.core.thaisort import thai_sorted

from . import progress, timeframes
from .measures import text
from .models import (
    ActionPlan,
    Analysis,
    AuditAction,
    CoachingActivity,
    CoachingKind,
    MeasureSet,
    ProgressReport,
    ReportPeriod,
    Stage,
)
from .plans import Scope

MAX_AGENCIES = 500  # one activity names at most this many agencies (a province's meeting)


def agencies_in(scope: Scope) -> QuerySet[Agency]:
    """The active agencies a province or a parent organisation oversees."""
    if scope.province_id is not None:
        return Agency.objects.filter(province_id=scope.province_id, active=True)
    parent = Agency.objects.filter(pk=scope.parent_id or 0).values_list(
        "lineage", flat=True).first()
    if not parent:
        return Agency.objects.none()
    return Agency.objects.filter(lineage__startswith=parent, active=True).exclude(
        pk=scope.parent_id or 0)


def _scope_of(activity: CoachingActivity) -> Scope:
    return Scope(province_id=activity.province_id, parent_id=activity.parent_id)


@transaction.atomic
def save_coaching(scope: Scope, activity: CoachingActivity | None = None, *,
                  acting_user: Any, held_on: dt.date | None, kind: str,
                  agency_ids: list[int], place: str = "", notes: str = ""
                  ) -> CoachingActivity:
    """Record (or correct) one coaching activity with agencies of the scope."""
    require(acting_user, "planning.oversee", scope)
    if held_on is None:
        raise ActionRefused(_("Give the date of the activity."), field="held_on")
    if held_on > timezone.localdate():
        raise ActionRefused(_("A coaching activity is recorded after it took place."),
                            field="held_on")
    if kind not in CoachingKind.values:
        raise ActionRefused(_("Choose the kind of activity."), field="kind")
    wanted = set(agency_ids)
    if not wanted:
        raise ActionRefused(_("Choose the agencies coached."), field="agencies")
    if len(wanted) > MAX_AGENCIES:
        raise ActionRefused(_("Choose at most %(n)d agencies.") % {"n": MAX_AGENCIES},
                            field="agencies")
    found = set(agencies_in(scope).filter(pk__in=wanted).values_list("pk", flat=True))
    if found != wanted:  # an agency outside the scope is refused, not silently dropped
        raise ActionRefused(_("Choose agencies of your own scope only."), field="agencies")
    if activity is None:
        activity, before = CoachingActivity(recorded_by=acting_user,
                                            province_id=scope.province_id,
                                            parent_id=scope.parent_id), None
    else:
        activity = CoachingActivity.objects.select_for_update().get(pk=activity.pk)
        if _scope_of(activity) != scope:
            raise ActionRefused(_("This activity belongs to another scope."))
        before = {**audit.snapshot(activity, ["held_on", "kind", "place", "notes"]),
                  "agencies": sorted(activity.agencies.values_list("pk", flat=True))}
    activity.held_on, activity.kind = held_on, kind
    activity.place = text(place, limit=300, field="place")
    activity.notes = text(notes, field="notes")
    activity.save()
    activity.agencies.set(sorted(found))
    audit.record(AuditAction.COACHING_SAVE, actor=acting_user, obj=activity, before=before,
                 after={**audit.snapshot(activity, ["held_on", "kind", "place", "notes"]),
                        "agencies": sorted(found)})
    return activity


@transaction.atomic
def delete_coaching(activity: CoachingActivity, *, acting_user: Any) -> None:
    activity = CoachingActivity.objects.select_for_update().get(pk=activity.pk)
    require(acting_user, "planning.oversee", activity)
    before = {**audit.snapshot(activity, ["held_on", "kind", "place", "notes"]),
              "agencies": sorted(activity.agencies.values_list("pk", flat=True))}
    audit.record(AuditAction.COACHING_DELETE, actor=acting_user, obj=activity, before=before)
    activity.delete()


def coaching_of(scope: Scope) -> QuerySet[CoachingActivity]:
    return CoachingActivity.objects.filter(
        Q(province_id=scope.province_id) if scope.province_id is not None
        else Q(parent_id=scope.parent_id)).prefetch_related("agencies").select_related(
        "recorded_by")


# What is due when, from settings (practice, not a confirmed NACC rule).
def measures_due(fiscal_year: int) -> dt.date:
    first, _last = fiscal_year_bounds(fiscal_year)
    months = settings.OPENITA_PLANNING_MEASURES_DUE_MONTHS
    return timeframes.month_end(dt.date(first.year + (first.month + months - 2) // 12,
                                        (first.month + months - 2) % 12 + 1, 1))


def report_due(fiscal_year: int, period: int) -> dt.date:
    return progress.period_end(fiscal_year, period) + dt.timedelta(
        days=settings.OPENITA_PLANNING_REPORT_GRACE_DAYS)


@dataclass(frozen=True)
class AgencyStatus:
    agency: Any
    analysis: bool
    measures: str  # "" (none) or a Stage
    plan: bool
    reports: dict[int, str]  # period -> "" or a Stage
    late: tuple[str, ...]  # what is overdue, in words


def scope_status(scope: Scope, fiscal_year: int, today: dt.date | None = None
                 ) -> list[AgencyStatus]:
    """Each agency of the scope with what it has done for ``fiscal_year`` (five queries
    whatever the number of agencies), sorted by Thai name."""
    today = today or timezone.localdate()
    agencies = thai_sorted(agencies_in(scope).only("pk", "code", "name_th", "name_en"),
                           key=lambda a: a.name_th)
    ids = [a.pk for a in agencies]
    analysed = set(Analysis.objects.filter(agency_id__in=ids, analysed_year=fiscal_year - 1)
                   .values_list("agency_id", flat=True))
    measures = dict(MeasureSet.objects.filter(agency_id__in=ids, fiscal_year=fiscal_year)
                    .values_list("agency_id", "stage"))
    planned = set(ActionPlan.objects.filter(agency_id__in=ids, fiscal_year=fiscal_year)
                  .values_list("agency_id", flat=True))
    reports: dict[int, dict[int, str]] = {}
    for agency_id, period, stage in ProgressReport.objects.filter(
            measure_set__agency_id__in=ids, measure_set__fiscal_year=fiscal_year
    ).values_list("measure_set__agency_id", "period", "stage"):
        reports.setdefault(agency_id, {})[period] = stage
    rows = []
    for agency in agencies:
        stage = measures.get(agency.pk, "")
        periods = {p: reports.get(agency.pk, {}).get(p, "") for p in ReportPeriod.values}
        late = []
        if stage != Stage.APPROVED and today > measures_due(fiscal_year):
            late.append(_("measures not approved"))
        for period in ReportPeriod.values:
            if periods[period] in ("", Stage.DRAFT) and today > report_due(fiscal_year,
                                                                          period):
                late.append(_("%(n)d-month report not sent") % {"n": period})
        rows.append(AgencyStatus(agency, agency.pk in analysed, stage, agency.pk in planned,
                                 periods, tuple(late)))
    return rows


def current_fiscal_year() -> int:
    return fiscal_year_of(timezone.localdate())
