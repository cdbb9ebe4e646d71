"""Invitations, people and roles, consultant teams (sign-in is in signin.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openita.core.errors import ActionRefused
from openita.core.forms import search_text
from openita.core.permissions import require
from openita.core.web import attempt, posted, refuse_into_form

from . import duties, services
from .duty_forms import ExecutiveDecisionForm
from .forms import AcceptInvitationForm, TeamForm
from .http import AuthenticatedRequest
from .models import Confirmation, ConsultantTeam, RoleGrant, User


def _accepted(request: HttpRequest, grant: object | None, pending: bool) -> None:
    if pending:
        messages.info(request, _("You accepted. The executive role starts once NACC confirms "
                                 "it; you will get an e-mail then."))
    elif grant is not None:
        messages.success(request, _("You accepted. The role is yours now."))


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invited person accepts: with a new account, or signed in with the invited
    address when it has one (the link's holder owns that mailbox, so may know)."""
    invitation = services.pending_invitation(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    pending = invitation.confirmation == Confirmation.PENDING
    if services.has_account(invitation):
        user = request.user
        signed_in_as_invited = (user.is_authenticated
                                and getattr(user, "email", "").lower() == invitation.email)
        if request.method == "POST":
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                grant = services.accept_invitation_as(token, acting_user=user)
            except ActionRefused as error:
                messages.error(request, str(error.message))
            else:
                _accepted(request, grant, pending)
                return redirect("site:home")
        return render(request, "accounts/accept.html", {
            "invitation": invitation, "has_account": True, "pending": pending,
            "signed_in_as_invited": signed_in_as_invited,
            "login_url": reverse("accounts:login") + "?" + urlencode(
                {"next": request.get_full_path()})})
    form = AcceptInvitationForm(posted(request),
                                initial={"full_name": invitation.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(token, form.cleaned_data["full_name"],
                                              form.cleaned_data["password1"])
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            _accepted(request, None, pending)
            return redirect("site:home")
    return render(request, "accounts/accept.html", {"form": form, "invitation": invitation,
                                                    "pending": pending})


@login_required
def people(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, "accounts.manage_people")
    q = search_text(request.GET)
    users = User.objects.prefetch_related("grants")
    if q:
        users = users.filter(Q(email__icontains=q) | Q(full_name__icontains=q))
    page = Paginator(users.order_by("full_name"), 50).get_page(request.GET.get("page"))
    invitations = services.open_invitations()[:50]
    return render(request, "accounts/people.html", {
        "page": page, "q": q, "invitations": invitations,
        "query": urlencode({"q": q}) if q else ""})


@login_required
def person(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require(request.user, "accounts.manage_people")
    target = get_object_or_404(User, pk=pk)
    return render(request, "accounts/person.html",
                  {"person": target, "grants": services.active_grants(target)})


@login_required
@require_POST
def revoke(request: AuthenticatedRequest, grant_id: int) -> HttpResponse:
    grant_row = get_object_or_404(services.grants_managed_by(request.user), pk=grant_id)
    attempt(request, lambda: services.revoke_role(grant_row, request.POST.get("reason", ""),
                                                  acting_user=request.user),
            _("The role is removed."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("accounts:person", args=[grant_row.user_id])
    return redirect(back)


@login_required
@require_POST
def cancel_invitation(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(services.invitations_managed_by(request.user), pk=pk)
    attempt(request, lambda: services.cancel_invitation(invitation, acting_user=request.user),
            _("The invitation is withdrawn."))
    return redirect("accounts:people")


@login_required
def teams(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, "accounts.manage_teams")
    rows = ConsultantTeam.objects.prefetch_related("groups")
    return render(request, "accounts/teams.html", {"teams": rows})


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, "accounts.manage_teams")
    team = get_object_or_404(ConsultantTeam, pk=pk) if pk else ConsultantTeam()
    form = TeamForm(posted(request), instance=team)
    if request.method == "POST" and form.is_valid():
        groups = [g.pk for g in form.cleaned_data["groups"]]
        services.save_team(form.instance, groups, acting_user=request.user)
        messages.success(request, _("The team is saved."))
        return redirect("accounts:teams")
    members = (RoleGrant.objects.filter(team=team, revoked_at__isnull=True)
               .select_related("user") if pk else [])
    return render(request, "accounts/team_form.html",
                  {"form": form, "team": team if pk else None, "members": members})


@login_required
@require_POST
def team_lead(request: AuthenticatedRequest, pk: int, grant_id: int) -> HttpResponse:
    """NACC names a member the team's lead, or stands them down."""
    require(request.user, "accounts.manage_teams")
    grant = get_object_or_404(RoleGrant, pk=grant_id, team_id=pk, revoked_at__isnull=True)
    lead = request.POST.get("lead") == "1"
    attempt(request, lambda: services.set_team_lead(grant, lead, acting_user=request.user),
            _("%(name)s now leads the team.") % {"name": grant.user.full_name} if lead
            else _("%(name)s no longer leads the team.") % {"name": grant.user.full_name})
    return redirect("accounts:team_edit", pk=pk)


@login_required
def executive_confirmations(request: AuthenticatedRequest) -> HttpResponse:
    """Executives proposed by agencies, waiting for NACC (or the provincial office)."""
    require(request.user, "accounts.confirm_executives")
    proposals = duties.confirmable_invitations(request.user)
    page = Paginator(proposals, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/confirmations.html", {"page": page})


@login_required
@require_POST
def decide_executive(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require(request.user, "accounts.confirm_executives")
    proposal = get_object_or_404(duties.confirmable_invitations(request.user), pk=pk)
    form = ExecutiveDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("accounts:confirmations")
    reason = form.cleaned_data["reason"]
    if form.cleaned_data["decision"] == ExecutiveDecisionForm.CONFIRM:
        attempt(request, lambda: services.confirm_executive(
            proposal, reason, acting_user=request.user), _("The executive is confirmed."))
    else:
        attempt(request, lambda: services.refuse_executive(
            proposal, reason, acting_user=request.user),
            _("The proposal is refused; the person who proposed it is told why."))
    return redirect("accounts:confirmations")
