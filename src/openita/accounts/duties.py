"""Separation of duties: the rules that keep one person from both entering and approving
an agency's data (issue 9).

- An agency's executive is granted or confirmed from outside the agency: by NACC, or, when
  ``OPENITA_EXECUTIVE_CONFIRMED_BY`` is ``"nacc_or_provincial_oversight"``, also by the
  oversight office of the province of a local administration. The agency's administrator
  may propose an executive; the proposal grants nothing until confirmed.
- Nobody approves a headcount they entered, nor one entered by the person who proposed
  (invited) their executive role: that person could hold both mailboxes.
- Invitations are limited per sender per hour (``OPENITA_INVITATIONS_PER_HOUR``).
- A deactivated agency accepts no change from its own people; NACC still can.

These are reads and refusals only; the state changes that use them are in ``services``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import rules
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openita.core.errors import ActionRefused
from openita.core.models import AuditEntry
from openita.core.vocabulary import AgencyKind

from .models import AuditAction, Confirmation, Invitation, Role, RoleGrant, User
from .predicates import roles_of

# Local administrations (องค์กรปกครองส่วนท้องถิ่น) in a province: the kinds whose executive
# the provincial oversight office may confirm where configured. A province's own office
# (AgencyKind.PROVINCE) is central government in the region, so NACC confirms it.
LOCAL_GOVERNMENT_KINDS = frozenset({
    AgencyKind.PAO, AgencyKind.CITY_MUNICIPALITY, AgencyKind.TOWN_MUNICIPALITY,
    AgencyKind.SUBDISTRICT_MUNICIPALITY, AgencyKind.SAO, AgencyKind.PATTAYA,
})

PROVINCIAL_OVERSIGHT = "nacc_or_provincial_oversight"


def _provinces_confirm() -> bool:
    return settings.OPENITA_EXECUTIVE_CONFIRMED_BY == PROVINCIAL_OVERSIGHT


def may_confirm_executive(user: Any, agency: Any) -> bool:
    """Whether ``user`` may give or confirm the executive role of ``agency``: NACC always;
    the oversight office of the agency's province for a local administration where so
    configured, unless that officer holds a role in the agency itself."""
    roles = roles_of(user)
    if roles.nacc_admin:
        return True
    return bool(
        _provinces_confirm() and agency is not None
        and agency.kind in LOCAL_GOVERNMENT_KINDS
        and agency.province_id in roles.oversight_provinces
        and agency.pk not in roles.agency_ids
    )


@rules.predicate
def confirms_executives(user: Any) -> bool:
    """Whether ``user`` confirms the executives of some agencies (the list page)."""
    roles = roles_of(user)
    return roles.nacc_admin or bool(_provinces_confirm() and roles.oversight_provinces)


def confirmable_invitations(user: Any) -> QuerySet[Invitation]:
    """The executive proposals ``user`` may confirm or refuse, oldest first: those still
    awaiting a decision, accepted or with a link that still works."""
    proposals = Invitation.objects.filter(
        role=Role.AGENCY_EXECUTIVE, confirmation=Confirmation.PENDING,
    ).filter(
        Q(accepted_at__isnull=False) | Q(expires_at__gte=timezone.now())
    ).select_related("agency", "agency__province", "invited_by", "accepted_by").order_by(
        "created_at", "pk")
    roles = roles_of(user)
    if roles.nacc_admin:
        return proposals
    if _provinces_confirm() and roles.oversight_provinces:
        return proposals.filter(
            agency__province_id__in=roles.oversight_provinces,
            agency__kind__in=LOCAL_GOVERNMENT_KINDS,
        ).exclude(agency_id__in=roles.agency_ids)
    return proposals.none()


def refuse_if_inactive(user: Any, agency: Any) -> None:
    """A deactivated agency accepts no change from its own people (NACC may still change
    its record and reactivate it); the refusal says so politely."""
    if agency is None or agency.active:
        return
    roles = roles_of(user)
    if agency.pk in roles.agency_ids and not roles.nacc_admin:
        raise ActionRefused(_("This agency is not active in the registry, so its details "
                              "cannot be changed. If this is a mistake, ask NACC to "
                              "reactivate it."))


def require_invitation_quota(acting_user: User) -> None:
    """Refuse an invitation beyond the sender's hourly limit, saying how long to wait.

    Counted from the audit log, which keeps withdrawn invitations too (withdrawing does not
    give the allowance back). The caller holds a lock on the sender's row, so two requests
    at once cannot both take the last place.
    """
    limits = settings.OPENITA_INVITATIONS_PER_HOUR
    limit = limits["nacc"] if roles_of(acting_user).nacc_admin else limits["other"]
    now = timezone.now()
    window = dt.timedelta(hours=1)
    sent = list(AuditEntry.objects.filter(
        action=AuditAction.INVITATION_CREATE, actor=acting_user, at__gt=now - window,
    ).order_by("at").values_list("at", flat=True))
    if len(sent) < limit:
        return
    frees_at = sent[len(sent) - limit] + window
    minutes = max(1, math.ceil((frees_at - now).total_seconds() / 60))
    raise ActionRefused(
        ngettext("You have sent %(limit)d invitations in the last hour, the most allowed. "
                 "Try again in %(minutes)d minute.",
                 "You have sent %(limit)d invitations in the last hour, the most allowed. "
                 "Try again in %(minutes)d minutes.", minutes)
        % {"limit": limit, "minutes": minutes}, field="email")


def _linked_by_proposals(agency: Any, person_id: int) -> set[int]:
    """``person_id`` and everyone joined to them by proposals of roles in this agency, in
    either direction (who proposed them, whom they proposed, and so on): one person with
    several mailboxes can build such a chain (admin A invites B as a second admin and
    proposes C as executive; B enters the headcount and C would approve it)."""
    edges = [(u, g) for u, g in RoleGrant.objects.filter(
        agency=agency, role__in=[Role.AGENCY_ADMIN, Role.AGENCY_EXECUTIVE],
        granted_by__isnull=False).values_list("user_id", "granted_by_id")]
    linked, frontier = {person_id}, {person_id}
    while frontier:
        frontier = ({g for u, g in edges if u in frontier} | {u for u, g in edges
                                                               if g in frontier}) - linked
        linked |= frontier
    return linked


def require_independent_approver(acting_user: User, agency: Any,
                                 submitted_by_id: int | None, *,
                                 headcount: bool = True) -> None:
    """Refuse the approval of a headcount by the person who entered it, or by an executive
    whose role was proposed (invited or granted) by that person or by anyone joined to
    them by proposals within the agency (``_linked_by_proposals``).

    The second rule still holds after NACC confirmed the role: NACC checks who the
    executive is, but an administrator who proposed a second mailbox of their own could
    have misled it; an executive proposed by someone else, or granted by NACC directly,
    approves. ``headcount=False`` words the refusals for anything else sent for approval
    (the OIT, a clarification).
    """
    if submitted_by_id is None:
        return
    if submitted_by_id == acting_user.pk:
        raise ActionRefused(
            _("The person who entered the headcount cannot also approve it.") if headcount
            else _("The person who sent this for approval cannot also approve it."))
    granters = set(RoleGrant.objects.filter(
        user=acting_user, role=Role.AGENCY_EXECUTIVE, agency=agency, revoked_at__isnull=True,
    ).values_list("granted_by_id", flat=True))
    if granters and granters <= _linked_by_proposals(agency, submitted_by_id):
        if not headcount:
            raise ActionRefused(_(
                "Your executive role was proposed by the person who sent this for approval, "
                "so you cannot approve it. Another administrator of the agency must send it, "
                "or NACC can give you the executive role directly."))
        raise ActionRefused(_(
            "Your executive role was proposed by the person who entered this headcount, so "
            "you cannot approve it. Another administrator of the agency must enter it, or "
            "NACC can give you the executive role directly."))
