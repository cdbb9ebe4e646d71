"""The open year in a person's scope while it is being collected (before its results are
published): grouped by province, ministry or agency type as the published results are,
how many agencies are registered, how far their surveys are against the minimums, where
their OIT stands, and how many are at risk; and the agencies most at risk, with why.

- The survey figures are the ones the person may see (``surveys.progress.
  sees_live_figures``): NACC's live counts, everyone else's as last released to the
  agencies, as on the survey collection overview (``surveys.overview.collection_rows``,
  which this module reads rather than counting again).
- The OIT stages are the OIT progress page's (``disclosure.selectors.progress_rows``: sent
  to the executive, approved, fully reviewed, filed a clarification, confirmed), with the
  agencies that have not started their OIT and those whose OIT is being prepared before
  them, so that the first three add up to the agencies registered.
- An agency is at risk when its surveys are (``surveys.overview.Row.at_risk``: short of a
  minimum, or no approved headcount so no IIT minimum yet), or when its OIT is not approved
  and the OIT entry closes for it (extensions included) in fewer than
  ``OPENITA_OIT_AT_RISK_DAYS`` days, or has closed.

A fixed number of queries whatever the number of agencies: grouped counts and one read of
each table, never a query per agency.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openita.agencies.models import Agency, Province
from openita.agencies.services import visible_agencies
from openita.calendars import services as calendar
from openita.calendars.models import AssessmentYear, Phase
from openita.core.thaisort import thai_sorted
from openita.core.vocabulary import AgencyKind
from openita.disclosure import selectors as oit
from openita.disclosure.models import Submission, SubmissionState
from openita.surveys.overview import Row, collection_rows
from openita.surveys.progress import sees_live_figures

TOP_AT_RISK = 20
NO_GROUP = "—"
# The stages of the OIT progress page, in its order (``disclosure.selectors``).
OIT_STAGES = oit.PROGRESS_STAGES[1:]  # "enrolled" is the agencies registered


def collecting_year(published: list[AssessmentYear]) -> AssessmentYear | None:
    """The open (current) year while its results are not published (``published``: the
    published years, already read), if it has a framework; one query."""
    year = calendar.current_year()
    if year is None or year.framework_id is None or any(p.pk == year.pk for p in published):
        return None
    return year


@dataclass(frozen=True)
class Reason:
    """Why an agency is at risk, in words, and which of its pages shows it."""

    text: str
    url: str


@dataclass(frozen=True)
class AtRisk:
    agency: Agency
    group: str
    reasons: list[Reason]
    shortfall: int  # survey responses short of the minimums
    oit_days_left: int | None  # to the OIT deadline, when the OIT is a reason


@dataclass
class Group:
    label: str
    registered: int = 0
    iit_met: int = 0  # agencies at or above their IIT minimum
    eit_met: int = 0
    iit_responses: int = 0  # live for NACC, as last released for everyone else
    eit_responses: int = 0
    oit_not_started: int = 0
    oit_draft: int = 0
    oit: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OIT_STAGES, 0))
    at_risk: int = 0
    survey_url: str = ""
    oit_url: str = ""

    def add(self, other: Group) -> None:
        for name in ("registered", "iit_met", "eit_met", "iit_responses", "eit_responses",
                     "oit_not_started", "oit_draft", "at_risk"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for stage in OIT_STAGES:
            self.oit[stage] += other.oit[stage]

    @property
    def oit_stages(self) -> list[int]:
        """The counts of the OIT progress page's stages, in its order (for the table)."""
        return [self.oit[stage] for stage in OIT_STAGES]


@dataclass(frozen=True)
class Collection:
    groups: list[Group]
    totals: Group
    at_risk: list[AtRisk]  # the ``top`` most at risk (every one for a download)
    at_risk_count: int
    live: bool  # NACC's live survey counts; otherwise as last released
    oit_days: int
    oit_closes_on: dt.date | None  # for everyone (some agencies may have later days)


def _labels(rows: list[Row], by: str) -> dict[int, str]:
    """Agency id -> the label of its group (the page's labels: Thai names, the type's
    label), reading the provinces' or ministries' names in one query."""
    agencies = [r.enrolment.agency for r in rows]
    if by == "kind":
        return {a.pk: str(AgencyKind(a.kind).label) if a.kind else NO_GROUP
                for a in agencies}
    if by == "province":
        names = dict(Province.objects.filter(
            pk__in={a.province_id for a in agencies if a.province_id}).values_list(
            "pk", "name_th"))
        return {a.pk: names.get(a.province_id or 0, NO_GROUP) for a in agencies}
    # The ministry: the top of the agency's hierarchy, from its lineage "/<top>/…/<own>/".
    tops = {a.pk: (a.lineage.strip("/").split("/") or [""])[0] for a in agencies}
    names = dict(Agency.objects.filter(
        pk__in={int(t) for t in tops.values() if t.isdigit()}).values_list("pk", "name_th"))
    return {pk: names.get(int(top), NO_GROUP) if top.isdigit() else NO_GROUP
            for pk, top in tops.items()}


def _oit_label(key: str | None, by: str) -> str:
    """The label of a group of the OIT progress rows (as the OIT progress page makes it)."""
    if by == "kind":
        return str(AgencyKind(key).label) if key else NO_GROUP
    return key or NO_GROUP


def _survey_reasons(row: Row, url: str) -> list[Reason]:
    def count(n: int | None) -> str:
        return "–" if n is None else str(n)

    reasons = []
    if row.iit_minimum is None:
        reasons.append(Reason(_("No approved headcount yet, so no IIT minimum"), url))
    elif row.iit_short:
        reasons.append(Reason(_("IIT: %(count)s of the minimum %(minimum)s") % {
            "count": count(row.iit), "minimum": row.iit_minimum}, url))
    if row.eit_short:
        reasons.append(Reason(_("EIT: %(count)s of the minimum %(minimum)s") % {
            "count": count(row.eit), "minimum": row.eit_minimum}, url))
    return reasons


def _oit_reason(state: str | None, days_left: int, url: str) -> Reason:
    if days_left < 0:
        text = (_("OIT not started, and its entry has closed") if state is None
                else _("OIT not approved, and its entry has closed"))
    elif state is None:
        text = ngettext("OIT not started; its entry closes in %(days)d day",
                        "OIT not started; its entry closes in %(days)d days",
                        days_left) % {"days": days_left}
    else:
        text = ngettext("OIT not approved; its entry closes in %(days)d day",
                        "OIT not approved; its entry closes in %(days)d days",
                        days_left) % {"days": days_left}
    return Reason(text, url)


def collection(user: Any, year: AssessmentYear, by: str, *,
               today: dt.date | None = None, top: int | None = TOP_AT_RISK) -> Collection:
    """Where the collection of ``year`` stands in the user's scope, grouped ``by``
    province, ministry or agency type (see the module's docstring for every figure)."""
    today = today or timezone.localdate()
    rows = collection_rows(user, year)
    labels = _labels(rows, by)
    states = dict(Submission.objects.filter(
        enrolment__year=year, enrolment__agency__in=visible_agencies(user)).values_list(
        "enrolment_id", "state"))
    window, general, own = calendar.closing_days(year, Phase.OIT_ENTRY)
    days = settings.OPENITA_OIT_AT_RISK_DAYS
    overview = reverse("agencies:survey_overview")
    oit_progress = f"{reverse('oit:progress')}?{urlencode({'by': by})}"

    groups: dict[str, Group] = {}
    risky: list[AtRisk] = []
    for row in rows:
        agency = row.enrolment.agency
        label = labels[agency.pk]
        group = groups.setdefault(label, Group(label, survey_url=overview,
                                               oit_url=oit_progress))
        group.registered += 1
        group.iit_met += row.iit_minimum is not None and not row.iit_short
        group.eit_met += row.eit_minimum is not None and not row.eit_short
        group.iit_responses += row.iit or 0
        group.eit_responses += row.eit or 0
        state = states.get(row.enrolment.pk)
        group.oit_not_started += state is None
        group.oit_draft += state == SubmissionState.DRAFT
        reasons = (_survey_reasons(row, reverse("agencies:surveys", args=[agency.pk]))
                   if row.at_risk else [])
        days_left = None
        if window is not None and general is not None and state != SubmissionState.APPROVED:
            left = (own.get(agency.pk, general) - today).days
            if left < days:
                days_left = left
                reasons.append(_oit_reason(state, left,
                                           reverse("agencies:oit", args=[agency.pk])))
        if reasons:
            group.at_risk += 1
            risky.append(AtRisk(agency, label, reasons, row.shortfall, days_left))

    for found in oit.progress_rows(user, year, by):
        label = _oit_label(found["key"], by)
        if label in groups:  # the same agencies: a group has a row in both or in neither
            for stage in OIT_STAGES:
                groups[label].oit[stage] += found[stage]

    table = thai_sorted(groups.values(), key=lambda g: g.label)
    totals = Group(_("All"), survey_url=overview, oit_url=oit_progress)
    for group in table:
        totals.add(group)
    risky.sort(key=lambda r: (-len(r.reasons), -r.shortfall,
                              r.oit_days_left if r.oit_days_left is not None else days,
                              r.agency.code))
    return Collection(table, totals, risky[:top], len(risky), sees_live_figures(user),
                      days, general)
