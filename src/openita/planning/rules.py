"""Object permissions for improvement planning (autodiscovered by ``rules``).

The agency's admin writes its analysis, measures, plan and reports; its executive approves
the measures and acknowledges the reports; either may publish. Everyone who sees the agency
reads them. An oversight body writes its own plan and coaching log for its province or
ministry (the object is the plan or activity, or a ``Scope``).
"""

from __future__ import annotations

from typing import Any

import rules

from openita.accounts.predicates import is_admin_of, is_executive_of, is_nacc_admin, roles_of
from openita.agencies.rules import can_see_agency


@rules.predicate
def oversees(user: Any, scoped: Any) -> bool:
    """``scoped`` has ``province_id`` or ``parent_id``: the user oversees that scope."""
    if scoped is None:
        return False
    roles = roles_of(user)
    if scoped.province_id is not None:
        return scoped.province_id in roles.oversight_provinces
    return scoped.parent_id is not None and scoped.parent_id in roles.oversight_parents


rules.add_perm("planning.view", can_see_agency)
rules.add_perm("planning.edit", is_admin_of)
rules.add_perm("planning.approve", is_executive_of)
rules.add_perm("planning.publish", is_admin_of | is_executive_of)
rules.add_perm("planning.oversee", oversees)
rules.add_perm("planning.view_scope", oversees | is_nacc_admin)
