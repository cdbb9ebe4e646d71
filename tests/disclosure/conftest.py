"""The OIT at each of its stages, built through the services as people would.

The world's mini framework has four OIT items: O1–O3 in sub-indicator 4.1, O4 in 4.2.
Agency A is registered; its website is https://sao-a.example.test (tests resolve no such
name: a fetch of it ends as "unresolved" without leaving the machine).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import TestCase
from django.utils import timezone

from openita.calendars.models import Enrolment, EnrolmentState, Phase, PhaseWindow
from openita.disclosure import capture, clarification, review, services
from openita.disclosure.fetcher import FetchResult
from openita.disclosure.models import Answer, Capture, Submission

OIT_PHASES = [Phase.OIT_ENTRY, Phase.OIT_REVIEW, Phase.PRELIMINARY_RELEASE,
              Phase.CLARIFICATION, Phase.CONFIRMATION]
ITEMS = ["O1", "O2", "O3", "O4"]
WEBSITE = "https://sao-a.example.test"


def set_phase(world, phase: str, *, opened_days_ago: int = 3, closes_in_days: int = 20):
    """Open ``phase`` now (or, with negative numbers, set it in the past or future)."""
    today = timezone.localdate()
    PhaseWindow.objects.filter(year=world.year, phase=phase).update(
        opens_on=today - dt.timedelta(days=opened_days_ago),
        closes_on=today + dt.timedelta(days=closes_in_days))


def only_open(world, phase: str) -> None:
    """``phase`` is open; the OIT phases before it are over, those after not begun."""
    index = OIT_PHASES.index(phase)
    for i, other in enumerate(OIT_PHASES):
        if i < index:
            set_phase(world, other, opened_days_ago=40 - i, closes_in_days=-(10 - i))
        elif i > index:
            set_phase(world, other, opened_days_ago=-(30 + i), closes_in_days=40 + i)
    set_phase(world, phase)


def url_for(code: str, n: int = 1) -> str:
    return f"{WEBSITE}/ita/{code.lower()}-{n}"


def answer_of(world, code: str) -> Answer:
    return Answer.objects.get(submission=world.submission, item_code=code)


def fill(world, codes=ITEMS) -> None:
    for code in codes:
        services.save_answer(answer_of(world, code), publishes=True, urls=[url_for(code)],
                             explanation=f"หัวข้อ {code} ในเมนู ITA", acting_user=world.admin_a)


def enter(world):
    """A registered, its website set, the OIT entry open: ``world.submission``."""
    world.agency_a.website = WEBSITE
    world.agency_a.save()
    world.enrolment, _created = Enrolment.objects.get_or_create(
        agency=world.agency_a, year=world.year, defaults={
            "state": EnrolmentState.HEADCOUNT_APPROVED, "headcount": 120,
            "headcount_approved_at": timezone.now()})
    only_open(world, Phase.OIT_ENTRY)
    world.submission = services.submission_for(world.enrolment)
    return world


def approve(world):
    """Every item answered, sent and approved (the evidence fetch runs after commit)."""
    fill(world)
    services.submit(world.submission, acting_user=world.admin_a)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.approve(world.submission, acting_user=world.executive_a)
    world.submission.refresh_from_db()
    return world


def decide_all(world, passed: dict[str, bool], by=None) -> None:
    for code, ok in passed.items():
        review.decide(answer_of(world, code), passed=ok, criteria={"1": ok},
                      comment="" if ok else "ไม่พบข้อมูลตามเกณฑ์", acting_user=by or world.consultant_x)


def release(world):
    only_open(world, Phase.PRELIMINARY_RELEASE)
    review.release_due()
    return world


def file_dispute(world, code: str = "O2"):
    only_open(world, Phase.CLARIFICATION)
    clarification.save_dispute(answer_of(world, code), reason="ข้อมูลอยู่ในตารางที่สอง",
                               url_position=1, where="ตารางที่ 2", acting_user=world.admin_a)
    clarification.submit_clarification(world.submission, acting_user=world.admin_a)
    clarification.file_clarification(world.submission, acting_user=world.executive_a)
    world.submission.refresh_from_db()
    return world


@pytest.fixture
def entering(world):
    return enter(world)


@pytest.fixture
def approved(entering):
    return approve(entering)


@pytest.fixture
def reviewing(approved):
    """The review window open. No item is drawn for a second review (the tests of it set
    their own share), so decisions stand as made."""
    only_open(approved, Phase.OIT_REVIEW)
    approved.year.oit_second_review_percent = 0
    approved.year.save(update_fields=["oit_second_review_percent"])
    return approved


@pytest.fixture
def released(reviewing):
    decide_all(reviewing, {"O1": True, "O2": False, "O3": True, "O4": True})
    return release(reviewing)


def page_result(url: str, html: str, status: int = 200) -> FetchResult:
    """What the fetcher gives for an HTML page (for tests that need a capture without a
    server)."""
    body = html.encode("utf-8")
    return FetchResult(
        requested_url=url, final_url=url, redirects=(), status=status,
        content_type="text/html", charset="utf-8", declared_size=len(body), body=body,
        size=len(body), truncated=False, sha256=hashlib.sha256(body).hexdigest(), problem="",
        detail="", address="127.0.0.1", elapsed_ms=5)


def keep_page(world, code: str, html: str) -> Capture:
    """A stored capture of the item's first address, as the approval's evidence."""
    answer = answer_of(world, code)
    url = answer.urls[0]
    key = (f"submission:{world.submission.pk}:{world.submission.approval_round}:"
           f"{answer.pk}:{services.url_key(url)}")
    Capture.objects.filter(job_key=key).delete()
    return capture.store(answer.pk, "submission", key, page_result(url, html))


def fresh(submission: Submission) -> Submission:
    return Submission.objects.get(pk=submission.pk)
