"""Assessment years and their calendars (NACC admin edits; everyone with a role reads)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openita.accounts.http import AuthenticatedRequest
from openita.agencies.services import agency_by_code, visible_agencies
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.web import attempt, posted, refuse_into_form
from openita.frameworks.forms import AttachForm

from . import services
from .forms import ExtensionForm, WindowForm, YearForm, YearSettingsForm
from .models import AssessmentYear, Phase, PhaseExtension


@login_required
def year_list(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, "calendars.view_years")
    return render(request, "calendars/year_list.html",
                  {"years": AssessmentYear.objects.all()})


@login_required
@require_http_methods(["GET", "POST"])
def year_new(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, "calendars.manage_years")
    form = YearForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            year = services.create_year(data["fiscal_year"], data["title"],
                                        acting_user=request.user,
                                        propose_calendar=data["propose_calendar"])
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            messages.success(request, _("The year is created."))
            return redirect("calendars:detail", fiscal_year=year.fiscal_year)
    return render(request, "calendars/year_new.html", {"form": form})


@login_required
def year_detail(request: AuthenticatedRequest, fiscal_year: int) -> HttpResponse:
    require(request.user, "calendars.view_years")
    year = get_object_or_404(AssessmentYear, fiscal_year=fiscal_year)
    return _render_detail(request, year)


def _render_detail(request, year, window_form=None, extension_form=None, framework_form=None,
                   settings_form=None, status=200):
    can_manage = request.user.has_perm("calendars.manage_years")
    windows = {p.phase: p for p in services.calendar_of(year)}

    base = {w.phase: w for w in year.windows.all()}
    rows = []
    for phase in Phase:
        status_row = windows.get(phase.value)
        form = window_form if window_form is not None and window_form.data.get(
            "phase") == phase.value else WindowForm(initial={
                "phase": phase.value,
                "opens_on": base[phase].opens_on if phase in base else None,
                "closes_on": base[phase].closes_on if phase in base else None})
        rows.append({"phase": phase, "status": status_row, "form": form})
    # Extensions for one agency are shown only to those who may see that agency.
    extensions = PhaseExtension.objects.filter(window__year=year).filter(
        Q(agency__isnull=True) | Q(agency__in=visible_agencies(request.user))
    ).select_related("window", "agency", "granted_by")
    return render(request, "calendars/year_detail.html", {
        "year": year, "rows": rows, "can_manage": can_manage, "extensions": extensions,
        "extension_form": extension_form or ExtensionForm(),
        "framework_form": framework_form or AttachForm(
            initial={"framework": year.framework_id}),
        "settings_form": settings_form or YearSettingsForm(initial={
            name: getattr(year, name) for name in YearSettingsForm.base_fields}),
    }, status=status)


@login_required
@require_POST
def window_save(request: AuthenticatedRequest, fiscal_year: int) -> HttpResponse:
    require(request.user, "calendars.manage_years")
    year = get_object_or_404(AssessmentYear, fiscal_year=fiscal_year)
    form = WindowForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.set_window(year, data["phase"], data["opens_on"], data["closes_on"],
                                acting_user=request.user)
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            messages.success(request, _("The dates are saved."))
            return redirect("calendars:detail", fiscal_year=fiscal_year)
    return _render_detail(request, year, window_form=form, status=400)


@login_required
@require_POST
def year_status(request: AuthenticatedRequest, fiscal_year: int) -> HttpResponse:
    require(request.user, "calendars.manage_years")
    year = get_object_or_404(AssessmentYear, fiscal_year=fiscal_year)
    attempt(request, lambda: services.set_year_status(year, request.POST.get("status", ""),
                                                      acting_user=request.user),
            _("The year's status is changed."))
    return redirect("calendars:detail", fiscal_year=fiscal_year)


@login_required
@require_POST
def year_settings(request: AuthenticatedRequest, fiscal_year: int) -> HttpResponse:
    require(request.user, "calendars.manage_years")
    year = get_object_or_404(AssessmentYear, fiscal_year=fiscal_year)
    form = YearSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.change_settings(year, acting_user=request.user, **form.cleaned_data)
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            messages.success(request, _("The settings are saved."))
            return redirect("calendars:detail", fiscal_year=fiscal_year)
    return _render_detail(request, year, settings_form=form, status=400)


@login_required
@require_POST
def attach_framework(request: AuthenticatedRequest, fiscal_year: int) -> HttpResponse:
    require(request.user, "calendars.manage_years")
    year = get_object_or_404(AssessmentYear, fiscal_year=fiscal_year)
    form = AttachForm(request.POST)
    if form.is_valid():
        try:
            services.attach_framework(year, form.cleaned_data["framework"],
                                      acting_user=request.user)
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            messages.success(request, _("The year's framework is set."))
            return redirect("calendars:detail", fiscal_year=fiscal_year)
    return _render_detail(request, year, framework_form=form, status=400)


@login_required
@require_POST
def extend(request: AuthenticatedRequest, fiscal_year: int) -> HttpResponse:
    require(request.user, "calendars.manage_years")
    year = get_object_or_404(AssessmentYear, fiscal_year=fiscal_year)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        agency = agency_by_code(data["agency_code"])
        if data["agency_code"].strip():
            if agency is None:
                form.add_error("agency_code", _("No agency has this code."))
        if form.is_valid():
            try:
                services.extend_phase(year, data["phase"], data["closes_on"], data["reason"],
                                      acting_user=request.user, agency=agency)
            except ActionRefused as error:
                refuse_into_form(form, error)
            else:
                messages.success(request, _("The phase is extended."))
                return redirect("calendars:detail", fiscal_year=fiscal_year)
    return _render_detail(request, year, extension_form=form, status=400)
