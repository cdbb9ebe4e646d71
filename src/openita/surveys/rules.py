"""Object permissions for survey links and progress (autodiscovered by ``rules``)."""

import rules

from openita.accounts.predicates import (
    is_admin_of,
    is_consultant,
    is_executive_of,
    is_nacc_admin,
    is_oversight,
)
from openita.agencies.rules import can_see_agency

rules.add_perm("surveys.manage_links", is_admin_of)
rules.add_perm("surveys.view_progress", is_nacc_admin | is_admin_of | is_executive_of
               | can_see_agency)
# Quality signals are for consultants and NACC, never for the agency itself.
rules.add_perm("surveys.view_quality", can_see_agency & (is_nacc_admin | is_consultant))
rules.add_perm("surveys.exclude_response", is_nacc_admin)
rules.add_perm("surveys.interview", can_see_agency & is_consultant)
rules.add_perm("surveys.overview", is_nacc_admin | is_oversight | is_consultant)
# How many responses carry a signal, across agencies: for the same people as the signals.
rules.add_perm("surveys.view_quality_counts", is_nacc_admin | is_consultant)
rules.add_perm("surveys.send_reminders", is_nacc_admin)
# Live counts and scores could be differenced to one response: NACC only (see release.py).
rules.add_perm("surveys.view_live_progress", is_nacc_admin)
# More IIT access codes than the approved headcount and its margin.
rules.add_perm("surveys.allow_codes", is_nacc_admin)
