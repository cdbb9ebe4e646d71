"""What the home page shows each person: the open year, its phases, their agencies."""

from __future__ import annotations

from typing import Any

from openita.accounts.predicates import roles_of
from openita.agencies.models import Agency
from openita.calendars import services as calendar
from openita.calendars.enrolment import enrolments_for


def for_user(user: Any) -> dict:
    roles = roles_of(user)
    year = calendar.current_year()
    agencies = list(Agency.objects.filter(pk__in=roles.agency_ids).order_by("name_th")
                    ) if roles.agency_ids else []
    # A person may work for several agencies: their states and calendars in a few queries.
    enrolments = enrolments_for(agencies, year) if year and agencies else {}
    calendars = calendar.calendars_of(year, agencies) if year and agencies else {}
    my_agencies = [{
        "agency": agency,
        "enrolment": enrolments.get(agency.pk),
        "is_admin": agency.pk in roles.admin_of,
        "is_executive": agency.pk in roles.executive_of,
        "phases": calendars.get(agency.pk, []),
    } for agency in agencies]
    return {
        "year": year,
        "phases": calendar.calendar_of(year) if year else [],
        "my_agencies": my_agencies,
    }
