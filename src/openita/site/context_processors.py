"""What every page needs to draw its navigation."""

from __future__ import annotations

from django.http import HttpRequest

from openita.accounts.duties import confirms_executives
from openita.accounts.predicates import roles_of


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    roles = roles_of(user)
    # Who confirms executives proposed by agencies (NACC; provincial oversight too where
    # the setting says so) gets a menu entry to the list of pending proposals.
    confirms = bool(user is not None and user.is_authenticated and confirms_executives(user))
    return {"roles": roles, "confirms_executives": confirms}
