"""Pages that bring several apps together: the home dashboard and an agency's own page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from openita.accounts.http import AuthenticatedRequest
from openita.accounts.models import RoleGrant
from openita.agencies.services import get_visible_agency
from openita.calendars import enrolment as enrolments
from openita.calendars import services as calendar
from openita.calendars.models import Phase

from . import dashboard


@require_GET
def home(request: AuthenticatedRequest) -> HttpResponse:
    """A signed-in person's dashboard; anyone else the public results."""
    if not request.user.is_authenticated:
        return redirect("portal:home")
    return render(request, "site/home.html", dashboard.for_user(request.user))


@login_required
@require_GET
def agency_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The agency's page: its registry record, its enrolment in the current year, its
    contacts and the people with a role there."""
    agency = get_visible_agency(request.user, pk)
    year = calendar.current_year()
    grants = RoleGrant.objects.filter(agency=agency, revoked_at__isnull=True).select_related(
        "user")
    user = request.user
    enrolment = enrolments.enrolment_for(agency, year)
    return render(request, "agencies/detail.html", {
        "agency": agency,
        "year": year,
        "enrolment": enrolment,
        "actions": enrolments.enrolment_actions(user, enrolment),
        "registration": calendar.phase_status(year, Phase.REGISTRATION, agency) if year else None,
        "contacts": agency.contacts.all(),
        "grants": grants,
        "can": {
            "edit_profile": user.has_perm("agencies.change_profile", agency),
            "manage": user.has_perm("agencies.manage_registry"),
            "invite": user.has_perm("agencies.invite_people", agency),
        },
    })
