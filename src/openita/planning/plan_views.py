"""The action plan pages, the same for an agency's plan and an oversight body's, under
/planning/plans/<id>/: the table of steps by phase, the month grid, the steps' forms,
"start from the NACC calendar", the documents. The owner writes; who may see the owner
(the agency, or the province or ministry) reads."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openita.accounts.http import AuthenticatedRequest
from openita.agencies.services import get_visible_agency
from openita.core.web import attempt, posted

from . import documents, plans
from .forms import PhaseForm, PlanHeaderForm, StepForm, TimeframeForm
from .models import ActionPlan, PlanPhase, PlanStep
from .plans import Scope
from .rendering import prepare
from .views import _saved, _year, respond_with_document


def _plan(request: AuthenticatedRequest, plan_id: int) -> tuple[ActionPlan, bool]:
    """The plan if the person may read it (404 otherwise), and whether they may write it."""
    plan = get_object_or_404(ActionPlan.objects.select_related(
        "agency__province", "province", "parent"), pk=plan_id)
    user = request.user
    if plan.agency_id is not None:
        get_visible_agency(user, plan.agency_id)
        return plan, user.has_perm("planning.edit", plan.agency)
    if not user.has_perm("planning.view_scope", plan):
        raise Http404
    return plan, user.has_perm("planning.oversee", plan)


def _writer(request: AuthenticatedRequest, plan_id: int) -> ActionPlan:
    plan, can_write = _plan(request, plan_id)
    if not can_write:
        raise PermissionDenied
    return plan


def _phase_choices(plan: ActionPlan) -> list[tuple[int, str]]:
    return [(p.pk, p.title) for p in plan.phases.all()]


def owner_url(plan: ActionPlan) -> str:
    if plan.agency_id is not None:
        return reverse("agencies:planning", args=[plan.agency_id]) + f"?year={plan.fiscal_year}"
    kind, pk = ("province", plan.province_id) if plan.province_id else ("parent", plan.parent_id)
    return reverse("planning:scope", args=[kind, pk]) + f"?year={plan.fiscal_year}"


@login_required
@require_http_methods(["GET", "POST"])
def plan_page(request: AuthenticatedRequest, plan_id: int) -> HttpResponse:
    plan, can_write = _plan(request, plan_id)
    step_form = StepForm(None, fiscal_year=plan.fiscal_year, phases=_phase_choices(plan))
    header = PlanHeaderForm(None, initial={k: getattr(plan, k) for k in (
        "title", "introduction", "remarks", "issued_by", "signatory_name",
        "signatory_position", "announced_on")})
    phase_form = PhaseForm()
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        which = request.POST.get("form")
        if which == "step":
            step_form = StepForm(request.POST, fiscal_year=plan.fiscal_year,
                                 phases=_phase_choices(plan))
            if _saved(step_form, lambda: plans.save_step(
                    plan, phase=PlanPhase(pk=step_form.cleaned_data["phase"]),
                    acting_user=request.user, **step_form.values())):
                return redirect(request.path + "#steps")
        elif which == "header":
            header = PlanHeaderForm(request.POST)
            if _saved(header, lambda: plans.save_header(plan, acting_user=request.user,
                                                        **header.cleaned_data)):
                return redirect(request.path)
        elif which == "phase":
            phase_form = PhaseForm(request.POST)
            if _saved(phase_form, lambda: plans.save_phase(
                    plan, title=phase_form.cleaned_data["title"], acting_user=request.user)):
                return redirect(request.path + "#steps")
        else:
            raise Http404
    doc = prepare(documents.plan_document(plan))
    grid = next(b for b in doc["blocks"] if b["t"] == "grid")
    return render(request, "planning/plan.html", {
        "plan": plan, "phases": plans.steps_of(plan), "can_write": can_write,
        "step_form": step_form, "header": header, "phase_form": phase_form,
        "grid": grid["grid"], "grid_label": grid["label"], "back": owner_url(plan),
        "owner": documents._owner_name(plan)})


@login_required
@require_POST
def from_calendar(request: AuthenticatedRequest, plan_id: int) -> HttpResponse:
    plan = _writer(request, plan_id)
    attempt(request, lambda: plans.fill_from_calendar(plan, acting_user=request.user),
            _("The steps of the NACC calendar were added. Check and complete them."))
    return redirect("planning:plan", plan.pk)


@login_required
@require_http_methods(["GET", "POST"])
def step_page(request: AuthenticatedRequest, plan_id: int, step_id: int) -> HttpResponse:
    plan = _writer(request, plan_id)
    step = get_object_or_404(PlanStep, pk=step_id, phase__plan=plan)
    initial = {k: getattr(step, k) for k in ("action", "details", "responsible_unit",
                                             "remarks")} | {"phase": step.phase_id}
    form = StepForm(posted(request), fiscal_year=plan.fiscal_year,
                    phases=_phase_choices(plan), initial=initial | TimeframeForm.initial_for(
                        step))
    back = reverse("planning:plan", args=[plan.pk])
    if request.method == "POST" and _saved(form, lambda: plans.save_step(
            plan, step, phase=PlanPhase(pk=form.cleaned_data["phase"]),
            acting_user=request.user, **form.values())):
        return redirect(back + "#steps")
    return render(request, "planning/edit.html", {
        "form": form, "back": back, "heading": _("Change the step"),
        "delete_url": reverse("planning:step_delete", args=[plan.pk, step.pk])})


@login_required
@require_http_methods(["GET", "POST"])
def step_delete(request: AuthenticatedRequest, plan_id: int, step_id: int) -> HttpResponse:
    plan = _writer(request, plan_id)
    step = get_object_or_404(PlanStep, pk=step_id, phase__plan=plan)
    back = reverse("planning:plan", args=[plan.pk])
    if request.method == "POST":
        attempt(request, lambda: plans.delete_step(step, acting_user=request.user),
                _("The step was removed."))
        return redirect(back + "#steps")
    return render(request, "planning/confirm.html", {
        "back": back, "heading": _("Remove this step?"), "what": step.action,
        "button": _("Remove the step"),
        "consequence": _("The step leaves the plan and its month grid. The audit log keeps "
                         "a copy.")})


@login_required
@require_http_methods(["GET", "POST"])
def phase_delete(request: AuthenticatedRequest, plan_id: int, phase_id: int) -> HttpResponse:
    plan = _writer(request, plan_id)
    phase = get_object_or_404(PlanPhase, pk=phase_id, plan=plan)
    back = reverse("planning:plan", args=[plan.pk])
    if request.method == "POST":
        attempt(request, lambda: plans.delete_phase(phase, acting_user=request.user),
                _("The phase was removed."))
        return redirect(back + "#steps")
    return render(request, "planning/confirm.html", {
        "back": back, "heading": _("Remove this phase?"), "what": phase.title,
        "button": _("Remove the phase"),
        "consequence": _("Only a phase without steps can be removed.")})


@login_required
@require_GET
def plan_download(request: AuthenticatedRequest, plan_id: int, fmt: str) -> HttpResponse:
    plan, _can_write = _plan(request, plan_id)
    return respond_with_document(documents.plan_document(plan), fmt,
                                 request.GET.get("digits") == "thai")


@login_required
@require_POST
def start_agency_plan(request: AuthenticatedRequest, pk: int, fiscal_year: int
                      ) -> HttpResponse:
    agency = get_visible_agency(request.user, pk)
    found: dict[str, Any] = {}
    if attempt(request, lambda: found.setdefault("plan", plans.start_plan(
            agency, _year(fiscal_year), acting_user=request.user)), _("The plan is started.")):
        return redirect("planning:plan", found["plan"].pk)
    return redirect(reverse("agencies:planning", args=[agency.pk]) + f"?year={fiscal_year}")


def start_scope_plan(request: AuthenticatedRequest, scope: Scope, fiscal_year: int
                     ) -> HttpResponse:
    found: dict[str, Any] = {}
    if attempt(request, lambda: found.setdefault("plan", plans.start_plan(
            scope, _year(fiscal_year), acting_user=request.user)), _("The plan is started.")):
        return redirect("planning:plan", found["plan"].pk)
    return redirect(request.path)
