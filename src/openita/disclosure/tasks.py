"""Background work of the OIT on Celery: fetching evidence and link checks, and the
preliminary release at the time the calendar sets.

Every task is idempotent: a capture is keyed by its job (``capture.store``), the release
moves only what is still to move. Fetches that may succeed later (a timeout, a host that
did not answer, 429/502/503/504, the host's two slots taken) are retried with growing
waits; the last try stores what it got, so the agency and the consultant see why.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from openita.celery import app

from . import capture, fetcher
from .models import CapturePurpose

log = logging.getLogger(__name__)

CHECK = CapturePurpose.CHECK.value
SUBMISSION = CapturePurpose.SUBMISSION.value
RECHECK = CapturePurpose.RECHECK.value

# Tries after the first, per purpose: the evidence of an approval is worth waiting for;
# the agency pressing "check my links" wants to know soon.
RETRIES = {CHECK: 1, RECHECK: 2, SUBMISSION: 4}
BUSY_RETRIES = 30  # a host busy with other fetches of ours: wait for a slot


def backoff(retries: int) -> int:
    """Seconds before the next try: 10, 20, 40 … at most 10 minutes."""
    return min(600, 10 * 2 ** retries)


def enqueue_captures(jobs: Iterable[tuple[int, str, str]], *, purpose: str) -> None:
    """After the current transaction commits, one capture task per (answer id, URL, job
    key): never inside the request, and never for a change that rolled back."""
    jobs = list(jobs)

    def send() -> None:
        for answer_id, url, job_key in jobs:
            capture_url.apply_async(kwargs={"answer_id": answer_id, "url": url,
                                            "purpose": purpose, "job_key": job_key})

    if jobs:
        transaction.on_commit(send)


@app.task(bind=True, name="openita.disclosure.capture_url", max_retries=BUSY_RETRIES)
def capture_url(self, *, answer_id: int, url: str, purpose: str, job_key: str) -> None:
    """Fetch ``url`` safely and keep what it gave as the capture ``job_key``."""
    if capture.existing(job_key) is not None:
        return
    try:
        result = fetcher.fetch(url)
    except fetcher.HostBusy as busy:
        if self.request.retries < BUSY_RETRIES:
            raise self.retry(exc=busy, countdown=5 + self.request.retries * 2) from busy
        result = fetcher.gave_up(url, "the host stayed busy with other fetches")
    tries = self.request.retries
    if fetcher.is_transient(result) and tries < RETRIES.get(purpose, 0):
        log.info("capture %s: %s, trying again", job_key, result.problem or result.status)
        raise self.retry(countdown=backoff(tries), max_retries=BUSY_RETRIES)
    kept = capture.store(answer_id, purpose, job_key, result)
    if kept.stored_name and kept.kind in ("html", "pdf"):
        snapshot.apply_async(kwargs={"capture_id": kept.pk})


@app.task(name="openita.disclosure.snapshot", max_retries=2)
def snapshot(*, capture_id: int) -> None:
    """Draw the first page of a kept copy (see ``snapshots``); once per capture."""
    from .models import Capture
    from .snapshots import make

    found = Capture.objects.filter(pk=capture_id).first()
    if found is not None:
        make(found)


@app.task(name="openita.disclosure.release_due")
def release_due() -> int:
    """Release the decisions of every year whose preliminary release has begun."""
    from .review import release_due as release

    return release()
