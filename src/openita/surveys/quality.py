"""Quality signals: measured when a response is stored, from what is never stored (timing,
network), and kept only as flags on the response; consultants and NACC read them, NACC may
exclude a response."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from openita.accounts.models import User
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.redis import client as redis_client

from .models import AuditAction, Response

log = logging.getLogger(__name__)


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


# --- measuring at submission -------------------------------------------------------

SECONDS_PER_ANSWER = 2  # reading and ticking one answer faster than this is implausible
BURST_WINDOW = 600
BURST_LIMIT = 60  # responses per agency-instrument in ten minutes
COUNTER_PREFIX = "openita:"  # the counters share the cache's Redis, not its keys


class Signals(list):
    """The flags of one submission, and how to take back its marks in the counters."""

    def __init__(self, flags: list[str], same_key: str | None = None,
                 burst_key: str | None = None) -> None:
        super().__init__(flags)
        self.same_key, self.burst_key = same_key, burst_key

    def undo(self) -> None:
        """Forget this submission in the counters (it was not stored after all)."""
        with contextlib.suppress(RedisError, OSError, ValueError):
            _forget(self.same_key, self.burst_key)


def measure(enrolment_id: int, instrument: str, answers: dict, started: int,
                  address: str) -> Signals:
    """Signals computed now from what is never stored (timing, network); only the flags are
    kept on the response, and they are never shown to the agency."""
    flags = []
    if time.time() - started < SECONDS_PER_ANSWER * len(answers):
        flags.append("too_fast")
    levels = [v for v in answers.values() if isinstance(v, int)]
    if len(levels) >= 10 and len(set(levels)) == 1:
        flags.append("straight_line")
    vector = hashlib.sha256(repr(sorted(answers.items())).encode()).hexdigest()
    same_key = "q-same:" + hashlib.sha256(
        f"{address}:{enrolment_id}:{vector}".encode()).hexdigest()
    burst_key = f"q-burst:{enrolment_id}:{instrument}:{int(time.time()) // BURST_WINDOW}"
    try:
        seen_before, recent = _remember(same_key, burst_key)
    except (RedisError, OSError):
        # The cache is down: the respondent's answers matter more than two of the signals.
        log.warning("quality counters unreachable; response stored without them")
        return Signals([*flags, "network_unchecked"])
    if seen_before:
        flags.append("same_answers_same_network")
    if recent > BURST_LIMIT:
        flags.append("burst")
    # Only a mark this submission made may be taken back: an older one belongs to another.
    return Signals(flags, None if seen_before else same_key, burst_key)


def _remember(same_key: str, burst_key: str) -> tuple[bool, int]:
    """Mark this answer vector as seen and count the agency's recent responses.

    On Redis both happen in one round trip (a pipeline), because this runs on every
    submission at deadline-day rates; the embedded mode uses the plain cache calls.
    """
    client = redis_client()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        pipe.set(COUNTER_PREFIX + same_key, 1, nx=True, ex=BURST_WINDOW)
        pipe.incr(COUNTER_PREFIX + burst_key)
        pipe.expire(COUNTER_PREFIX + burst_key, BURST_WINDOW * 2)
        fresh, count, _ = pipe.execute()
        return not fresh, int(count)
    seen = not cache.add(same_key, 1, BURST_WINDOW)
    cache.add(burst_key, 0, BURST_WINDOW * 2)
    try:
        return seen, cache.incr(burst_key)
    except ValueError:  # expired between add and incr
        return seen, 0


def _forget(same_key: str | None, burst_key: str | None) -> None:
    client = redis_client()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        if same_key:
            pipe.delete(COUNTER_PREFIX + same_key)
        if burst_key:
            pipe.decr(COUNTER_PREFIX + burst_key)
        pipe.execute()
        return
    if same_key:
        cache.delete(same_key)
    if burst_key:
        cache.decr(burst_key)
