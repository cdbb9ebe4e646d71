"""Object permissions for people and teams (autodiscovered by ``rules``)."""

import rules

from openita.accounts.duties import confirms_executives
from openita.accounts.predicates import is_nacc_admin

rules.add_perm("accounts.manage_people", is_nacc_admin)
rules.add_perm("accounts.confirm_executives", confirms_executives)
rules.add_perm("accounts.manage_teams", is_nacc_admin)
rules.add_perm("core.view_audit", is_nacc_admin)
