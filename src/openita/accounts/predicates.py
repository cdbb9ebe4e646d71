"""Who holds which role, computed once per request and shared by every rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import rules

from openita.accounts.models import Role, RoleGrant


@dataclass(frozen=True)
class Roles:
    nacc_admin: bool = False
    admin_of: frozenset[int] = frozenset()
    executive_of: frozenset[int] = frozenset()
    team_ids: frozenset[int] = frozenset()
    lead_team_ids: frozenset[int] = frozenset()
    oversight_provinces: frozenset[int] = frozenset()
    oversight_parents: frozenset[int] = frozenset()

    @property
    def agency_ids(self) -> frozenset[int]:
        return self.admin_of | self.executive_of

    @property
    def any(self) -> bool:
        return bool(
            self.nacc_admin or self.agency_ids or self.team_ids
            or self.oversight_provinces or self.oversight_parents
        )


NO_ROLES = Roles()


def roles_of(user: Any) -> Roles:
    """The user's active roles, cached on the user object for the rest of the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ROLES
    cached = getattr(user, "_openita_roles", None)
    if cached is not None:
        return cached
    found: dict[str, set[int]] = {r.value: set() for r in Role}
    nacc = bool(user.is_superuser)
    grants = RoleGrant.objects.filter(user=user, revoked_at__isnull=True).values_list(
        "role", "agency_id", "team_id", "province_id", "parent_id", "team_lead"
    )
    provinces: set[int] = set()
    parents: set[int] = set()
    leads: set[int] = set()
    for role, agency_id, team_id, province_id, parent_id, lead in grants:
        if role == Role.NACC_ADMIN:
            nacc = True
        elif role == Role.CONSULTANT:
            found[role].add(team_id)
            if lead:
                leads.add(team_id)
        elif role == Role.OVERSIGHT:
            (provinces.add(province_id) if province_id else parents.add(parent_id))
        else:
            found[role].add(agency_id)
    result = Roles(
        nacc_admin=nacc,
        admin_of=frozenset(found[Role.AGENCY_ADMIN]),
        executive_of=frozenset(found[Role.AGENCY_EXECUTIVE]),
        team_ids=frozenset(found[Role.CONSULTANT]),
        lead_team_ids=frozenset(leads),
        oversight_provinces=frozenset(provinces),
        oversight_parents=frozenset(parents),
    )
    user._openita_roles = result
    return result


def forget_roles(user: Any) -> None:
    """Drop the cached roles after a grant or revocation changed them."""
    if hasattr(user, "_openita_roles"):
        del user._openita_roles


@rules.predicate
def is_nacc_admin(user: Any) -> bool:
    return roles_of(user).nacc_admin


@rules.predicate
def has_any_role(user: Any) -> bool:
    return roles_of(user).any


@rules.predicate
def is_consultant(user: Any) -> bool:
    return bool(roles_of(user).team_ids)


@rules.predicate
def is_team_lead(user: Any) -> bool:
    return bool(roles_of(user).lead_team_ids)


@rules.predicate
def is_oversight(user: Any) -> bool:
    roles = roles_of(user)
    return bool(roles.oversight_provinces or roles.oversight_parents)


# An agency's own roles act only while the agency is active: every rule that lets its
# administrator or executive change something (profile, contacts, invitations, enrolment,
# headcounts, access codes) is built on these two, so a deactivated agency accepts no
# change from its own people. What they may see comes from the scope (``agency_ids``).


@rules.predicate
def is_admin_of(user: Any, agency: Any) -> bool:
    return agency is not None and agency.active and agency.pk in roles_of(user).admin_of


@rules.predicate
def is_executive_of(user: Any, agency: Any) -> bool:
    return agency is not None and agency.active and agency.pk in roles_of(user).executive_of
