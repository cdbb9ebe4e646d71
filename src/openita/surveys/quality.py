"""Responses with quality signals, for consultants and NACC; NACC may exclude one."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from openita.accounts.models import User
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require

from .models import AuditAction, Response


def flagged_responses(enrolment) -> list[Response]:
    return list(Response.objects.filter(enrolment=enrolment).exclude(flags=[])
                .order_by("submitted_on", "id"))


@transaction.atomic
def set_excluded(response: Response, excluded: bool, reason: str, *,
                 acting_user: User) -> Response:
    """Leave a response out of scoring (or take it back in), with the reason, audited."""
    require(acting_user, "surveys.exclude_response")
    reason = (reason or "").strip()
    if excluded and not reason:
        raise ActionRefused(_("Give the reason."), field="reason")
    response = Response.objects.select_for_update().get(pk=response.pk)
    before = {"excluded": response.excluded, "reason": response.excluded_reason}
    response.excluded, response.excluded_reason = excluded, reason if excluded else ""
    response.save(update_fields=["excluded", "excluded_reason"])
    action = AuditAction.RESPONSE_EXCLUDE if excluded else AuditAction.RESPONSE_INCLUDE
    audit.record(action, actor=acting_user, obj=response, before=before,
                 after={"excluded": excluded, "flags": response.flags}, reason=reason)
    return response
