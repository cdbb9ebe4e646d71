"""The request type of pages behind ``login_required``: its user is a person, never the
anonymous user, so services that need the acting person can be handed ``request.user``."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import User


class AuthenticatedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails  # set by django_htmx's middleware
