"""Writing what a fetch gave as a capture: the metadata row and the stored copy.

A capture is written once, whole, at the end of its job: the copy first, under a name
made of its SHA-256 (so a second writer writes the same file, and a copy cut short by a
killed worker is noticed by its size and written again), then the row in one INSERT keyed
by the job. A job killed before the INSERT has written no row, and its retry starts over;
one killed after finds its row and stops.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import reading
from .fetcher import FetchResult
from .models import Answer, Capture, CapturePurpose

TEXT_LIMIT = 100_000


def stored_name(sha256: str) -> str:
    return f"evidence/{sha256[:2]}/{sha256}"


def keep_copy(result: FetchResult) -> str:
    """Store the body (up to the fetch limit) in Django's storage; its name."""
    name = stored_name(result.sha256)
    if default_storage.exists(name):
        if default_storage.size(name) == len(result.body):
            return name
        default_storage.delete(name)  # cut short by a worker that died while writing
    saved = default_storage.save(name, ContentFile(result.body))
    if saved != name:  # another worker wrote it meanwhile: keep one copy
        default_storage.delete(saved)
    return name


def existing(job_key: str) -> Capture | None:
    return Capture.objects.filter(job_key=job_key).first()


def store(answer_id: int, purpose: str, job_key: str, result: FetchResult) -> Capture:
    """The capture of ``job_key``: the one already written, or a new one from ``result``."""
    found = existing(job_key)
    if found is not None:
        return found
    answer = Answer.objects.select_related("submission__enrolment__agency").get(pk=answer_id)
    read = reading.read(result)
    findings = reading.findings(result, read, answer.submission.enrolment.agency.website)
    name = keep_copy(result) if purpose == CapturePurpose.SUBMISSION and result.body else ""
    capture = Capture(
        answer=answer, purpose=purpose, job_key=job_key,
        requested_url=result.requested_url[:2000], final_url=result.final_url[:2000],
        redirects=[{"url": hop.url[:2000], "status": hop.status} for hop in result.redirects],
        status=result.status, content_type=result.content_type[:200], size=result.size,
        declared_size=result.declared_size, truncated=result.truncated, sha256=result.sha256,
        title=read.title[:500], excerpt=read.excerpt, text=read.text[:TEXT_LIMIT],
        kind=read.kind, note=read.note[:300], problem=result.problem, findings=findings,
        detail=result.detail[:500], address=result.address[:64],
        elapsed_ms=result.elapsed_ms, stored_name=name, fetched_at=timezone.now())
    try:
        with transaction.atomic():
            capture.save()
    except IntegrityError:  # the same job, run twice at once, wrote it first
        found = existing(job_key)
        if found is None:
            raise
        return found
    return capture
