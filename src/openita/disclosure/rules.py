"""Object permissions for the OIT (autodiscovered by ``rules``).

A consultant reviews the agencies of the groups assigned to their team; a team lead
settles second-review disagreements and confirms those agencies.
"""

from __future__ import annotations

from typing import Any

import rules

from openita.accounts.models import ConsultantTeam
from openita.accounts.predicates import (
    is_admin_of,
    is_consultant,
    is_executive_of,
    is_nacc_admin,
    is_oversight,
    is_team_lead,
    roles_of,
)
from openita.agencies.rules import can_see_agency


def teams_reviewing(agency: Any) -> frozenset[int]:
    """The consultant teams whose groups include ``agency`` (cached on the object)."""
    cached = getattr(agency, "_openita_teams", None)
    if cached is None:
        cached = frozenset(ConsultantTeam.objects.filter(
            groups__agencies=agency).values_list("pk", flat=True)) if agency.group_id else (
            frozenset())
        agency._openita_teams = cached
    return cached


@rules.predicate
def reviews_agency(user: Any, agency: Any) -> bool:
    return agency is not None and bool(roles_of(user).team_ids & teams_reviewing(agency))


@rules.predicate
def leads_review_of(user: Any, agency: Any) -> bool:
    return agency is not None and bool(roles_of(user).lead_team_ids & teams_reviewing(agency))


rules.add_perm("disclosure.view_oit", can_see_agency)
rules.add_perm("disclosure.edit_answers", is_admin_of)
rules.add_perm("disclosure.approve", is_executive_of)
rules.add_perm("disclosure.review", reviews_agency)
rules.add_perm("disclosure.lead_review", leads_review_of)
rules.add_perm("disclosure.queue", is_nacc_admin | is_consultant)
# The evidence kept of an agency's pages: its own people, its reviewers and NACC.
rules.add_perm("disclosure.view_evidence",
               is_nacc_admin | reviews_agency | is_admin_of | is_executive_of)
# Decisions before their release: the reviewers and NACC (``review.sees_decisions``).
rules.add_perm("disclosure.see_unreleased", is_nacc_admin | reviews_agency)
rules.add_perm("disclosure.lead_any", is_team_lead)
rules.add_perm("disclosure.progress", is_nacc_admin | is_oversight | is_consultant)
rules.add_perm("disclosure.publish_filers", is_nacc_admin)
