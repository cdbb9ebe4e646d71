"""Small helpers the tests share: reading pages and messages, choosing the language."""

from __future__ import annotations

import html
import re

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


def invitation_token(text: str) -> str:
    """The token of the invitation link in a mail's text (…/accounts/invite/<token>/)."""
    found = re.search(r"/accounts/invite/([^/\s]+)/", text)
    assert found, f"no invitation link in {text!r}"
    return found.group(1)
