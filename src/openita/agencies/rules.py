"""Object permissions for the agency registry (autodiscovered by ``rules``)."""

from __future__ import annotations

from typing import Any

import rules

from openita.accounts.predicates import (
    has_any_role,
    is_admin_of,
    is_nacc_admin,
)


@rules.predicate
def can_see_agency(user: Any, agency: Any) -> bool:
    from openita.agencies.services import visible_agencies

    return agency is not None and visible_agencies(user).filter(pk=agency.pk).exists()


rules.add_perm("agencies.list_agencies", has_any_role)
rules.add_perm("agencies.view_agency", can_see_agency)
rules.add_perm("agencies.manage_registry", is_nacc_admin)
rules.add_perm("agencies.change_profile", is_nacc_admin | is_admin_of)
rules.add_perm("agencies.invite_people", is_nacc_admin | is_admin_of)
