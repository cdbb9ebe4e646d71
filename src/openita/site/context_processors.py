"""What every page needs to draw its navigation."""

from __future__ import annotations

from django.http import HttpRequest

from openita.accounts.predicates import roles_of


def navigation(request: HttpRequest) -> dict:
    roles = roles_of(getattr(request, "user", None))
    return {"roles": roles}
