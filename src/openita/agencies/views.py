"""Registry pages: records, profiles, contacts, imports and invitations; thin views over
``services`` (permissions and rules live there)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openita.accounts import services as accounts
from openita.accounts.http import AuthenticatedRequest
from openita.accounts.models import Confirmation, Invitation
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.web import (
    posted,
    posted_files,
    refuse_into_form,
    refuse_into_messages,
    site_url,
)

from . import registry_io, services
from .forms import (
    AgencyInviteForm,
    ContactForm,
    GrantForm,
    ImportForm,
    ProfileForm,
    ReasonForm,
    RegistryForm,
)
from .models import Agency, AgencyContact, AgencyKind


def _refused(request: AuthenticatedRequest, agency: Agency, error: ActionRefused
             ) -> HttpResponse:
    """Back to the agency's page, saying why (e.g. the agency is deactivated)."""
    refuse_into_messages(request, error)
    return redirect("agencies:detail", pk=agency.pk)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agency = services.get_visible_agency(request.user, pk)
    try:
        services.require_change(request.user, agency)
    except ActionRefused as error:
        return _refused(request, agency, error)
    form = ProfileForm(posted(request), instance=Agency.objects.get(pk=agency.pk))
    if request.method == "POST" and form.is_valid():
        services.update_profile(agency, form.cleaned_data, acting_user=request.user)
        messages.success(request, _("The profile is saved."))
        return redirect("agencies:detail", pk=agency.pk)
    return render(request, "agencies/form.html", {
        "agency": agency, "form": form, "title": _("Edit profile and contacts")})


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(
    request: AuthenticatedRequest, pk: int, contact_id: int | None = None
) -> HttpResponse:
    agency = services.get_visible_agency(request.user, pk)
    try:
        services.require_change(request.user, agency)
    except ActionRefused as error:
        return _refused(request, agency, error)
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
def contact_delete(request: AuthenticatedRequest, pk: int, contact_id: int) -> HttpResponse:
    agency = services.get_visible_agency(request.user, pk)
    contact = get_object_or_404(AgencyContact, pk=contact_id, agency=agency)
    try:
        services.delete_contact(contact, acting_user=request.user)
    except ActionRefused as error:
        return _refused(request, agency, error)
    messages.success(request, _("The contact is removed."))
    return redirect("agencies:detail", pk=agency.pk)


@login_required
@require_http_methods(["GET", "POST"])
def registry_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
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
def set_active(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
def registry_import(request: AuthenticatedRequest) -> HttpResponse:
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


def _invitation_sent(request: AuthenticatedRequest, invitation: Invitation) -> None:
    messages.success(request, _("The invitation is sent to %(email)s.")
                     % {"email": invitation.email})
    if invitation.confirmation == Confirmation.PENDING:
        messages.info(request, _("An executive role starts only once NACC (or the provincial "
                                 "office, for local administrations) confirms it."))


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agency = services.get_visible_agency(request.user, pk)
    try:
        services.require_change(request.user, agency, "agencies.invite_people")
    except ActionRefused as error:
        return _refused(request, agency, error)
    form = AgencyInviteForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = accounts.invite(
                data["email"], data["role"], acting_user=request.user,
                full_name=data["full_name"], agency=agency,
                site_url=site_url(request),
            )
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            # The same words whether or not the address has an account: the inviter
            # learns nothing about it.
            _invitation_sent(request, invitation)
            return redirect("agencies:detail", pk=agency.pk)
    return render(request, "agencies/form.html", {
        "agency": agency, "form": form, "title": _("Invite a colleague")})


@login_required
@require_http_methods(["GET", "POST"])
def grant(request: AuthenticatedRequest) -> HttpResponse:
    """NACC: give a role to a person, inviting them if they have no account yet. Here,
    not in accounts, because a role is given for an agency, a province or a parent body
    of the registry (mounted under /accounts/people/ by the root URLconf)."""
    require(request.user, "accounts.manage_people")
    form = GrantForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = accounts.invite(
                data["email"], data["role"], acting_user=request.user,
                full_name=data["full_name"],
                site_url=site_url(request),
                **form.target(),
            )
        except ActionRefused as error:
            refuse_into_form(form, error, {"agency": "agency_code", "parent": "parent_code"})
        else:
            _invitation_sent(request, invitation)
            return redirect("accounts:people")
    return render(request, "accounts/grant.html", {"form": form})
