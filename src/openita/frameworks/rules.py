"""Object permissions for frameworks (autodiscovered by ``rules``)."""

import rules

from openita.accounts.predicates import has_any_role, is_nacc_admin

rules.add_perm("frameworks.view_framework", has_any_role)
rules.add_perm("frameworks.manage_frameworks", is_nacc_admin)
