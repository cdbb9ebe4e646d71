"""Object permissions for years, calendars and enrolment (autodiscovered by ``rules``)."""

import rules

from openita.accounts.predicates import has_any_role, is_admin_of, is_executive_of, is_nacc_admin

rules.add_perm("calendars.view_years", has_any_role)
rules.add_perm("calendars.manage_years", is_nacc_admin)
rules.add_perm("calendars.enrol", is_admin_of)
rules.add_perm("calendars.submit_headcount", is_admin_of)
rules.add_perm("calendars.approve_headcount", is_executive_of)
