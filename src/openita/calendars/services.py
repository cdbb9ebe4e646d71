"""Assessment years, their phase windows, extensions, and "is this allowed now?".

A window opens at 00:00 on its first day and closes at 24:00 on its last day, Asia/Bangkok.
An extension moves the closing day later, for everyone or for one agency; the latest
closing day that applies wins. Every change here is audited in its own transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from openita.accounts.models import User
from openita.core import audit, thaidates
from openita.core.audit import Actor
from openita.core.errors import ActionRefused, PhaseClosed
from openita.core.permissions import require, require_unless_system
from openita.frameworks import services as frameworks
from openita.frameworks.schema import Framework

from .models import (
    PHASE_ORDER,
    AssessmentYear,
    AuditAction,
    Phase,
    PhaseExtension,
    PhaseWindow,
    YearStatus,
)

# A proposed calendar for a new year, as (phase, first day, last day) in (month, day) of the
# Gregorian year in which the fiscal year ends. It follows the FY2565 calendar (research §9,
# confirmed for that year only); NACC announces each year's own dates, so the UI labels a
# proposed calendar as unconfirmed until an administrator saves real dates.
PROPOSED_CALENDAR: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    Phase.REGISTRATION: ((1, 1), (2, 28)),
    Phase.OIT_ENTRY: ((3, 1), (4, 30)),
    Phase.IIT_COLLECTION: ((3, 1), (5, 31)),
    Phase.EIT_COLLECTION: ((3, 1), (5, 31)),
    Phase.OIT_REVIEW: ((5, 1), (5, 31)),
    Phase.PRELIMINARY_RELEASE: ((6, 1), (6, 1)),
    Phase.CLARIFICATION: ((6, 1), (6, 15)),
    Phase.CONFIRMATION: ((6, 16), (6, 30)),
    Phase.PUBLICATION: ((8, 1), (8, 31)),
}


@dataclass(frozen=True)
class PhaseStatus:
    phase: str
    opens_on: dt.date
    closes_on: dt.date
    extended: bool
    is_open: bool
    not_yet_open: bool

    @property
    def label(self) -> str:
        return str(Phase(self.phase).label)

    @property
    def closes_at(self) -> dt.datetime:
        """The moment it closes: the start of the day after ``closes_on`` in Bangkok."""
        return closing_moment(self.closes_on)


def closing_moment(closes_on: dt.date) -> dt.datetime:
    next_day = closes_on + dt.timedelta(days=1)
    return dt.datetime.combine(next_day, dt.time.min, tzinfo=thaidates.BANGKOK)


def opening_moment(opens_on: dt.date) -> dt.datetime:
    return dt.datetime.combine(opens_on, dt.time.min, tzinfo=thaidates.BANGKOK)


def current_year() -> AssessmentYear | None:
    """The newest open year: the one agencies work in now; with its framework version, but
    not the version's content, which ``frameworks.framework_of`` reads parsed from memory."""
    return AssessmentYear.objects.filter(status=YearStatus.OPEN).select_related(
        "framework").defer("framework__content").order_by("-fiscal_year").first()


def _latest_closes(windows: list[PhaseWindow], agencies: list[Any]
                   ) -> dict[tuple[int, int | None], dt.date]:
    """The latest extended closing day per (window, agency id), None standing for the
    extensions granted to everyone; one query for any number of windows and agencies."""
    ids = [agency.pk for agency in agencies if agency is not None]
    scope = Q(agency__isnull=True) | Q(agency_id__in=ids) if ids else Q(agency__isnull=True)
    latest: dict[tuple[int, int | None], dt.date] = {}
    for window_id, agency_id, day in PhaseExtension.objects.filter(
            scope, window__in=windows).values_list("window_id", "agency_id", "closes_on"):
        latest[window_id, agency_id] = max(day, latest.get((window_id, agency_id), day))
    return latest


def _close_for(window: PhaseWindow, agency: Any,
               latest: dict[tuple[int, int | None], dt.date]) -> dt.date:
    """The window's closing day as ``agency`` sees it (None: everyone)."""
    days = [latest.get((window.pk, None)), latest.get((window.pk, agency.pk)) if agency else None]
    return max([window.closes_on, *(d for d in days if d)])


def _effective_close(window: PhaseWindow, agency: Any) -> tuple[dt.date, bool]:
    closes_on = _close_for(window, agency, _latest_closes([window], [agency]))
    return closes_on, closes_on > window.closes_on


def closing_days(year: AssessmentYear, phase: str
                 ) -> tuple[PhaseWindow | None, dt.date | None, dict[int, dt.date]]:
    """For many agencies at once (two queries): the window of ``phase``, its closing day for
    everyone (extensions for all included) and the later days of agencies with their own."""
    window = PhaseWindow.objects.filter(year=year, phase=phase).first()
    if window is None:
        return None, None, {}
    general = window.closes_on
    own: dict[int, dt.date] = {}
    for agency_id, day in PhaseExtension.objects.filter(window=window).values_list(
            "agency_id", "closes_on"):
        if agency_id is None:
            general = max(general, day)
        else:
            own[agency_id] = max(day, own.get(agency_id, day))
    return window, general, {a: day for a, day in own.items() if day > general}


def phase_status(
    year: AssessmentYear, phase: str, agency: Any = None, now: dt.datetime | None = None
) -> PhaseStatus | None:
    """Where ``phase`` stands for ``agency`` (or for everyone) at ``now``; None if unset."""
    window = PhaseWindow.objects.filter(year=year, phase=phase).first()
    if window is None:
        return None
    return _status_of(window, agency, now or timezone.now())


def _status_of(
    window: PhaseWindow, agency: Any, now: dt.datetime, extended_to: dt.date | None = None
) -> PhaseStatus:
    if extended_to is None:
        closes_on, extended = _effective_close(window, agency)
    else:
        closes_on, extended = max(extended_to, window.closes_on), extended_to > window.closes_on
    opens = opening_moment(window.opens_on)
    is_open = year_is_open(window.year) and opens <= now < closing_moment(closes_on)
    return PhaseStatus(
        phase=window.phase, opens_on=window.opens_on, closes_on=closes_on, extended=extended,
        is_open=is_open, not_yet_open=now < opens,
    )


def framework_for(year: AssessmentYear) -> Framework:
    """The method the year is assessed by; refused while the year has none yet."""
    if year.framework is None:
        raise ActionRefused(_("This year has no framework yet."))
    return frameworks.framework_of(year.framework)


def year_is_open(year: AssessmentYear) -> bool:
    return year.status == YearStatus.OPEN


def calendar_of(
    year: AssessmentYear, agency: Any = None, now: dt.datetime | None = None
) -> list[PhaseStatus]:
    """Every set window of the year, in phase order, as seen by ``agency`` (None: as
    everyone sees it)."""
    return _calendars(year, [agency], now)[0]


def calendars_of(
    year: AssessmentYear, agencies: list[Any], now: dt.datetime | None = None
) -> dict[int, list[PhaseStatus]]:
    """``calendar_of`` for several agencies at once, in two queries whatever their number
    (a person may work for several agencies), keyed by agency id."""
    return {agency.pk: statuses
            for agency, statuses in zip(agencies, _calendars(year, agencies, now), strict=True)}


def _calendars(year: AssessmentYear, agencies: list[Any], now: dt.datetime | None
               ) -> list[list[PhaseStatus]]:
    now = now or timezone.now()
    windows = [w for w in PhaseWindow.objects.filter(year=year).select_related("year")]
    windows.sort(key=lambda w: PHASE_ORDER.index(w.phase))
    latest = _latest_closes(windows, agencies)
    return [[_status_of(w, agency, now, _close_for(w, agency, latest)) for w in windows]
            for agency in agencies]


def require_open(
    year: AssessmentYear | None, phase: str, agency: Any = None, now: dt.datetime | None = None
) -> PhaseStatus:
    """Refuse, naming the window the action needs, unless ``phase`` is open for ``agency``."""
    label = Phase(phase).label
    if year is None or not year_is_open(year):
        raise PhaseClosed(_("There is no open assessment year for this action."))
    status = phase_status(year, phase, agency, now)
    if status is None:
        raise PhaseClosed(
            _("This action needs the phase “%(phase)s”, which has no dates yet.") % {"phase": label}
        )
    if not status.is_open:
        raise PhaseClosed(
            _("This action is only allowed during “%(phase)s”: %(opens)s – %(closes)s "
              "(closes 24:00 Bangkok time).") % {
                "phase": label,
                "opens": _DateText(status.opens_on),
                "closes": _DateText(status.closes_on),
            }
        )
    return status


class _DateText:
    """A date that renders in the language active when the message is shown."""

    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __str__(self) -> str:
        from django.utils.translation import get_language

        return thaidates.format_date(self.day, get_language() or "th")


# --- changes (NACC admin) --------------------------------------------------------------


@transaction.atomic
def create_year(
    fiscal_year: int, title: str = "", *, acting_user: User, propose_calendar: bool = True
) -> AssessmentYear:
    """Create a draft year; optionally fill its calendar with the proposed dates."""
    require(acting_user, "calendars.manage_years")
    if AssessmentYear.objects.filter(fiscal_year=fiscal_year).exists():
        raise ActionRefused(_("Fiscal year %(year)s already exists.") % {"year": fiscal_year},
                            field="fiscal_year")
    year = AssessmentYear.objects.create(fiscal_year=fiscal_year, title=title)
    if propose_calendar:
        end_year = thaidates.to_gregorian_year(fiscal_year)
        PhaseWindow.objects.bulk_create(
            PhaseWindow(year=year, phase=phase, opens_on=dt.date(end_year, *first),
                        closes_on=dt.date(end_year, *last))
            for phase, (first, last) in PROPOSED_CALENDAR.items()
        )
    audit.record(AuditAction.YEAR_CREATE, actor=acting_user, obj=year,
                 after={"fiscal_year": fiscal_year, "title": title,
                        "proposed_calendar": propose_calendar})
    return year


def _require_plausible(year: AssessmentYear, *days: dt.date, field: str) -> None:
    """Dates must lie within a year of the fiscal year (catches typos such as 2068 or 9999)."""
    first, last = thaidates.fiscal_year_bounds(year.fiscal_year)
    earliest, latest = first - dt.timedelta(days=366), last + dt.timedelta(days=366)
    if any(not earliest <= day <= latest for day in days):
        raise ActionRefused(
            _("Choose a date between %(first)s and %(last)s for fiscal year %(year)s.")
            % {"first": _DateText(earliest), "last": _DateText(latest),
               "year": year.fiscal_year}, field=field)


@transaction.atomic
def set_window(
    year: AssessmentYear, phase: str, opens_on: dt.date, closes_on: dt.date, *, acting_user: User
) -> PhaseWindow:
    """Set a phase's dates. Extensions already granted stay and still apply if later."""
    require(acting_user, "calendars.manage_years")
    if closes_on < opens_on:
        raise ActionRefused(_("The closing day must not be before the opening day."),
                            field="closes_on")
    _require_plausible(year, opens_on, field="opens_on")
    _require_plausible(year, closes_on, field="closes_on")
    window = PhaseWindow.objects.select_for_update().filter(year=year, phase=phase).first()
    before = None
    if window is None:
        window = PhaseWindow(year=year, phase=phase)
    else:
        before = {"opens_on": window.opens_on, "closes_on": window.closes_on}
    if before == {"opens_on": opens_on, "closes_on": closes_on}:
        return window
    window.opens_on, window.closes_on = opens_on, closes_on
    window.save()
    audit.record(AuditAction.WINDOW_SET, actor=acting_user, obj=window, before=before,
                 after={"phase": phase, "opens_on": opens_on, "closes_on": closes_on})
    return window


@transaction.atomic
def set_year_status(year: AssessmentYear, status: str, *, acting_user: User) -> AssessmentYear:
    """Open (every phase needs dates), close or re-draft a year."""
    require(acting_user, "calendars.manage_years")
    if status not in YearStatus.values:
        raise ActionRefused(_("Unknown status."))
    year = AssessmentYear.objects.select_for_update().get(pk=year.pk)
    if status == year.status:
        return year
    if status == YearStatus.OPEN:
        other = AssessmentYear.objects.filter(status=YearStatus.OPEN).exclude(pk=year.pk).first()
        if other is not None:
            # Agencies act in "the open year"; two at once would split their work.
            raise ActionRefused(_("Close the year %(year)s first: only one year is open at a "
                                  "time.") % {"year": other.fiscal_year})
        missing = set(PHASE_ORDER) - set(year.windows.values_list("phase", flat=True))
        if missing:
            names = ", ".join(str(Phase(p).label) for p in PHASE_ORDER if p in missing)
            raise ActionRefused(
                _("Set the dates of every phase before opening the year. Missing: %(names)s")
                % {"names": names}
            )
        if year.framework is None:
            raise ActionRefused(_("Choose the year's framework before opening it."))
    if status == YearStatus.DRAFT and year.enrolments.exclude(state="not_registered").exists():
        raise ActionRefused(_("Agencies have already enrolled in this year; it cannot go back "
                              "to preparation."))
    before = {"status": year.status}
    year.status = status
    year.save(update_fields=["status"])
    if status == YearStatus.OPEN and year.framework is not None:
        # The method may not change under the agencies' feet.
        frameworks.freeze(year.framework, acting_user=acting_user)
    audit.record(AuditAction.YEAR_STATUS, actor=acting_user, obj=year, before=before,
                 after={"status": status})
    return year


_SWITCHES = ("iit_requires_access_code", "provisional_scores_visible")
_NUMBERS = ("release_interval_hours", "release_batch", "access_code_margin_percent",
            "oit_second_review_percent")


@transaction.atomic
def change_settings(year: AssessmentYear, *, acting_user: User,
                    **changes: bool | int) -> AssessmentYear:
    """Survey settings of a year: access codes for the IIT, provisional scores, how often
    and after how many new answers collection figures are released to people outside
    NACC, and the margin of access codes beyond the headcount. A number outside its range
    is refused."""
    require(acting_user, "calendars.manage_years")
    year = AssessmentYear.objects.select_for_update().get(pk=year.pk)
    before = {f: getattr(year, f) for f in (*_SWITCHES, *_NUMBERS)}
    for name in _SWITCHES:
        setattr(year, name, bool(changes.get(name, before[name])))
    for name in _NUMBERS:
        value = changes.get(name, before[name])
        field = cast(models.Field, AssessmentYear._meta.get_field(name))
        try:
            field.run_validators(int(value))
        except (TypeError, ValueError, ValidationError):
            raise ActionRefused(_("%(field)s: the number is out of range.")
                                % {"field": capfirst(field.verbose_name)},
                                field=name) from None
        setattr(year, name, int(value))
    after = {f: getattr(year, f) for f in before}
    fields = list(before)
    if after != before:
        year.save(update_fields=fields)
        audit.record(AuditAction.YEAR_SETTINGS, actor=acting_user, obj=year, before=before,
                     after=after)
    return year


@transaction.atomic
def attach_framework(year: AssessmentYear, version: Any, *, acting_user: Actor) -> AssessmentYear:
    """Choose the framework a year is assessed with; only before the year first opens."""
    require_unless_system(acting_user, "calendars.manage_years")
    year = AssessmentYear.objects.select_for_update().get(pk=year.pk)
    if year.status != YearStatus.DRAFT:
        raise ActionRefused(_("The framework of a year that has opened cannot change."),
                            field="framework")
    before = {"framework": year.framework.code if year.framework else None}
    year.framework = version
    year.save(update_fields=["framework"])
    audit.record(AuditAction.FRAMEWORK_ATTACH, actor=acting_user, obj=year, before=before,
                 after={"framework": version.code, "checksum": version.checksum})
    return year


@transaction.atomic
def extend_phase(
    year: AssessmentYear,
    phase: str,
    closes_on: dt.date,
    reason: str,
    *,
    acting_user: User,
    agency: Any = None,
) -> PhaseExtension:
    """Move a phase's closing day later, for everyone or for one agency, with a reason."""
    require(acting_user, "calendars.manage_years")
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(_("Give the reason for the extension."), field="reason")
    window = PhaseWindow.objects.filter(year=year, phase=phase).first()
    if window is None:
        raise ActionRefused(_("This phase has no dates yet; set them first."), field="phase")
    _require_plausible(year, closes_on, field="closes_on")
    current, _extended = _effective_close(window, agency)
    if closes_on <= current:
        raise ActionRefused(
            _("The new closing day must be after the current one (%(day)s).")
            % {"day": _DateText(current)}, field="closes_on",
        )
    extension = PhaseExtension.objects.create(
        window=window, agency=agency, closes_on=closes_on, reason=reason, granted_by=acting_user
    )
    audit.record(
        AuditAction.PHASE_EXTEND, actor=acting_user, obj=extension, reason=reason,
        before={"closes_on": current},
        after={"phase": phase, "closes_on": closes_on,
               "agency": agency.code if agency is not None else None},
    )
    return extension
