"""Object permissions for improvement planning (autodiscovered by ``rules``).

The agency's admin writes the analysis; everyone who sees the agency may read it.
"""

from __future__ import annotations

import rules

from openita.accounts.predicates import is_admin_of
from openita.agencies.rules import can_see_agency

rules.add_perm("planning.view", can_see_agency)
rules.add_perm("planning.edit", is_admin_of)
