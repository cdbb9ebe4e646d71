"""Agency registry: who sees which agency, and every change to it.

Each change is one function: it checks the permission (and the phase window where one
applies), runs in one transaction and writes its audit row inside it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat, Substr
from django.http import Http404
from django.utils.translation import gettext as _

from openita.accounts.duties import refuse_if_inactive
from openita.accounts.models import ConsultantTeam, User
from openita.accounts.predicates import roles_of
from openita.core import audit, locks
from openita.core.errors import ActionRefused
from openita.core.permissions import require

from .models import LOCAL_KINDS, SIZED_KINDS, Agency, AgencyContact, AuditAction

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


REGISTRY_FILTERS = (("kind", "kind"), ("region", "province__region"), ("province", "province"))


def filter_registry(queryset: QuerySet[Agency], data: dict[str, Any]) -> QuerySet[Agency]:
    """Narrow a list of agencies by the registry filters (search, type, region, province,
    active) in ``data``, the cleaned data of ``forms.AgencyFilterForm``."""
    if data.get("q"):
        queryset = queryset.filter(Q(code__icontains=data["q"]) | Q(name_th__icontains=data["q"])
                                   | Q(name_en__icontains=data["q"]))
    for name, lookup in REGISTRY_FILTERS:
        if data.get(name):
            queryset = queryset.filter(**{lookup: data[name]})
    if data.get("active") in ("0", "1"):
        queryset = queryset.filter(active=data["active"] == "1")
    return queryset


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
def save_agency(agency: Agency, *, acting_user: User) -> Agency:
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
    action = AuditAction.AGENCY_CREATE if before is None else AuditAction.AGENCY_UPDATE
    audit.record(action, actor=acting_user, obj=agency, before=before,
                 after=audit.snapshot(agency, REGISTRY_FIELDS))
    return agency


@transaction.atomic
def set_agency_active(agency: Agency, active: bool, reason: str, *, acting_user: User) -> Agency:
    """Deactivate (or reactivate) an agency; records are kept, never deleted."""
    require(acting_user, "agencies.manage_registry")
    if not (reason or "").strip():
        raise ActionRefused(_("Give the reason."), field="reason")
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.active == active:
        return agency
    agency.active = active
    agency.save(update_fields=["active", "updated_at"])
    action = AuditAction.AGENCY_ACTIVATE if active else AuditAction.AGENCY_DEACTIVATE
    audit.record(action, actor=acting_user, obj=agency, before={"active": not active},
                 after={"active": active}, reason=reason.strip())
    return agency


def require_change(acting_user: User, agency: Agency,
                   permission: str = "agencies.change_profile") -> None:
    """``permission`` on ``agency``; its own people are told politely, rather than
    forbidden, when the agency is deactivated."""
    refuse_if_inactive(acting_user, agency)
    require(acting_user, permission, agency)


@transaction.atomic
def update_profile(agency: Agency, data: dict, *, acting_user: User) -> Agency:
    """The agency's own people keep its website and contact details current (not while
    the agency is deactivated; NACC still may)."""
    require_change(acting_user, agency)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    before = audit.snapshot(agency, PROFILE_FIELDS)
    for field in PROFILE_FIELDS:
        setattr(agency, field, data.get(field, ""))
    agency.save(update_fields=[*PROFILE_FIELDS, "updated_at"])
    after = audit.snapshot(agency, PROFILE_FIELDS)
    if after != before:
        audit.record(AuditAction.PROFILE_UPDATE, actor=acting_user, obj=agency,
                     before=before, after=after)
    return agency


CONTACT_FIELDS = ["name", "position", "phone", "email", "is_primary"]


@transaction.atomic
def save_contact(contact: AgencyContact, *, acting_user: User) -> AgencyContact:
    require_change(acting_user, contact.agency)
    before = None
    if contact.pk:
        stored = AgencyContact.objects.get(pk=contact.pk, agency=contact.agency)
        before = audit.snapshot(stored, CONTACT_FIELDS)
    if contact.is_primary:
        AgencyContact.objects.filter(agency=contact.agency).exclude(pk=contact.pk).update(
            is_primary=False
        )
    contact.save()
    audit.record(AuditAction.CONTACT_SAVE, actor=acting_user, obj=contact, before=before,
                 after=audit.snapshot(contact, CONTACT_FIELDS))
    return contact


@transaction.atomic
def delete_contact(contact: AgencyContact, *, acting_user: User) -> None:
    require_change(acting_user, contact.agency)
    audit.record(AuditAction.CONTACT_DELETE, actor=acting_user, obj=contact,
                 before=audit.snapshot(contact, CONTACT_FIELDS))
    contact.delete()
