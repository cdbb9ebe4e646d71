"""E-mails to the agency's people when its OIT moves: the executive learns that something
waits for approval, the administrators that it was approved or sent back. Sent after the
change commits; a mail that fails is logged and changes nothing (the page shows the state)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from openita.accounts.models import Role, RoleGrant
from openita.core.mail import templated_message

log = logging.getLogger(__name__)

TO_EXECUTIVES = {"submitted", "clarification_submitted"}


def people_of(agency: Any, role: str) -> list[str]:
    return sorted(set(RoleGrant.objects.filter(
        agency=agency, role=role, revoked_at__isnull=True, user__is_active=True,
    ).values_list("user__email", flat=True)))


def tell(agency: Any, event: str, **context: Any) -> None:
    """After commit, mail ``event`` (a template in disclosure/email/) to the executives
    or the administrators of ``agency``."""
    role = Role.AGENCY_EXECUTIVE if event in TO_EXECUTIVES else Role.AGENCY_ADMIN
    to = people_of(agency, role)
    if not to:
        return
    link = settings.OPENITA_SITE_URL.rstrip("/") + reverse("agencies:oit", args=[agency.pk])

    def send() -> None:
        with translation.override(settings.LANGUAGE_CODE):
            message = templated_message(f"disclosure/email/{event}.txt",
                                        {"agency": agency, "link": link, **context}, to)
        try:
            message.send()
        except Exception:  # the state is on the page either way
            log.exception("OIT notice %s to %s not sent", event, agency.code)

    transaction.on_commit(send)
