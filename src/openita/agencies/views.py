"""Agency pages: thin views over ``services`` (permissions and rules live there)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openita.accounts import services as accounts
from openita.accounts.models import RoleGrant
from openita.calendars import services as calendar
from openita.calendars.models import AssessmentYear, Phase
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.web import attempt, posted, posted_files, refuse_into_form

from . import registry_io, services
from .forms import (
    AgencyFilterForm,
    AgencyInviteForm,
    ContactForm,
    HeadcountForm,
    ImportForm,
    ProfileForm,
    ReasonForm,
    RegistryForm,
)
from .models import Agency, AgencyContact, AgencyKind


def _filtered(request: HttpRequest, year):
    """The visible agencies narrowed by the filter form; a bad value drops only itself."""
    params = request.GET.copy()
    params.setdefault("active", "1")  # active agencies unless the person asks otherwise
    form = AgencyFilterForm(params)
    form.is_valid()
    data = form.cleaned_data
    queryset = services.visible_agencies(request.user).select_related("province")
    queryset = services.with_enrolment_state(queryset, year)
    if data.get("q"):
        queryset = queryset.filter(Q(code__icontains=data["q"]) | Q(name_th__icontains=data["q"])
                                   | Q(name_en__icontains=data["q"]))
    for name, lookup in (("kind", "kind"), ("region", "province__region"),
                         ("province", "province"), ("state", "enrolment_state")):
        if data.get(name):
            queryset = queryset.filter(**{lookup: data[name]})
    if data.get("active") in ("0", "1"):
        queryset = queryset.filter(active=data["active"] == "1")
    return form, queryset.order_by("code")


@login_required
def agency_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "agencies.list_agencies")
    year = calendar.current_year()
    form, queryset = _filtered(request, year)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "year": year, "query": query.urlencode()}
    # A history restore asks for the whole page, not the table alone.
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "agencies/_table.html" if partial else "agencies/list.html",
                      context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def agency_export(request: HttpRequest, fmt: str) -> HttpResponse:
    require(request.user, "agencies.list_agencies")
    _form, queryset = _filtered(request, calendar.current_year())
    if fmt == "xlsx":
        body = registry_io.export_xlsx(queryset)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, content_type = registry_io.export_csv(queryset), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="agencies.{fmt}"'
    return response


@login_required
def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agency = services.get_visible_agency(request.user, pk)
    year = calendar.current_year()
    grants = RoleGrant.objects.filter(agency=agency, revoked_at__isnull=True).select_related(
        "user")
    user = request.user
    enrolment = services.enrolment_for(agency, year)
    return render(request, "agencies/detail.html", {
        "agency": agency,
        "year": year,
        "enrolment": enrolment,
        "actions": services.enrolment_actions(user, enrolment),
        "registration": calendar.phase_status(year, Phase.REGISTRATION, agency) if year else None,
        "contacts": agency.contacts.all(),
        "grants": grants,
        "can": {
            "edit_profile": user.has_perm("agencies.change_profile", agency),
            "manage": user.has_perm("agencies.manage_registry"),
            "invite": user.has_perm("agencies.invite_people", agency),
        },
    })


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agency = services.get_visible_agency(request.user, pk)
    require(request.user, "agencies.change_profile", agency)
    form = ProfileForm(posted(request), instance=Agency.objects.get(pk=agency.pk))
    if request.method == "POST" and form.is_valid():
        services.update_profile(agency, form.cleaned_data, acting_user=request.user)
        messages.success(request, _("The profile is saved."))
        return redirect("agencies:detail", pk=agency.pk)
    return render(request, "agencies/form.html", {
        "agency": agency, "form": form, "title": _("Edit profile and contacts")})


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int, contact_id: int | None = None) -> HttpResponse:
    agency = services.get_visible_agency(request.user, pk)
    require(request.user, "agencies.change_profile", agency)
    contact = (get_object_or_404(AgencyContact, pk=contact_id, agency=agency)
               if contact_id else AgencyContact(agency=agency))
    form = ContactForm(posted(request), instance=contact)
    if request.method == "POST" and form.is_valid():
        services.save_contact(form.instance, acting_user=request.user)
        messages.success(request, _("The contact is saved."))
        return redirect("agencies:detail", pk=agency.pk)
    return render(request, "agencies/form.html", {
        "agency": agency, "form": form, "title": _("Contact"), "contact": contact})


@login_required
@require_POST
def contact_delete(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    agency = services.get_visible_agency(request.user, pk)
    contact = get_object_or_404(AgencyContact, pk=contact_id, agency=agency)
    services.delete_contact(contact, acting_user=request.user)
    messages.success(request, _("The contact is removed."))
    return redirect("agencies:detail", pk=agency.pk)


@login_required
@require_http_methods(["GET", "POST"])
def registry_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, "agencies.manage_registry")
    agency = get_object_or_404(Agency, pk=pk) if pk else Agency()
    form = RegistryForm(posted(request), instance=agency)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_agency(form.instance, acting_user=request.user)
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            messages.success(request, _("The registry record is saved."))
            return redirect("agencies:detail", pk=saved.pk)
    return render(request, "agencies/form.html", {
        "agency": agency if pk else None, "form": form,
        "title": _("Edit registry record") if pk else _("New agency")})


@login_required
@require_POST
def set_active(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "agencies.manage_registry")
    agency = get_object_or_404(Agency, pk=pk)
    form = ReasonForm(request.POST)
    active = request.POST.get("active") == "1"
    if not form.is_valid():
        messages.error(request, _("Give the reason."))
    else:
        services.set_agency_active(agency, active, form.cleaned_data["reason"],
                                   acting_user=request.user)
        messages.success(request, _("The agency is active again.") if active
                         else _("The agency is deactivated."))
    return redirect("agencies:detail", pk=agency.pk)


@login_required
@require_http_methods(["GET", "POST"])
def registry_import(request: HttpRequest) -> HttpResponse:
    require(request.user, "agencies.manage_registry")
    form = ImportForm(posted(request), posted_files(request))
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = registry_io.import_registry(upload.name, upload.read(),
                                                 acting_user=request.user)
        except registry_io.ImportRejected as error:
            form.add_error("file", str(error))
        else:
            if result.ok:
                messages.success(request, _("Import done: %(created)s new, %(updated)s changed, "
                                            "%(unchanged)s unchanged.") % {
                    "created": len(result.created), "updated": len(result.updated),
                    "unchanged": result.unchanged})
                return redirect("agencies:list")
    return render(request, "agencies/import.html", {
        "form": form, "result": result, "columns": registry_io.COLUMNS,
        "kinds": AgencyKind.choices})


# --- enrolment -------------------------------------------------------------------------


def _year_or_404(fiscal_year: int) -> AssessmentYear:
    return get_object_or_404(AssessmentYear, fiscal_year=fiscal_year)


@login_required
@require_POST
def enrol(request: HttpRequest, pk: int, fiscal_year: int) -> HttpResponse:
    agency = services.get_visible_agency(request.user, pk)
    attempt(request, lambda: services.enrol(agency, _year_or_404(fiscal_year),
                                            acting_user=request.user),
            _("The agency is registered for this year."))
    return redirect("agencies:detail", pk=agency.pk)


@login_required
@require_http_methods(["GET", "POST"])
def headcount(request: HttpRequest, pk: int, fiscal_year: int) -> HttpResponse:
    agency = services.get_visible_agency(request.user, pk)
    require(request.user, "agencies.submit_headcount", agency)
    year = _year_or_404(fiscal_year)
    enrolment = services.enrolment_for(agency, year)
    form = HeadcountForm(posted(request), initial={"headcount": enrolment.headcount})
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_headcount(agency, year, form.cleaned_data["headcount"],
                                      acting_user=request.user)
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            messages.success(request, _("The headcount is saved and waits for the executive's "
                                        "approval."))
            return redirect("agencies:detail", pk=agency.pk)
    return render(request, "agencies/form.html", {
        "agency": agency, "form": form, "title": _("Headcount for the IIT"),
        "phase": calendar.phase_status(year, Phase.REGISTRATION, agency)})


@login_required
@require_POST
def approve_headcount(request: HttpRequest, pk: int, fiscal_year: int) -> HttpResponse:
    agency = services.get_visible_agency(request.user, pk)
    attempt(request, lambda: services.approve_headcount(agency, _year_or_404(fiscal_year),
                                                        acting_user=request.user),
            _("The headcount is approved."))
    return redirect("agencies:detail", pk=agency.pk)


@login_required
@require_POST
def return_headcount(request: HttpRequest, pk: int, fiscal_year: int) -> HttpResponse:
    agency = services.get_visible_agency(request.user, pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    attempt(request, lambda: services.return_headcount(agency, _year_or_404(fiscal_year), reason,
                                                       acting_user=request.user),
            _("The headcount is sent back to the administrators."))
    return redirect("agencies:detail", pk=agency.pk)


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    agency = services.get_visible_agency(request.user, pk)
    require(request.user, "agencies.invite_people", agency)
    form = AgencyInviteForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _invitation, granted = accounts.invite(
                data["email"], data["role"], acting_user=request.user,
                full_name=data["full_name"], agency=agency,
                accept_url=lambda token: request.build_absolute_uri(
                    reverse("accounts:accept", args=[token])),
            )
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            messages.success(request, _("The role is granted.") if granted
                             else _("The invitation is sent to %(email)s.")
                             % {"email": data["email"]})
            return redirect("agencies:detail", pk=agency.pk)
    return render(request, "agencies/form.html", {
        "agency": agency, "form": form, "title": _("Invite a colleague")})
