"""Action plans: steps in phases with a timeframe, the actions, the responsible unit and
remarks, for an agency (seed 000) or an oversight body's province or ministry (seeds 001,
004). "Start from the NACC calendar" writes a step per window of the assessment year."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from openita.accounts.duties import refuse_if_inactive
from openita.calendars import services as calendar
from openita.calendars.models import AssessmentYear
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.thaidates import fiscal_year_bounds

from . import timeframes
from .measures import require_plannable_year, text
from .models import ActionPlan, AuditAction, PlanPhase, PlanStep

CALENDAR_STEPS = Path(__file__).resolve().parent / "data" / "calendar_steps.yaml"
_STEP_FIELDS = ("action", "details", "responsible_unit", "remarks", "starts_on", "ends_on",
                "by_month")
_HEADER = ("title", "introduction", "remarks", "issued_by", "signatory_name",
           "signatory_position", "announced_on")
ITA = "การประเมินคุณธรรมและความโปร่งใสในการดำเนินงานของหน่วยงานภาครัฐ (ITA)"


@dataclass(frozen=True)
class Scope:
    """An oversight body's scope: a province or a parent organisation (ministry)."""

    province_id: int | None = None
    parent_id: int | None = None


@functools.cache
def calendar_steps() -> dict:
    with CALENDAR_STEPS.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _may_write(plan: ActionPlan, acting_user: Any) -> None:
    if plan.agency_id is not None:
        refuse_if_inactive(acting_user, plan.agency)
        require(acting_user, "planning.edit", plan.agency)
    else:
        require(acting_user, "planning.oversee", plan)


def _locked(plan: ActionPlan, acting_user: Any) -> ActionPlan:
    plan = ActionPlan.objects.select_for_update(of=("self",)).select_related("agency").get(
        pk=plan.pk)
    _may_write(plan, acting_user)
    return plan


def owner_filter(owner: Any) -> dict[str, Any]:
    if isinstance(owner, Scope):
        return {"province_id": owner.province_id, "parent_id": owner.parent_id}
    return {"agency": owner}


@transaction.atomic
def start_plan(owner: Any, fiscal_year: int, *, acting_user: Any) -> ActionPlan:
    """The owner's plan for ``fiscal_year`` (an agency or a ``Scope``), started now with
    the three usual phases if it does not exist yet."""
    plan = ActionPlan(fiscal_year=fiscal_year, updated_by=acting_user, **owner_filter(owner))
    _may_write(plan, acting_user)
    existing = ActionPlan.objects.filter(fiscal_year=fiscal_year, **owner_filter(owner)
                                         ).first()
    if existing is not None:
        return existing
    require_plannable_year(fiscal_year)
    kind = "แผนการขับเคลื่อน" if isinstance(owner, Scope) else "แผนปฏิบัติการตามตัวชี้วัด"
    plan.title = f"{kind}{ITA} ประจำปีงบประมาณ พ.ศ. {fiscal_year}"
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        return ActionPlan.objects.get(fiscal_year=fiscal_year, **owner_filter(owner))
    groups = calendar_steps()["groups"]
    PlanPhase.objects.bulk_create(PlanPhase(plan=plan, position=i, title=title)
                                  for i, title in enumerate(groups.values()))
    audit.record(AuditAction.PLAN_SAVE, actor=acting_user, obj=plan,
                 after={"started": fiscal_year, "title": plan.title})
    return plan


@transaction.atomic
def fill_from_calendar(plan: ActionPlan, *, acting_user: Any) -> list[PlanStep]:
    """A step for each phase window of the plan's assessment year, as the agency sees it
    (with its extensions), in the phase of the plan the step belongs to. A window already
    in the plan is left as the owner edited it, so pressing twice adds nothing."""
    plan = _locked(plan, acting_user)
    year = AssessmentYear.objects.filter(fiscal_year=plan.fiscal_year).first()
    windows = calendar.calendar_of(year, plan.agency) if year is not None else []
    if not windows:
        raise ActionRefused(_("NACC has not set the calendar of fiscal year %(year)s yet.")
                            % {"year": plan.fiscal_year})
    data = calendar_steps()
    phases = _phases_by_title(plan, data["groups"])
    present = set(PlanStep.objects.filter(phase__plan=plan).exclude(calendar_phase="")
                  .values_list("calendar_phase", flat=True))
    first, last = fiscal_year_bounds(plan.fiscal_year)
    added = []
    for window in windows:
        step_data = data["steps"].get(window.phase)
        if step_data is None or window.phase in present:
            continue
        starts_on, ends_on = max(window.opens_on, first), min(window.closes_on, last)
        if ends_on < starts_on:
            continue  # the window lies outside the plan's fiscal year
        phase = phases[data["groups"][step_data["group"]]]
        position = (phase.steps.aggregate(m=Max("position"))["m"] or 0) + 1
        added.append(PlanStep.objects.create(
            phase=phase, position=position, action=step_data["action"],
            details=step_data["details"], calendar_phase=window.phase,
            responsible_unit=step_data["unit_oversight" if plan.is_oversight else "unit"],
            starts_on=starts_on, ends_on=ends_on, by_month=False))
    audit.record(AuditAction.PLAN_SAVE, actor=acting_user, obj=plan,
                 after={"from_calendar": [s.calendar_phase for s in added]})
    return added


def _phases_by_title(plan: ActionPlan, groups: dict[str, str]) -> dict[str, PlanPhase]:
    """The plan's phase of each group title, added at the end where the owner removed it."""
    phases = {p.title: p for p in plan.phases.all()}
    for title in groups.values():
        if title not in phases:
            last = plan.phases.aggregate(m=Max("position"))["m"]
            phases[title] = PlanPhase.objects.create(
                plan=plan, title=title, position=0 if last is None else last + 1)
    return phases


@transaction.atomic
def save_header(plan: ActionPlan, *, acting_user: Any, announced_on: dt.date | None,
                **values: str) -> ActionPlan:
    plan = _locked(plan, acting_user)
    before = audit.snapshot(plan, list(_HEADER))
    plan.title = text(values.get("title"), limit=300, field="title",
                      required=_("Give the plan a title."))
    plan.introduction = text(values.get("introduction"), field="introduction")
    plan.remarks = text(values.get("remarks"), field="remarks")
    for name in ("issued_by", "signatory_name", "signatory_position"):
        setattr(plan, name, text(values.get(name), limit=300, field=name))
    plan.announced_on, plan.updated_by = announced_on, acting_user
    plan.save()
    audit.record(AuditAction.PLAN_SAVE, actor=acting_user, obj=plan, before=before,
                 after=audit.snapshot(plan, list(_HEADER)))
    return plan


@transaction.atomic
def save_phase(plan: ActionPlan, phase: PlanPhase | None = None, *, title: str,
               acting_user: Any) -> PlanPhase:
    plan = _locked(plan, acting_user)
    title = text(title, limit=200, field="title", required=_("Name the phase."))
    if phase is None:
        last = plan.phases.aggregate(m=Max("position"))["m"]
        phase = PlanPhase(plan=plan, position=0 if last is None else last + 1)
        before = None
    else:
        phase = PlanPhase.objects.get(pk=phase.pk, plan=plan)
        before = {"phase": phase.pk, "title": phase.title}
    phase.title = title
    phase.save()
    audit.record(AuditAction.PLAN_SAVE, actor=acting_user, obj=plan, before=before,
                 after={"phase": phase.pk, "title": phase.title})
    return phase


@transaction.atomic
def delete_phase(phase: PlanPhase, *, acting_user: Any) -> None:
    plan = _locked(phase.plan, acting_user)
    phase = PlanPhase.objects.get(pk=phase.pk, plan=plan)
    if phase.steps.exists():
        raise ActionRefused(_("Move or remove the steps of this phase first."))
    phase.delete()
    audit.record(AuditAction.PLAN_SAVE, actor=acting_user, obj=plan,
                 before={"phase": phase.pk, "title": phase.title}, after={"deleted": True})


@transaction.atomic
def save_step(plan: ActionPlan, step: PlanStep | None = None, *, phase: PlanPhase,
              acting_user: Any, **values: Any) -> PlanStep:
    """Add a step to one of the plan's phases, or change one (and move it to ``phase``)."""
    plan = _locked(plan, acting_user)
    unknown = set(values) - set(_STEP_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    found = PlanPhase.objects.filter(pk=phase.pk or 0, plan=plan).first()
    if found is None:
        raise ActionRefused(_("Choose one of the plan's phases."), field="phase")
    phase = found
    starts_on, ends_on = timeframes.clean(values.get("starts_on"), values.get("ends_on"),
                                          by_month=bool(values.get("by_month")),
                                          fiscal_year=plan.fiscal_year)
    clean = {
        "action": text(values.get("action"), limit=500, field="action",
                       required=_("Say what the step is.")),
        "details": text(values.get("details"), field="details"),
        "responsible_unit": text(values.get("responsible_unit"), limit=300,
                                 field="responsible_unit",
                                 required=_("Name the unit responsible.")),
        "remarks": text(values.get("remarks"), field="remarks"),
        "starts_on": starts_on, "ends_on": ends_on, "by_month": bool(values.get("by_month")),
    }
    if step is None:
        step, before = PlanStep(), None
    else:
        step = PlanStep.objects.get(pk=step.pk, phase__plan=plan)
        before = {"step": step.pk, "phase": step.phase_id,
                  **audit.snapshot(step, list(_STEP_FIELDS))}
    if step.pk is None or step.phase_id != phase.pk:
        step.position = (phase.steps.aggregate(m=Max("position"))["m"] or 0) + 1
    step.phase = phase
    for name, value in clean.items():
        setattr(step, name, value)
    step.save()
    plan.updated_by = acting_user
    plan.save(update_fields=["updated_by", "updated_at"])
    audit.record(AuditAction.PLAN_SAVE, actor=acting_user, obj=plan, before=before,
                 after={"step": step.pk, "phase": phase.pk,
                        **audit.snapshot(step, list(_STEP_FIELDS))})
    return step


@transaction.atomic
def delete_step(step: PlanStep, *, acting_user: Any) -> None:
    plan = _locked(step.phase.plan, acting_user)
    step = PlanStep.objects.get(pk=step.pk, phase__plan=plan)
    before = {"step": step.pk, **audit.snapshot(step, list(_STEP_FIELDS))}
    step.delete()
    audit.record(AuditAction.PLAN_SAVE, actor=acting_user, obj=plan, before=before,
                 after={"deleted": True})


def steps_of(plan: ActionPlan) -> list[tuple[PlanPhase, list[PlanStep]]]:
    """The plan's phases in order, each with its steps (two queries)."""
    phases = list(plan.phases.all())
    steps: dict[int, list[PlanStep]] = {p.pk: [] for p in phases}
    for step in PlanStep.objects.filter(phase__plan=plan).order_by("position", "pk"):
        steps[step.phase_id].append(step)
    return [(p, steps[p.pk]) for p in phases]
