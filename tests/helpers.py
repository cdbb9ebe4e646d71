"""Small helpers the tests share: reading pages and messages, choosing the language."""

from __future__ import annotations

import html

from django.conf import settings

from openita.core.models import AuditEntry


def english(client):
    """The same client, asking for English pages from now on."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
