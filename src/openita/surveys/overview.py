"""Collection progress across every agency a person may see (NACC, oversight, consultants).

NACC sees the live counts; oversight and consultants the released ones (``release.py``),
which this page only reads: the daily ``openita release-figures`` and the agencies' own
pages make the releases. An agency not released yet shows no count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from openita.agencies.services import visible_agencies
from openita.calendars import services as calendar
from openita.calendars.models import AssessmentYear, Enrolment, EnrolmentState

from . import release as releases
from .models import Instrument, Response
from .progress import minimum_sample, sees_live_figures


@dataclass(frozen=True)
class Row:
    enrolment: Enrolment
    iit: int | None  # None: not released yet (only for people outside NACC)
    iit_minimum: int | None
    eit: int | None
    eit_minimum: int | None
    flagged: int

    @property
    def iit_short(self) -> bool:
        return self.iit_minimum is not None and (self.iit or 0) < self.iit_minimum

    @property
    def eit_short(self) -> bool:
        return self.eit_minimum is not None and (self.eit or 0) < self.eit_minimum

    @property
    def at_risk(self) -> bool:
        return self.iit_short or self.eit_short or self.iit_minimum is None

    @property
    def shortfall(self) -> int:
        return (max(0, (self.iit_minimum or 0) - (self.iit or 0))
                + max(0, (self.eit_minimum or 0) - (self.eit or 0)))


SORTS = {
    "code": lambda r: r.enrolment.agency.code,
    "shortfall": lambda r: (-r.shortfall, r.enrolment.agency.code),
    "iit": lambda r: (r.iit or 0, r.enrolment.agency.code),
    "eit": lambda r: (r.eit or 0, r.enrolment.agency.code),
    "flagged": lambda r: (-r.flagged, r.enrolment.agency.code),
}


def collection_rows(user: Any, year: AssessmentYear, *, only_at_risk: bool = False,
                    sort: str = "shortfall", query: str = "") -> list[Row]:
    """One row per registered agency in the person's scope, with counts and minima: live
    for NACC, as last released for everyone else."""
    framework = calendar.framework_for(year)
    enrolments = (Enrolment.objects.filter(year=year, agency__in=visible_agencies(user))
                  .exclude(state=EnrolmentState.NOT_REGISTERED).select_related("agency"))
    if query:
        enrolments = enrolments.filter(Q(agency__code__icontains=query)
                                       | Q(agency__name_th__icontains=query))
    counts: dict[tuple[int, str], int] = {}
    flagged: dict[int, int] = {}
    live = sees_live_figures(user)
    if live:
        totals = (Response.objects.filter(enrolment__year=year, excluded=False)
                  .values_list("enrolment_id", "instrument").annotate(n=Count("id")))
        for enrolment_id, instrument, n in totals:
            counts[(enrolment_id, instrument)] = n
    else:
        counts = {key: release.count for key, release
                  in releases.releases_of_year(year, make_due=False).items()}
    if user.has_perm("surveys.view_quality_counts"):  # consultants and NACC only
        for enrolment_id, n in (Response.objects.filter(enrolment__year=year, excluded=False)
                                .exclude(flags=[]).values_list("enrolment_id")
                                .annotate(n=Count("id"))):
            flagged[enrolment_id] = n
    rows = [
        Row(enrolment=e,
            iit=counts.get((e.pk, Instrument.IIT), 0 if live else None),
            iit_minimum=minimum_sample(framework, e, Instrument.IIT),
            eit=counts.get((e.pk, Instrument.EIT), 0 if live else None),
            eit_minimum=minimum_sample(framework, e, Instrument.EIT),
            flagged=flagged.get(e.pk, 0))
        for e in enrolments
    ]
    if only_at_risk:
        rows = [r for r in rows if r.at_risk]
    return sorted(rows, key=SORTS.get(sort, SORTS["shortfall"]))
