"""Object permissions for survey links and progress (autodiscovered by ``rules``)."""

import rules

from openita.accounts.predicates import is_admin_of, is_executive_of, is_nacc_admin
from openita.agencies.rules import can_see_agency

rules.add_perm("surveys.manage_links", is_admin_of)
rules.add_perm("surveys.view_progress", is_nacc_admin | is_admin_of | is_executive_of
               | can_see_agency)
