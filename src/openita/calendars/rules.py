"""Object permissions for years and calendars (autodiscovered by ``rules``)."""

import rules

from openita.accounts.predicates import has_any_role, is_nacc_admin

rules.add_perm("calendars.view_years", has_any_role)
rules.add_perm("calendars.manage_years", is_nacc_admin)
