"""What the home page shows each person: the open year, its phases, their agencies."""

from __future__ import annotations

from typing import Any

from openita.accounts.predicates import roles_of
from openita.agencies.models import Agency
from openita.calendars import services as calendar
from openita.calendars.enrolment import enrolment_for


def for_user(user: Any) -> dict:
    roles = roles_of(user)
    year = calendar.current_year()
    my_agencies = []
    if roles.agency_ids:
        for agency in Agency.objects.filter(pk__in=roles.agency_ids).order_by("name_th"):
            my_agencies.append({
                "agency": agency,
                "enrolment": enrolment_for(agency, year),
                "is_admin": agency.pk in roles.admin_of,
                "is_executive": agency.pk in roles.executive_of,
                "phases": calendar.calendar_of(year, agency) if year else [],
            })
    return {
        "year": year,
        "phases": calendar.calendar_of(year) if year else [],
        "my_agencies": my_agencies,
    }
