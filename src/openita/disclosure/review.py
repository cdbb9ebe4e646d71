"""The consultants' review of approved OITs, the second review, and the preliminary
release.

An item is decided pass or fail against the criteria of the year's framework, with a tick
per criterion (a pass needs every tick) and a comment (a fail needs one: the agency reads
it). A share of items set per year (``oit_second_review_percent``), drawn reproducibly
from the year, agency and item, is decided again by a second consultant of the team; where
the two disagree the team lead decides. At the time the calendar sets, every decision is
released to its agency; a decision made later is released at once.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openita.accounts.models import User
from openita.calendars import services as calendar
from openita.calendars.models import AssessmentYear, Phase, YearStatus
from openita.core import audit
from openita.core.audit import SystemActor
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.frameworks.schema import OITItem

from . import queue_counts, services
from .models import (
    MAX_COMMENT,
    Answer,
    AuditAction,
    Decision,
    DecisionRound,
    ItemState,
    SecondReview,
    SubmissionState,
)

RELEASER = SystemActor("openita release")


def released(year: AssessmentYear, now: Any = None) -> bool:
    """Whether the preliminary release of ``year`` has begun (its window has opened)."""
    status = calendar.phase_status(year, Phase.PRELIMINARY_RELEASE, now=now)
    return status is not None and year.status == YearStatus.OPEN and not status.not_yet_open


def sees_decisions(user: Any, agency: Any, year: AssessmentYear,
                   phases: dict[str, Any]) -> bool:
    """Whether ``user`` may see the agency's decisions: everyone who sees the agency once
    the preliminary release has begun (``phases``: the year's windows as the agency sees
    them, from ``calendar.calendar_of``), its reviewers and NACC before that."""
    release = phases.get(Phase.PRELIMINARY_RELEASE)
    if release is not None and year.status == YearStatus.OPEN and not release.not_yet_open:
        return True
    return user.has_perm("disclosure.see_unreleased", agency)


def drawn_for_second_review(answer: Answer, percent: int) -> bool:
    """Reproducible draw: the same year, agency and item are always drawn or not."""
    enrolment = answer.submission.enrolment
    seed = f"{enrolment.year.fiscal_year}:{enrolment.agency.code}:{answer.item_code}"
    return int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16) % 10_000 < percent * 100


def checked_criteria(item: OITItem, criteria: dict[str, bool], passed: bool,
                     comment: str) -> dict[str, bool]:
    """The ticks for every criterion of the item; refused when a pass leaves one
    unticked, a fail has no comment, or a criterion is not the item's."""
    codes = [c.code for c in item.criteria]
    unknown = set(criteria) - set(codes)
    if unknown:
        raise ActionRefused(_("These are not criteria of %(item)s: %(codes)s.")
                            % {"item": item.code, "codes": ", ".join(sorted(unknown))})
    ticks = {code: bool(criteria.get(code)) for code in codes}
    if passed and not all(ticks.values()):
        raise ActionRefused(_("An item passes only when every criterion is met: tick them "
                              "all, or decide that it fails."), field="criteria")
    if len(comment) > MAX_COMMENT:
        raise ActionRefused(_("The comment may be at most %(n)d characters long.")
                            % {"n": MAX_COMMENT}, field="comment")
    if not passed and not comment:
        raise ActionRefused(_("Say why the item fails: the agency reads this comment."),
                            field="comment")
    return ticks


def _locked(answer: Answer) -> Answer:
    return Answer.objects.select_for_update().select_related(
        "submission__enrolment__agency", "submission__enrolment__year").get(pk=answer.pk)


def _round_for(answer: Answer, acting_user: User) -> tuple[str, str, Decision | None]:
    """(round, second-review state after it, the first decision) for a new decision."""
    first = answer.decisions.filter(round=DecisionRound.FIRST).last()
    agency = answer.submission.enrolment.agency
    review = answer.second_review
    if review in (SecondReview.AGREES, SecondReview.DISAGREES, SecondReview.SETTLED):
        if not acting_user.has_perm("disclosure.lead_review", agency):
            raise ActionRefused(_("Two consultants have decided this item; only the team "
                                  "lead can change it now."))
        return DecisionRound.LEAD, SecondReview.SETTLED, first
    if review == SecondReview.PENDING and first is not None and (
            first.reviewer_id != acting_user.pk):
        return DecisionRound.SECOND, review, first
    return DecisionRound.FIRST, review, first


@transaction.atomic
def decide(answer: Answer, *, passed: bool, criteria: dict[str, bool], comment: str,
           acting_user: User) -> Decision:
    """Decide one item during the review window (consultants of the agency's team)."""
    agency = answer.submission.enrolment.agency
    require(acting_user, "disclosure.review", agency)
    year = answer.submission.enrolment.year
    calendar.require_open(year, Phase.OIT_REVIEW, agency)
    answer = _locked(answer)
    year = answer.submission.enrolment.year  # as it is now, with its settings
    if answer.submission.state != SubmissionState.APPROVED:
        raise ActionRefused(_("This OIT has not been approved by the agency's executive."))
    if not answer.publishes:
        raise ActionRefused(_("The agency said it does not publish this item, so it fails."))
    round_, review, first = _round_for(answer, acting_user)
    # A released decision changes only through a clarification; the second review (and
    # the lead settling it) may still finish while the review window is open.
    late_second_look = answer.state == ItemState.RELEASED and round_ != DecisionRound.FIRST \
        and not hasattr(answer, "dispute")
    if answer.state == ItemState.RELEASED and not late_second_look:
        raise ActionRefused(_("The decision has been released to the agency; it can change "
                              "only through a clarification."))
    if answer.state not in (ItemState.AWAITING_REVIEW, ItemState.REVIEWED,
                            ItemState.RELEASED):
        raise ActionRefused(_("This item is “%(state)s” and cannot be decided now.")
                            % {"state": answer.get_state_display()})
    comment = (comment or "").strip()
    item = services.item_map(services.framework_of(answer.submission.enrolment))[
        answer.item_code]
    ticks = checked_criteria(item, criteria, passed, comment)
    decision = Decision.objects.create(answer=answer, round=round_, reviewer=acting_user,
                                       passed=passed, criteria=ticks, comment=comment)
    before = {"state": answer.state, "passed": answer.passed, "second_review": review}
    if round_ == DecisionRound.SECOND:
        assert first is not None
        review = SecondReview.AGREES if passed == first.passed else SecondReview.DISAGREES
    else:
        if round_ == DecisionRound.FIRST and first is None and drawn_for_second_review(
                answer, year.oit_second_review_percent):
            review = SecondReview.PENDING
        answer.passed, answer.decided_by, answer.decided_at = passed, acting_user, timezone.now()
    answer.second_review = review
    answer.state = ItemState.RELEASED if released(year) else ItemState.REVIEWED
    answer.save(update_fields=["passed", "decided_by", "decided_at", "second_review",
                               "state"])
    queue_counts.changed_agency(agency, year.pk)
    audit.record(AuditAction.DECIDE, actor=acting_user, obj=answer, before=before,
                 after={"state": answer.state, "passed": passed, "round": round_,
                        "second_review": review, "item": answer.item_code,
                        "agency": agency.code})
    return decision


def release_due(now: Any = None) -> int:
    """Release every reviewed item of each open year whose preliminary release has begun
    (run by the worker's schedule every few minutes, and by ``openita release-oit``); the
    number of items released."""
    count = 0
    for year in AssessmentYear.objects.filter(status=YearStatus.OPEN):
        if released(year, now):
            count += _release(year)
    return count


@transaction.atomic
def _release(year: AssessmentYear) -> int:
    answers = Answer.objects.select_for_update().filter(
        submission__enrolment__year=year, submission__state=SubmissionState.APPROVED,
        state=ItemState.REVIEWED)
    ids = list(answers.values_list("pk", flat=True))
    if not ids:
        return 0
    Answer.objects.filter(pk__in=ids).update(state=ItemState.RELEASED)
    queue_counts.changed(year.pk, set(Answer.objects.filter(pk__in=ids).values_list(
        "submission__enrolment__agency__group_id", flat=True)))
    audit.record(AuditAction.RELEASE, actor=RELEASER, obj=year,
                 after={"items": len(ids), "fiscal_year": year.fiscal_year})
    return len(ids)


def request_recheck(answer: Answer, *, acting_user: User) -> int:
    """Fetch the item's addresses again now, to see whether the pages are still alive (a
    new capture each; the evidence kept at approval stays as it was). The number of
    addresses asked for."""
    agency = answer.submission.enrolment.agency
    require(acting_user, "disclosure.review", agency)
    from django.core.cache import cache

    if not cache.add(f"oit-recheck:{answer.pk}", 1, timeout=60):
        raise ActionRefused(_("These pages were checked a moment ago. Try again in a "
                              "minute."))
    from .tasks import RECHECK, enqueue_captures

    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    with transaction.atomic():
        enqueue_captures([(answer.pk, url,
                           f"recheck:{answer.pk}:{stamp}:{services.url_key(url)}")
                          for url in answer.urls], purpose=RECHECK)
    return len(answer.urls)
