"""Enrolment of an agency in an assessment year: registration and the IIT headcount.

Each step is one function: it checks the permission and the phase window, runs in one
transaction and writes its audit row inside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, overload

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from openita.accounts.duties import refuse_if_inactive, require_independent_approver
from openita.accounts.models import User
from openita.agencies.models import Agency
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require

from .models import AssessmentYear, AuditAction, Enrolment, EnrolmentState, Phase
from .services import require_open


class _State(TypedDict):
    enrolment_state: str


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    AgencyWithState = WithAnnotations[Agency, _State]


def with_enrolment_state(queryset: QuerySet[Agency], year: AssessmentYear | None
                         ) -> QuerySet[AgencyWithState]:
    """Annotate ``enrolment_state`` for ``year`` (not registered when there is no row)."""
    if year is None:
        return queryset.annotate(enrolment_state=Value(EnrolmentState.NOT_REGISTERED))
    state = Enrolment.objects.filter(agency=OuterRef("pk"), year=year).values("state")[:1]
    return queryset.annotate(
        enrolment_state=Coalesce(Subquery(state), Value(EnrolmentState.NOT_REGISTERED))
    )




@overload
def enrolment_for(agency: Agency, year: AssessmentYear) -> Enrolment: ...
@overload
def enrolment_for(agency: Agency, year: None) -> None: ...
def enrolment_for(agency: Agency, year: AssessmentYear | None) -> Enrolment | None:
    """The agency's enrolment in ``year``, unsaved and 'not registered' when absent; None
    when there is no year."""
    if year is None:
        return None
    found = Enrolment.objects.filter(agency=agency, year=year).first()
    return found or Enrolment(agency=agency, year=year)


def enrolments_for(agencies: list[Agency], year: AssessmentYear) -> dict[int, Enrolment]:
    """``enrolment_for`` of several agencies in one query, keyed by agency id."""
    found = {e.agency_id: e for e in Enrolment.objects.filter(agency__in=agencies, year=year)}
    return {a.pk: found.get(a.pk) or Enrolment(agency=a, year=year) for a in agencies}


def _locked_enrolment(agency: Agency, year: AssessmentYear) -> Enrolment:
    enrolment, _created = Enrolment.objects.get_or_create(agency=agency, year=year)
    return Enrolment.objects.select_for_update().get(pk=enrolment.pk)


# Each step of the enrolment: the permission it needs and the states it may start from.
ENROLMENT_STEPS: dict[str, tuple[str, frozenset[str]]] = {
    "enrol": ("calendars.enrol", frozenset({EnrolmentState.NOT_REGISTERED})),
    "submit_headcount": ("calendars.submit_headcount", frozenset({
        EnrolmentState.REGISTERED, EnrolmentState.HEADCOUNT_SUBMITTED,
        EnrolmentState.HEADCOUNT_APPROVED})),
    "approve_headcount": ("calendars.approve_headcount",
                          frozenset({EnrolmentState.HEADCOUNT_SUBMITTED})),
}


def enrolment_actions(user: Any, enrolment: Enrolment | None) -> set[str]:
    """The enrolment steps ``user`` could take now (the page offers exactly these)."""
    if enrolment is None:
        return set()
    return {name for name, (permission, states) in ENROLMENT_STEPS.items()
            if enrolment.state in states and user.has_perm(permission, enrolment.agency)}


def _may_take(step: str, agency: Agency, year: AssessmentYear, acting_user: User) -> None:
    """The permission of ``step``, an active agency and an open registration window."""
    refuse_if_inactive(acting_user, agency)  # its own people are told why, politely
    require(acting_user, ENROLMENT_STEPS[step][0], agency)
    if not agency.active:
        raise ActionRefused(_("This agency is not active in the registry."))
    require_open(year, Phase.REGISTRATION, agency)


def _locked_for(step: str, agency: Agency, year: AssessmentYear) -> Enrolment:
    """The enrolment, locked for the rest of the transaction, if ``step`` may start from
    its state."""
    enrolment = _locked_enrolment(agency, year)
    if enrolment.state not in ENROLMENT_STEPS[step][1]:
        raise ActionRefused(
            _("Not possible while the enrolment is “%(state)s”.")
            % {"state": enrolment.get_state_display()}
        )
    return enrolment


@transaction.atomic
def enrol(agency: Agency, year: AssessmentYear, *, acting_user: User) -> Enrolment:
    """Register the agency for the year (Step 1) during the registration window."""
    _may_take("enrol", agency, year, acting_user)
    enrolment = _locked_for("enrol", agency, year)
    enrolment.state = EnrolmentState.REGISTERED
    enrolment.registered_at = timezone.now()
    enrolment.registered_by = acting_user
    enrolment.save()
    audit.record(AuditAction.ENROL, actor=acting_user, obj=enrolment,
                 before={"state": EnrolmentState.NOT_REGISTERED},
                 after={"state": enrolment.state, "year": year.fiscal_year})
    return enrolment


@transaction.atomic
def submit_headcount(
    agency: Agency, year: AssessmentYear, headcount: int, *, acting_user: User
) -> Enrolment:
    """Enter the number of staff with at least one year of service; the executive approves.

    Changing an approved headcount sends it back for approval again.
    """
    _may_take("submit_headcount", agency, year, acting_user)
    whole = isinstance(headcount, int) and not isinstance(headcount, bool)
    if not whole or headcount < 1 or headcount > 1_000_000:
        raise ActionRefused(_("Enter a whole number from 1 to 1,000,000."), field="headcount")
    enrolment = _locked_for("submit_headcount", agency, year)
    before = {"state": enrolment.state, "headcount": enrolment.headcount}
    enrolment.headcount = headcount
    enrolment.state = EnrolmentState.HEADCOUNT_SUBMITTED
    enrolment.headcount_submitted_at = timezone.now()
    enrolment.headcount_submitted_by = acting_user
    enrolment.headcount_approved_at = None
    enrolment.headcount_approved_by = None
    enrolment.headcount_returned_reason = ""
    enrolment.save()
    audit.record(AuditAction.HEADCOUNT_SUBMIT, actor=acting_user, obj=enrolment, before=before,
                 after={"state": enrolment.state, "headcount": headcount})
    return enrolment


@transaction.atomic
def approve_headcount(agency: Agency, year: AssessmentYear, *, acting_user: User) -> Enrolment:
    """The executive approves the submitted headcount; never the person who entered it,
    nor an executive whose role that person proposed (``duties``)."""
    _may_take("approve_headcount", agency, year, acting_user)
    enrolment = _locked_for("approve_headcount", agency, year)
    require_independent_approver(acting_user, agency, enrolment.headcount_submitted_by_id)
    enrolment.state = EnrolmentState.HEADCOUNT_APPROVED
    enrolment.headcount_approved_at = timezone.now()
    enrolment.headcount_approved_by = acting_user
    enrolment.save()
    audit.record(AuditAction.HEADCOUNT_APPROVE, actor=acting_user, obj=enrolment,
                 before={"state": EnrolmentState.HEADCOUNT_SUBMITTED},
                 after={"state": enrolment.state, "headcount": enrolment.headcount})
    return enrolment


@transaction.atomic
def return_headcount(
    agency: Agency, year: AssessmentYear, reason: str, *, acting_user: User
) -> Enrolment:
    """The executive sends the headcount back to the admins with a reason."""
    _may_take("approve_headcount", agency, year, acting_user)  # sending back is its other side
    if not (reason or "").strip():
        raise ActionRefused(_("Give the reason."), field="reason")
    enrolment = _locked_for("approve_headcount", agency, year)
    enrolment.state = EnrolmentState.REGISTERED
    enrolment.headcount_returned_reason = reason.strip()
    enrolment.save()
    audit.record(AuditAction.HEADCOUNT_RETURN, actor=acting_user, obj=enrolment,
                 before={"state": EnrolmentState.HEADCOUNT_SUBMITTED},
                 after={"state": enrolment.state}, reason=reason.strip())
    return enrolment
