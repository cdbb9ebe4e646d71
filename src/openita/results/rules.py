"""Permissions of the results (autodiscovered by ``rules``)."""

from __future__ import annotations

import rules

from openita.accounts.predicates import is_consultant, is_nacc_admin, is_oversight

rules.add_perm("results.compute", is_nacc_admin)
rules.add_perm("results.view_unpublished", is_nacc_admin)
rules.add_perm("results.publish", is_nacc_admin)
rules.add_perm("results.import_past", is_nacc_admin)
# Results across a scope (published years only): NACC, oversight bodies, consultants.
rules.add_perm("results.view_scope", is_nacc_admin | is_oversight | is_consultant)
# Award categories and their lists (before and after publication): NACC.
rules.add_perm("results.awards", is_nacc_admin)
# News and documents on the public home page: NACC.
rules.add_perm("results.news", is_nacc_admin)
