"""The tables of the scope page (``/results/scope/<fy>/``) as downloads: headers in the
reader's language, labels rather than codes, the same figures the page shows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from openita.calendars.models import AssessmentYear

from . import collection, dashboard

# The tables of each kind of page: the published results, and the open year's collection.
PUBLISHED = ("groups", "drops", "rises")
COLLECTING = ("groups", "at_risk")


def published(user: Any, year: AssessmentYear, by: str, grouping: str, table: str
              ) -> tuple[list[str], list[Sequence[object]]]:
    groups, drops, rises = dashboard.rows(user, year, by)
    if table == "groups":
        return ([grouping, _("Agencies"), _("Average"), _("At the pass mark or above"),
                 _("Change")],
                [[g.label, g.agencies, g.average, g.passing, g.change] for g in groups])
    before = dashboard.previous_year(year)
    movers = drops if table == "drops" else rises
    then = str(before.fiscal_year) if before else _("Previous year")
    return ([_("Agency code"), _("Agency"), then, str(year.fiscal_year), _("Change")],
            [[m.code, m.name, m.previous, m.total, m.change] for m in movers])


def collecting(user: Any, year: AssessmentYear, by: str, grouping: str, table: str
               ) -> tuple[list[str], list[Sequence[object]]]:
    found = collection.collection(user, year, by, top=None)  # every agency at risk
    if table == "at_risk":
        return ([_("Agency code"), _("Agency"), grouping, _("Why")],
                [[r.agency.code, r.agency.name_th, r.group,
                  "; ".join(str(reason.text) for reason in r.reasons)]
                 for r in found.at_risk])
    headers = [grouping, _("Registered"), _("IIT minimum reached"), _("EIT minimum reached"),
               _("IIT responses"), _("EIT responses"), _("OIT not started"),
               _("OIT being prepared"), _("OIT sent to the executive"), _("OIT approved"),
               _("OIT fully reviewed"), _("Filed an OIT clarification"), _("OIT confirmed"),
               _("At risk")]
    rows: list[Sequence[object]] = [
        [g.label, g.registered, g.iit_met, g.eit_met, g.iit_responses, g.eit_responses,
         g.oit_not_started, g.oit_draft, *g.oit_stages, g.at_risk]
        for g in [*found.groups, found.totals]]
    return headers, rows
