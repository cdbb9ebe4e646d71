"""Progress reports on the approved measures, after 6 and after 12 months of the fiscal
year (seed 002): for each measure what was done, when, its outputs (ผลผลิต) and outcomes
(ผลลัพธ์), evidence links and remarks; who prepared it; the executive's acknowledgement."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openita.accounts.duties import refuse_if_inactive, require_independent_approver
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.thaidates import fiscal_year_bounds, format_date

from . import timeframes
from .measures import text
from .models import (
    AuditAction,
    MeasureSet,
    ProgressEntry,
    ProgressReport,
    ReportPeriod,
    Stage,
)

MAX_URLS = 10
_ENTRY = ("done", "outputs", "outcomes", "remarks", "evidence_urls", "starts_on", "ends_on",
          "by_month")
_url = URLValidator(schemes=["http", "https"])


def period_end(fiscal_year: int, period: int) -> dt.date:
    """The last day a report covers: 31 March after 6 months, 30 September after 12."""
    first, last = fiscal_year_bounds(fiscal_year)
    if period == ReportPeriod.TWELVE_MONTHS:
        return last
    return timeframes.month_end(dt.date(first.year + 1, 3, 1))


@transaction.atomic
def start_report(measure_set: MeasureSet, period: int, *, acting_user: Any
                 ) -> ProgressReport:
    """The report of ``period`` months, with an empty entry per measure; only on a set the
    executive approved."""
    measure_set = MeasureSet.objects.select_related("agency").get(pk=measure_set.pk)
    refuse_if_inactive(acting_user, measure_set.agency)
    require(acting_user, "planning.edit", measure_set.agency)
    if period not in ReportPeriod.values:
        raise ActionRefused(_("A progress report covers 6 or 12 months."), field="period")
    existing = ProgressReport.objects.filter(measure_set=measure_set, period=period).first()
    if existing is not None:
        if existing.stage == Stage.DRAFT and measure_set.stage == Stage.APPROVED:
            _add_missing_entries(existing)  # measures added since, after a reopening
        return existing
    if measure_set.stage != Stage.APPROVED:
        raise ActionRefused(_("Progress is reported on measures the executive has approved."))
    try:
        with transaction.atomic():
            report = ProgressReport.objects.create(measure_set=measure_set, period=period)
    except IntegrityError:
        return ProgressReport.objects.get(measure_set=measure_set, period=period)
    _add_missing_entries(report)
    audit.record(AuditAction.REPORT_SAVE, actor=acting_user, obj=report,
                 after={"started": period, "agency": measure_set.agency.code})
    return report


def _add_missing_entries(report: ProgressReport) -> None:
    """An entry for every measure of the set that has none (measures added after a
    reopening), each for the measure's own months up to the end of the period."""
    end = period_end(report.measure_set.fiscal_year, report.period)
    have = set(report.entries.values_list("measure_id", flat=True))
    ProgressEntry.objects.bulk_create(
        ProgressEntry(report=report, measure=m, starts_on=m.starts_on,
                      ends_on=max(min(m.ends_on, end), m.starts_on), by_month=m.by_month)
        for m in report.measure_set.measures.all() if m.pk not in have)


def _locked(report: ProgressReport, permission: str, acting_user: Any) -> ProgressReport:
    report = ProgressReport.objects.select_for_update().select_related(
        "measure_set__agency").get(pk=report.pk)
    refuse_if_inactive(acting_user, report.measure_set.agency)
    require(acting_user, permission, report.measure_set.agency)
    return report


def _require_stage(report: ProgressReport, stage: str) -> None:
    if report.stage != stage:
        raise ActionRefused({
            str(Stage.SUBMITTED): _("The report is with the executive; it changes only after "
                               "being sent back."),
            str(Stage.APPROVED): _("The executive has acknowledged this report; it no longer "
                              "changes."),
            str(Stage.DRAFT): _("The report has not been sent to the executive."),
        }[str(report.stage)])


def clean_urls(lines: str | list[str]) -> list[str]:
    """Evidence links, one per line: http(s) only, each once, at most ``MAX_URLS``."""
    values = lines.splitlines() if isinstance(lines, str) else list(lines)
    urls = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    if len(urls) > MAX_URLS:
        raise ActionRefused(_("Give at most %(n)d links.") % {"n": MAX_URLS},
                            field="evidence_urls")
    for url in urls:
        try:
            _url(url)
        except ValidationError:
            raise ActionRefused(_("“%(url)s” is not a web address (it must start with "
                                  "http:// or https://).") % {"url": url[:200]},
                                field="evidence_urls") from None
    return urls


@transaction.atomic
def save_entry(entry: ProgressEntry, *, acting_user: Any, **values: Any) -> ProgressEntry:
    """What was done for one measure, within the fiscal year and not after the period."""
    report = _locked(entry.report, "planning.edit", acting_user)
    _require_stage(report, Stage.DRAFT)
    unknown = set(values) - set(_ENTRY)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    entry = ProgressEntry.objects.get(pk=entry.pk, report=report)
    fiscal_year = report.measure_set.fiscal_year
    starts_on, ends_on = timeframes.clean(values.get("starts_on"), values.get("ends_on"),
                                          by_month=bool(values.get("by_month")),
                                          fiscal_year=fiscal_year)
    end = period_end(fiscal_year, report.period)
    if starts_on > end:
        raise ActionRefused(_("This report covers the work until %(day)s.")
                            % {"day": format_date(end, "th", long=True)}, field="starts_on")
    before = audit.snapshot(entry, list(_ENTRY))
    for name in ("done", "outputs", "outcomes", "remarks"):
        setattr(entry, name, text(values.get(name), field=name))
    entry.evidence_urls = clean_urls(values.get("evidence_urls") or [])
    entry.starts_on, entry.ends_on = starts_on, min(ends_on, end)
    entry.by_month = bool(values.get("by_month"))
    entry.save()
    audit.record(AuditAction.REPORT_SAVE, actor=acting_user, obj=report, before=before,
                 after={"entry": entry.pk, **audit.snapshot(entry, list(_ENTRY))})
    return entry


@transaction.atomic
def save_prepared_by(report: ProgressReport, *, name: str, position: str,
                     acting_user: Any) -> ProgressReport:
    report = _locked(report, "planning.edit", acting_user)
    _require_stage(report, Stage.DRAFT)
    before = audit.snapshot(report, ["prepared_by_name", "prepared_by_position"])
    report.prepared_by_name = text(name, limit=200, field="name")
    report.prepared_by_position = text(position, limit=200, field="position")
    report.save()
    audit.record(AuditAction.REPORT_SAVE, actor=acting_user, obj=report, before=before,
                 after=audit.snapshot(report, ["prepared_by_name", "prepared_by_position"]))
    return report


@transaction.atomic
def submit(report: ProgressReport, *, acting_user: Any) -> ProgressReport:
    report = _locked(report, "planning.edit", acting_user)
    _require_stage(report, Stage.DRAFT)
    if report.measure_set.stage != Stage.APPROVED:
        raise ActionRefused(_("Progress is reported on measures the executive has approved."))
    if not (report.prepared_by_name and report.prepared_by_position):
        raise ActionRefused(_("Say who prepared the report and their position."),
                            field="name")
    if not report.entries.exclude(done="").exists():
        raise ActionRefused(_("Say what was done for at least one measure."))
    report.stage = Stage.SUBMITTED
    report.submitted_at, report.submitted_by = timezone.now(), acting_user
    report.returned_comment = ""
    report.save()
    audit.record(AuditAction.REPORT_SUBMIT, actor=acting_user, obj=report,
                 before={"stage": Stage.DRAFT}, after={"stage": report.stage})
    return report


@transaction.atomic
def acknowledge(report: ProgressReport, *, acting_user: Any) -> ProgressReport:
    report = _locked(report, "planning.approve", acting_user)
    _require_stage(report, Stage.SUBMITTED)
    require_independent_approver(acting_user, report.measure_set.agency,
                                 report.submitted_by_id, headcount=False)
    report.stage = Stage.APPROVED
    report.approved_at, report.approved_by = timezone.now(), acting_user
    report.save()
    audit.record(AuditAction.REPORT_ACKNOWLEDGE, actor=acting_user, obj=report,
                 before={"stage": Stage.SUBMITTED},
                 after={"stage": report.stage, "agency": report.measure_set.agency.code,
                        "period": report.period})
    return report


@transaction.atomic
def send_back(report: ProgressReport, comment: str, *, acting_user: Any) -> ProgressReport:
    report = _locked(report, "planning.approve", acting_user)
    _require_stage(report, Stage.SUBMITTED)
    comment = text(comment, field="comment", required=_("Say what should change."))
    report.stage, report.returned_comment = Stage.DRAFT, comment
    report.save()
    audit.record(AuditAction.REPORT_RETURN, actor=acting_user, obj=report, reason=comment,
                 before={"stage": Stage.SUBMITTED}, after={"stage": report.stage})
    return report
