"""Permissions of the results (autodiscovered by ``rules``)."""

from __future__ import annotations

import rules

from openita.accounts.predicates import is_nacc_admin

rules.add_perm("results.compute", is_nacc_admin)
rules.add_perm("results.view_unpublished", is_nacc_admin)
rules.add_perm("results.publish", is_nacc_admin)
rules.add_perm("results.import_past", is_nacc_admin)
