"""Deployment checks (``openita check --deploy``) for openita's own settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def trusted_proxies_are_named(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Behind nginx or a load balancer every request comes from the proxy: unless it is
    named, the whole country shares one set of survey limits (10 SMS codes an hour)."""
    if settings.PRODUCTION and not settings.OPENITA_TRUSTED_PROXIES:
        return [Warning(
            "OPENITA_TRUSTED_PROXIES is empty: behind a proxy, every respondent counts as "
            "the proxy's address, and the limits on SMS codes and access-code guesses are "
            "shared by all of them.",
            hint="List the proxies in front of the app servers (addresses or networks); "
                 "silence openita.core.W001 only if clients reach gunicorn directly.",
            id="openita.core.W001")]
    return []


@register(Tags.security)
def evidence_fetching_stays_public(app_configs: Any, **kwargs: Any) -> list[Error]:
    """The evidence fetcher may reach loopback only in the tests: in production it would let
    an agency point openita at services on its own machines."""
    if settings.PRODUCTION and getattr(settings, "OPENITA_FETCH_ALLOW_LOOPBACK", False):
        return [Error("OPENITA_FETCH_ALLOW_LOOPBACK is on in production.",
                      hint="It exists for the tests only; remove it.",
                      id="openita.core.E001")]
    return []
