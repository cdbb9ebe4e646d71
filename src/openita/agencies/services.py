"""Agency registry and enrolment: who sees which agency, and every change to them.

Each change is one function: it checks the permission (and the phase window where one
applies), runs in one transaction and writes its audit row inside it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat, Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from openita.accounts.models import ConsultantTeam
from openita.accounts.predicates import roles_of
from openita.calendars import services as calendar
from openita.calendars.models import AssessmentYear, Phase
from openita.core import audit, locks
from openita.core.errors import ActionRefused
from openita.core.permissions import require

from .models import (
    LOCAL_KINDS,
    SIZED_KINDS,
    Agency,
    AgencyContact,
    Enrolment,
    EnrolmentState,
)

PROFILE_FIELDS = ["website", "address", "phone", "email"]
REGISTRY_FIELDS = [
    "code", "name_th", "name_en", "kind", "size_class", "parent", "province", "group",
    "website", "address", "phone", "email", "active",
]


# --- scope -----------------------------------------------------------------------------


def scope_filter(user: Any) -> Q | None:
    """The agencies ``user`` may see as a filter; None means all (NACC), Q() means none."""
    roles = roles_of(user)
    if roles.nacc_admin:
        return None
    scope = Q(pk__in=[])
    if roles.agency_ids:
        scope |= Q(pk__in=roles.agency_ids)
    if roles.team_ids:
        group_ids = ConsultantTeam.groups.through.objects.filter(
            consultantteam_id__in=roles.team_ids
        ).values_list("agencygroup_id", flat=True)
        scope |= Q(group_id__in=list(group_ids))
    if roles.oversight_provinces:
        scope |= Q(province_id__in=roles.oversight_provinces)
    if roles.oversight_parents:
        for lineage in Agency.objects.filter(pk__in=roles.oversight_parents).values_list(
            "lineage", flat=True
        ):
            if lineage:  # an empty path would match every agency
                scope |= Q(lineage__startswith=lineage)
    return scope


def visible_agencies(user: Any) -> QuerySet[Agency]:
    """Every list and detail page of agencies goes through here."""
    scope = scope_filter(user)
    queryset = Agency.objects.all()
    return queryset if scope is None else queryset.filter(scope)


def get_visible_agency(user: Any, pk: int) -> Agency:
    """The agency if ``user`` may see it; otherwise 404, so existence does not leak."""
    agency = (
        visible_agencies(user).select_related("province", "parent", "group").filter(pk=pk).first()
    )
    if agency is None:
        raise Http404
    return agency


def with_enrolment_state(queryset: QuerySet[Agency], year: AssessmentYear | None):
    """Annotate ``enrolment_state`` for ``year`` (not registered when there is no row)."""
    if year is None:
        return queryset.annotate(enrolment_state=Value(EnrolmentState.NOT_REGISTERED))
    state = Enrolment.objects.filter(agency=OuterRef("pk"), year=year).values("state")[:1]
    return queryset.annotate(
        enrolment_state=Coalesce(Subquery(state), Value(EnrolmentState.NOT_REGISTERED))
    )


# --- registry --------------------------------------------------------------------------


def lineage_of(parent: Agency | None, pk: int) -> str:
    return f"{parent.lineage if parent else '/'}{pk}/"


REGISTRY_LOCK = "agency-registry"


def agency_by_code(code: str) -> Agency | None:
    """The agency whose code is ``code`` in any letter case."""
    code = (code or "").strip()
    return Agency.objects.filter(code__iexact=code).first() if code else None


def registry_problems(agency: Agency) -> dict[str, str]:
    """Rules that tie the size class and the province to the agency type."""
    problems = {}
    if agency.kind in SIZED_KINDS and not agency.size_class:
        problems["size_class"] = _("This type of agency needs a size class (S, M or L).")
    if agency.kind and agency.kind not in SIZED_KINDS and agency.size_class:
        problems["size_class"] = _("A size class applies only to SAOs and sub-district "
                                   "municipalities.")
    if agency.kind in LOCAL_KINDS and agency.province_id is None:
        problems["province"] = _("This type of agency belongs to a province; choose it.")
    return problems


def check_parent(agency: Agency, parent: Agency | None) -> None:
    """A parent may not be the agency itself or one of its descendants."""
    if parent is None or agency.pk is None:
        return
    lineage = Agency.objects.filter(pk=agency.pk).values_list("lineage", flat=True).first()
    parent_lineage = Agency.objects.filter(pk=parent.pk).values_list("lineage", flat=True).first()
    if parent.pk == agency.pk or (lineage and (parent_lineage or "").startswith(lineage)):
        raise ActionRefused(_("An agency cannot be its own parent organisation."), field="parent")


def _relink_descendants(agency: Agency, old_lineage: str) -> None:
    """Rewrite the lineage of every descendant, in one UPDATE, after ``agency`` moved."""
    if not old_lineage or old_lineage == agency.lineage:
        return
    Agency.objects.filter(lineage__startswith=old_lineage).exclude(pk=agency.pk).update(
        lineage=Concat(Value(agency.lineage), Substr("lineage", len(old_lineage) + 1))
    )


@transaction.atomic
def save_agency(agency: Agency, *, acting_user: Any) -> Agency:
    """Create or change a registry record (NACC): keeps the hierarchy path and audits.

    Moves in the hierarchy are serialised so two concurrent moves cannot form a loop.
    """
    require(acting_user, "agencies.manage_registry")
    locks.hold(REGISTRY_LOCK)
    check_parent(agency, agency.parent)
    for field, message in registry_problems(agency).items():
        raise ActionRefused(message, field=field)
    before = None
    old_lineage = ""
    if agency.pk:
        stored = Agency.objects.select_for_update().get(pk=agency.pk)
        before = audit.snapshot(stored, REGISTRY_FIELDS)
        old_lineage = stored.lineage
    agency.save()
    agency.lineage = lineage_of(agency.parent, agency.pk)
    agency.save(update_fields=["lineage"])
    _relink_descendants(agency, old_lineage)
    audit.record("agency.create" if before is None else "agency.update", actor=acting_user,
                 obj=agency, before=before, after=audit.snapshot(agency, REGISTRY_FIELDS))
    return agency


@transaction.atomic
def set_agency_active(agency: Agency, active: bool, reason: str, *, acting_user: Any) -> Agency:
    """Deactivate (or reactivate) an agency; records are kept, never deleted."""
    require(acting_user, "agencies.manage_registry")
    if not (reason or "").strip():
        raise ActionRefused(_("Give the reason."), field="reason")
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.active == active:
        return agency
    agency.active = active
    agency.save(update_fields=["active", "updated_at"])
    audit.record("agency.activate" if active else "agency.deactivate", actor=acting_user,
                 obj=agency, before={"active": not active}, after={"active": active},
                 reason=reason.strip())
    return agency


@transaction.atomic
def update_profile(agency: Agency, data: dict, *, acting_user: Any) -> Agency:
    """The agency's own people keep its website and contact details current."""
    require(acting_user, "agencies.change_profile", agency)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    before = audit.snapshot(agency, PROFILE_FIELDS)
    for field in PROFILE_FIELDS:
        setattr(agency, field, data.get(field, ""))
    agency.save(update_fields=[*PROFILE_FIELDS, "updated_at"])
    after = audit.snapshot(agency, PROFILE_FIELDS)
    if after != before:
        audit.record("agency.update_profile", actor=acting_user, obj=agency,
                     before=before, after=after)
    return agency


CONTACT_FIELDS = ["name", "position", "phone", "email", "is_primary"]


@transaction.atomic
def save_contact(contact: AgencyContact, *, acting_user: Any) -> AgencyContact:
    require(acting_user, "agencies.change_profile", contact.agency)
    before = None
    if contact.pk:
        stored = AgencyContact.objects.get(pk=contact.pk, agency=contact.agency)
        before = audit.snapshot(stored, CONTACT_FIELDS)
    if contact.is_primary:
        AgencyContact.objects.filter(agency=contact.agency).exclude(pk=contact.pk).update(
            is_primary=False
        )
    contact.save()
    audit.record("contact.save", actor=acting_user, obj=contact, before=before,
                 after=audit.snapshot(contact, CONTACT_FIELDS))
    return contact


@transaction.atomic
def delete_contact(contact: AgencyContact, *, acting_user: Any) -> None:
    require(acting_user, "agencies.change_profile", contact.agency)
    audit.record("contact.delete", actor=acting_user, obj=contact,
                 before=audit.snapshot(contact, CONTACT_FIELDS))
    contact.delete()


# --- enrolment -------------------------------------------------------------------------


def enrolment_for(agency: Agency, year: AssessmentYear | None) -> Enrolment | None:
    """The agency's enrolment in ``year``, unsaved and 'not registered' when absent."""
    if year is None:
        return None
    found = Enrolment.objects.filter(agency=agency, year=year).first()
    return found or Enrolment(agency=agency, year=year)


def _locked_enrolment(agency: Agency, year: AssessmentYear) -> Enrolment:
    enrolment, _created = Enrolment.objects.get_or_create(agency=agency, year=year)
    return Enrolment.objects.select_for_update().get(pk=enrolment.pk)


# Each step of the enrolment: the permission it needs and the states it may start from.
ENROLMENT_STEPS: dict[str, tuple[str, frozenset[str]]] = {
    "enrol": ("agencies.enrol", frozenset({EnrolmentState.NOT_REGISTERED})),
    "submit_headcount": ("agencies.submit_headcount", frozenset({
        EnrolmentState.REGISTERED, EnrolmentState.HEADCOUNT_SUBMITTED,
        EnrolmentState.HEADCOUNT_APPROVED})),
    "approve_headcount": ("agencies.approve_headcount",
                          frozenset({EnrolmentState.HEADCOUNT_SUBMITTED})),
}


def enrolment_actions(user: Any, enrolment: Enrolment | None) -> set[str]:
    """The enrolment steps ``user`` could take now (the page offers exactly these)."""
    if enrolment is None:
        return set()
    return {name for name, (permission, states) in ENROLMENT_STEPS.items()
            if enrolment.state in states and user.has_perm(permission, enrolment.agency)}


def _require_active(agency: Agency) -> None:
    if not agency.active:
        raise ActionRefused(_("This agency is not active in the registry."))


def _refuse_state(enrolment: Enrolment, allowed: set[str]) -> None:
    if enrolment.state not in allowed:
        raise ActionRefused(
            _("Not possible while the enrolment is “%(state)s”.")
            % {"state": enrolment.get_state_display()}
        )


@transaction.atomic
def enrol(agency: Agency, year: AssessmentYear, *, acting_user: Any) -> Enrolment:
    """Register the agency for the year (Step 1) during the registration window."""
    require(acting_user, "agencies.enrol", agency)
    _require_active(agency)
    calendar.require_open(year, Phase.REGISTRATION, agency)
    enrolment = _locked_enrolment(agency, year)
    _refuse_state(enrolment, ENROLMENT_STEPS["enrol"][1])
    enrolment.state = EnrolmentState.REGISTERED
    enrolment.registered_at = timezone.now()
    enrolment.registered_by = acting_user
    enrolment.save()
    audit.record("enrolment.register", actor=acting_user, obj=enrolment,
                 before={"state": EnrolmentState.NOT_REGISTERED},
                 after={"state": enrolment.state, "year": year.fiscal_year})
    return enrolment


@transaction.atomic
def submit_headcount(
    agency: Agency, year: AssessmentYear, headcount: int, *, acting_user: Any
) -> Enrolment:
    """Enter the number of staff with at least one year of service; the executive approves.

    Changing an approved headcount sends it back for approval again.
    """
    require(acting_user, "agencies.submit_headcount", agency)
    _require_active(agency)
    calendar.require_open(year, Phase.REGISTRATION, agency)
    whole = isinstance(headcount, int) and not isinstance(headcount, bool)
    if not whole or headcount < 1 or headcount > 1_000_000:
        raise ActionRefused(_("Enter a whole number from 1 to 1,000,000."), field="headcount")
    enrolment = _locked_enrolment(agency, year)
    _refuse_state(enrolment, ENROLMENT_STEPS["submit_headcount"][1])
    before = {"state": enrolment.state, "headcount": enrolment.headcount}
    enrolment.headcount = headcount
    enrolment.state = EnrolmentState.HEADCOUNT_SUBMITTED
    enrolment.headcount_submitted_at = timezone.now()
    enrolment.headcount_submitted_by = acting_user
    enrolment.headcount_approved_at = None
    enrolment.headcount_approved_by = None
    enrolment.headcount_returned_reason = ""
    enrolment.save()
    audit.record("enrolment.submit_headcount", actor=acting_user, obj=enrolment, before=before,
                 after={"state": enrolment.state, "headcount": headcount})
    return enrolment


@transaction.atomic
def approve_headcount(agency: Agency, year: AssessmentYear, *, acting_user: Any) -> Enrolment:
    """The executive approves the submitted headcount; never the person who entered it."""
    require(acting_user, "agencies.approve_headcount", agency)
    _require_active(agency)
    calendar.require_open(year, Phase.REGISTRATION, agency)
    enrolment = _locked_enrolment(agency, year)
    _refuse_state(enrolment, ENROLMENT_STEPS["approve_headcount"][1])
    if enrolment.headcount_submitted_by_id == acting_user.pk:
        raise ActionRefused(_("The person who entered the headcount cannot also approve it."))
    enrolment.state = EnrolmentState.HEADCOUNT_APPROVED
    enrolment.headcount_approved_at = timezone.now()
    enrolment.headcount_approved_by = acting_user
    enrolment.save()
    audit.record("enrolment.approve_headcount", actor=acting_user, obj=enrolment,
                 before={"state": EnrolmentState.HEADCOUNT_SUBMITTED},
                 after={"state": enrolment.state, "headcount": enrolment.headcount})
    return enrolment


@transaction.atomic
def return_headcount(
    agency: Agency, year: AssessmentYear, reason: str, *, acting_user: Any
) -> Enrolment:
    """The executive sends the headcount back to the admins with a reason."""
    require(acting_user, "agencies.approve_headcount", agency)
    _require_active(agency)
    calendar.require_open(year, Phase.REGISTRATION, agency)
    if not (reason or "").strip():
        raise ActionRefused(_("Give the reason."), field="reason")
    enrolment = _locked_enrolment(agency, year)
    _refuse_state(enrolment, ENROLMENT_STEPS["approve_headcount"][1])
    enrolment.state = EnrolmentState.REGISTERED
    enrolment.headcount_returned_reason = reason.strip()
    enrolment.save()
    audit.record("enrolment.return_headcount", actor=acting_user, obj=enrolment,
                 before={"state": EnrolmentState.HEADCOUNT_SUBMITTED},
                 after={"state": enrolment.state}, reason=reason.strip())
    return enrolment
