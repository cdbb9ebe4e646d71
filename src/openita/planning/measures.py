"""The agency's measures (มาตรการ) for a fiscal year: written by its admin, often starting
from the library's examples, sent to the executive and approved. Every change checked, in
one transaction with its audit row; an approved set changes only after it is reopened."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from openita.accounts.duties import refuse_if_inactive, require_independent_approver
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.thaidates import fiscal_year_bounds, fiscal_year_of

from . import library, timeframes
from .models import MAX_TEXT, AuditAction, Measure, MeasureSet, Stage
from .services import INDICATORS

_FIELDS = ("indicator", "title", "guideline", "steps", "responsible_unit", "monitoring",
           "starts_on", "ends_on", "by_month")
_HEADER = ("introduction", "signatory_name", "signatory_position", "announced_on")


def require_plannable_year(fiscal_year: int) -> None:
    """Plans are made for the current fiscal year, the one before or the next."""
    current = fiscal_year_of(timezone.localdate())
    if not current - 1 <= fiscal_year <= current + 1:
        raise ActionRefused(_("Plans are made for fiscal year %(before)s, %(now)s or "
                              "%(next)s.") % {"before": current - 1, "now": current,
                                              "next": current + 1})


def text(value: str | None, *, limit: int = MAX_TEXT, required: str | None = None,
         field: str | None = None) -> str:
    """A plain text field as kept: trimmed, not longer than ``limit``; refused with
    ``required`` as the message when empty and required."""
    value = (value or "").strip()
    if required and not value:
        raise ActionRefused(required, field=field)
    if len(value) > limit:
        raise ActionRefused(_("A text may be at most %(n)d characters long.") % {"n": limit},
                            field=field)
    return value


def _locked(measure_set: MeasureSet, permission: str, acting_user: Any) -> MeasureSet:
    measure_set = MeasureSet.objects.select_for_update().select_related("agency").get(
        pk=measure_set.pk)
    refuse_if_inactive(acting_user, measure_set.agency)
    require(acting_user, permission, measure_set.agency)
    return measure_set


def _require_stage(measure_set: MeasureSet, *stages: str) -> None:
    if measure_set.stage not in stages:
        raise ActionRefused({
            str(Stage.SUBMITTED): _("The measures are with the executive; they change only after "
                               "being sent back."),
            str(Stage.APPROVED): _("The measures are approved; reopen them to change them."),
            str(Stage.DRAFT): _("The measures have not been sent to the executive."),
        }[str(measure_set.stage)])


@transaction.atomic
def start_measures(agency: Any, fiscal_year: int, *, acting_user: Any) -> MeasureSet:
    """The agency's set of measures for ``fiscal_year``, started now if need be."""
    refuse_if_inactive(acting_user, agency)
    require(acting_user, "planning.edit", agency)
    existing = MeasureSet.objects.filter(agency=agency, fiscal_year=fiscal_year).first()
    if existing is not None:
        return existing
    require_plannable_year(fiscal_year)
    try:
        with transaction.atomic():
            measure_set = MeasureSet.objects.create(agency=agency, fiscal_year=fiscal_year)
    except IntegrityError:  # started by another request a moment ago
        return MeasureSet.objects.get(agency=agency, fiscal_year=fiscal_year)
    audit.record(AuditAction.MEASURES_SAVE, actor=acting_user, obj=measure_set,
                 after={"started": fiscal_year, "agency": agency.code})
    return measure_set


def _clean_measure(measure_set: MeasureSet, values: dict[str, Any]) -> dict[str, Any]:
    indicator = str(values.get("indicator") or "").strip()
    if indicator not in INDICATORS:
        raise ActionRefused(_("Choose the indicator the measure improves."), field="indicator")
    starts_on, ends_on = timeframes.clean(
        values.get("starts_on"), values.get("ends_on"), by_month=bool(values.get("by_month")),
        fiscal_year=measure_set.fiscal_year)
    return {
        "indicator": indicator,
        "title": text(values.get("title"), limit=300, field="title",
                      required=_("Say what the measure is.")),
        "guideline": text(values.get("guideline"), field="guideline"),
        "steps": text(values.get("steps"), field="steps"),
        "responsible_unit": text(values.get("responsible_unit"), limit=300,
                                 field="responsible_unit",
                                 required=_("Name the unit responsible.")),
        "monitoring": text(values.get("monitoring"), field="monitoring"),
        "starts_on": starts_on, "ends_on": ends_on, "by_month": bool(values.get("by_month")),
    }


@transaction.atomic
def save_measure(measure_set: MeasureSet, measure: Measure | None = None, *,
                 acting_user: Any, **values: Any) -> Measure:
    """Add a measure to a draft set, or change one of its measures."""
    measure_set = _locked(measure_set, "planning.edit", acting_user)
    _require_stage(measure_set, Stage.DRAFT)
    unknown = set(values) - set(_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    clean = _clean_measure(measure_set, values)
    if measure is None:
        last = measure_set.measures.aggregate(m=Max("position"))["m"]
        measure = Measure(measure_set=measure_set, position=0 if last is None else last + 1)
        before = None
    else:
        measure = Measure.objects.get(pk=measure.pk, measure_set=measure_set)
        before = audit.snapshot(measure, list(_FIELDS))
    for name, value in clean.items():
        setattr(measure, name, value)
    measure.save()
    audit.record(AuditAction.MEASURES_SAVE, actor=acting_user, obj=measure_set,
                 before=before, after={"measure": measure.pk,
                                       **audit.snapshot(measure, list(_FIELDS))})
    return measure


@transaction.atomic
def add_from_library(measure_set: MeasureSet, keys: list[str], *, responsible_unit: str,
                     acting_user: Any) -> list[Measure]:
    """Copy the chosen examples into the draft set, each for the whole fiscal year and the
    unit named, ready to be edited."""
    if not keys:
        raise ActionRefused(_("Choose at least one example measure."), field="keys")
    examples = library.shipped()
    unknown = [k for k in keys if examples.by_key(k) is None]
    if unknown:
        raise ActionRefused(_("There is no example measure %(key)s.") % {"key": unknown[0]})
    first, last = fiscal_year_bounds(measure_set.fiscal_year)
    added = []
    for key in dict.fromkeys(keys):  # each once, in the order chosen
        example = examples.by_key(key)
        assert example is not None
        added.append(save_measure(
            measure_set, acting_user=acting_user, indicator=example.indicator,
            title=example.title_th, guideline=example.guideline_th,
            steps="\n".join(f"{n}. {s}" for n, s in enumerate(example.steps_th, 1)),
            responsible_unit=responsible_unit, monitoring=example.monitoring_th,
            starts_on=first, ends_on=last, by_month=True))
        Measure.objects.filter(pk=added[-1].pk).update(library_key=key)
    return added


@transaction.atomic
def delete_measure(measure: Measure, *, acting_user: Any) -> None:
    measure_set = _locked(measure.measure_set, "planning.edit", acting_user)
    _require_stage(measure_set, Stage.DRAFT)
    measure = Measure.objects.get(pk=measure.pk, measure_set=measure_set)
    from .models import ProgressEntry

    if ProgressEntry.objects.filter(measure=measure).exclude(done="").exists():
        raise ActionRefused(_("A progress report tells what was done for this measure; it "
                              "cannot be removed."))
    before = {"measure": measure.pk, **audit.snapshot(measure, list(_FIELDS))}
    measure.delete()
    audit.record(AuditAction.MEASURES_SAVE, actor=acting_user, obj=measure_set,
                 before=before, after={"deleted": True})


@transaction.atomic
def save_header(measure_set: MeasureSet, *, acting_user: Any, introduction: str,
                signatory_name: str, signatory_position: str,
                announced_on: dt.date | None) -> MeasureSet:
    """The background paragraph and who announces the set; in any stage, since they do not
    change what was approved."""
    measure_set = _locked(measure_set, "planning.edit", acting_user)
    before = audit.snapshot(measure_set, list(_HEADER))
    measure_set.introduction = text(introduction, field="introduction")
    measure_set.signatory_name = text(signatory_name, limit=200, field="signatory_name")
    measure_set.signatory_position = text(signatory_position, limit=200,
                                          field="signatory_position")
    measure_set.announced_on = announced_on
    measure_set.save()
    audit.record(AuditAction.MEASURES_SAVE, actor=acting_user, obj=measure_set, before=before,
                 after=audit.snapshot(measure_set, list(_HEADER)))
    return measure_set


@transaction.atomic
def submit(measure_set: MeasureSet, *, acting_user: Any) -> MeasureSet:
    measure_set = _locked(measure_set, "planning.edit", acting_user)
    _require_stage(measure_set, Stage.DRAFT)
    if not measure_set.measures.exists():
        raise ActionRefused(_("Add at least one measure first."))
    measure_set.stage = Stage.SUBMITTED
    measure_set.submitted_at, measure_set.submitted_by = timezone.now(), acting_user
    measure_set.returned_comment = ""
    measure_set.save()
    audit.record(AuditAction.MEASURES_SUBMIT, actor=acting_user, obj=measure_set,
                 before={"stage": Stage.DRAFT}, after={"stage": measure_set.stage})
    return measure_set


@transaction.atomic
def approve(measure_set: MeasureSet, *, acting_user: Any) -> MeasureSet:
    """The executive approves the set; not the person who sent it (nor one they proposed)."""
    measure_set = _locked(measure_set, "planning.approve", acting_user)
    _require_stage(measure_set, Stage.SUBMITTED)
    require_independent_approver(acting_user, measure_set.agency, measure_set.submitted_by_id,
                                 headcount=False)
    measure_set.stage = Stage.APPROVED
    measure_set.approved_at, measure_set.approved_by = timezone.now(), acting_user
    measure_set.save()
    audit.record(AuditAction.MEASURES_APPROVE, actor=acting_user, obj=measure_set,
                 before={"stage": Stage.SUBMITTED},
                 after={"stage": measure_set.stage, "agency": measure_set.agency.code,
                        "measures": measure_set.measures.count()})
    return measure_set


@transaction.atomic
def send_back(measure_set: MeasureSet, comment: str, *, acting_user: Any) -> MeasureSet:
    measure_set = _locked(measure_set, "planning.approve", acting_user)
    _require_stage(measure_set, Stage.SUBMITTED)
    comment = text(comment, field="comment", required=_("Say what should change."))
    measure_set.stage, measure_set.returned_comment = Stage.DRAFT, comment
    measure_set.save()
    audit.record(AuditAction.MEASURES_RETURN, actor=acting_user, obj=measure_set,
                 reason=comment, before={"stage": Stage.SUBMITTED},
                 after={"stage": measure_set.stage})
    return measure_set


@transaction.atomic
def reopen(measure_set: MeasureSet, reason: str, *, acting_user: Any) -> MeasureSet:
    """The admin takes an approved set back to draft (with a reason) to change it; it must
    then be approved again, and progress reports wait until it is."""
    measure_set = _locked(measure_set, "planning.edit", acting_user)
    _require_stage(measure_set, Stage.APPROVED)
    reason = text(reason, field="reason", required=_("Give the reason."))
    measure_set.stage = Stage.DRAFT
    measure_set.approved_at = measure_set.approved_by = None
    measure_set.save()
    audit.record(AuditAction.MEASURES_REOPEN, actor=acting_user, obj=measure_set,
                 reason=reason, before={"stage": Stage.APPROVED},
                 after={"stage": measure_set.stage})
    return measure_set
