"""Responses with quality signals, for consultants and NACC; NACC may exclude one."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require

from .models import Response

# What each stored flag means, for the people who read them.
FLAG_LABELS = {
    "too_fast": gettext_lazy("answered faster than the questions can be read"),
    "straight_line": gettext_lazy("the same answer to every question"),
    "same_answers_same_network": gettext_lazy("identical answers from the same network"),
    "burst": gettext_lazy("far more responses than usual within ten minutes"),
    "network_unchecked": gettext_lazy("the network signals could not be checked"),
}


def flag_labels(flags: list[str]) -> list[str]:
    return [str(FLAG_LABELS.get(flag, flag)) for flag in flags]


def flagged_responses(enrolment) -> list[Response]:
    responses = list(Response.objects.filter(enrolment=enrolment).exclude(flags=[])
                     .order_by("submitted_on", "id"))
    for response in responses:
        response.flag_labels = flag_labels(response.flags)
    return responses


@transaction.atomic
def set_excluded(response: Response, excluded: bool, reason: str, *,
                 acting_user: Any) -> Response:
    """Leave a response out of scoring (or take it back in), with the reason, audited."""
    require(acting_user, "surveys.exclude_response")
    reason = (reason or "").strip()
    if excluded and not reason:
        raise ActionRefused(_("Give the reason."), field="reason")
    response = Response.objects.select_for_update().get(pk=response.pk)
    before = {"excluded": response.excluded, "reason": response.excluded_reason}
    response.excluded, response.excluded_reason = excluded, reason if excluded else ""
    response.save(update_fields=["excluded", "excluded_reason"])
    audit.record("response.exclude" if excluded else "response.include", actor=acting_user,
                 obj=response, before=before,
                 after={"excluded": excluded, "flags": response.flags}, reason=reason)
    return response
