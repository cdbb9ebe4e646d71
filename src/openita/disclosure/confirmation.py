"""Confirmation by the team lead, and the OIT indicators from the scoring engine.

Once every item of an agency is decided, each second review done (and settled where the
two disagreed) and every filed dispute answered, a lead of the
consultant team reviewing it confirms it during the confirmation window: its decisions
become final and the OIT sub-indicators, indicators and instrument score are computed by
``openita.scoring`` (never by a second implementation) and stored with the submission.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openita.accounts.models import User
from openita.calendars import services as calendar
from openita.calendars.models import Phase
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.scoring import engine

from . import queue_counts, services
from .models import Answer, AuditAction, ItemState, SecondReview, Submission, SubmissionState

CONFIRMABLE = frozenset({ItemState.RELEASED, ItemState.ANSWERED})


def team_submissions(user: Any, year: Any) -> QuerySet[Submission]:
    """The approved OITs of ``year`` in the agencies the user reviews, by agency code."""
    from .selectors import team_group_ids

    submissions = Submission.objects.filter(enrolment__year=year,
                                            state=SubmissionState.APPROVED)
    groups = team_group_ids(user)
    if groups is not None:
        submissions = submissions.filter(enrolment__agency__group_id__in=groups)
    return submissions.select_related("enrolment__agency", "enrolment__year",
                                      "confirmed_by").order_by("enrolment__agency__code")


def with_counts(submissions: list[Submission]) -> list[Any]:
    """The submissions of one page with what ``listed_blockers`` needs, in one grouped
    query for the page (not for every submission of the team)."""
    rows = Answer.objects.filter(submission__in=submissions).values("submission_id").annotate(
        waiting=Count("pk", filter=~Q(state__in=CONFIRMABLE)),
        disagreeing=Count("pk", filter=Q(second_review=SecondReview.DISAGREES)),
        second_pending=Count("pk", filter=Q(second_review=SecondReview.PENDING)),
    ).order_by()
    counts: dict[int, dict[str, Any]] = {row["submission_id"]: dict(row) for row in rows}
    for submission in submissions:
        row = counts.get(submission.pk, {})
        for name in ("waiting", "disagreeing", "second_pending"):
            setattr(submission, name, row.get(name, 0))
    return submissions


def listed_blockers(submission: Any) -> list[str]:
    """``blockers`` for a row of ``team_submissions``, from its counts (no query)."""
    if submission.confirmed_at is not None:
        return []
    problems = []
    if submission.waiting:
        problems.append(ngettext(
            "%(n)d item is not yet released or has a dispute to answer.",
            "%(n)d items are not yet released or have a dispute to answer.",
            submission.waiting) % {"n": submission.waiting})
    if submission.disagreeing:
        problems.append(_("A second review disagrees and the team lead has not settled it."))
    if submission.second_pending:
        problems.append(ngettext(
            "%(n)d item drawn for a second review is not yet reviewed again.",
            "%(n)d items drawn for a second review are not yet reviewed again.",
            submission.second_pending) % {"n": submission.second_pending})
    return problems


def oit_breakdown(submission: Submission) -> engine.OITBreakdown:
    """The OIT from the current decisions; an item not decided yet counts as failing (the
    page says how many there are)."""
    framework = services.framework_of(submission.enrolment)
    decided = dict(submission.answers.values_list("item_code", "passed"))
    return engine.score_oit(framework, {item.code: decided.get(item.code) is True
                                        for item in framework.oit_items})


def blockers(submission: Submission) -> list[str]:
    """What stands in the way of confirming, in words for the team lead."""
    if submission.state != SubmissionState.APPROVED:
        return [_("The agency's executive has not approved its OIT.")]
    if submission.confirmed_at is not None:
        return [_("Already confirmed.")]
    problems = []
    states = dict(submission.answers.values_list("item_code", "state"))
    waiting = [code for code, state in states.items() if state not in CONFIRMABLE]
    if waiting:
        problems.append(_("Items not yet released or with a dispute to answer: %(items)s")
                        % {"items": ", ".join(sorted(waiting, key=services.natural_key))})
    if submission.answers.filter(second_review=SecondReview.DISAGREES).exists():
        problems.append(_("A second review disagrees and the team lead has not settled it."))
    pending = sorted(submission.answers.filter(second_review=SecondReview.PENDING)
                     .values_list("item_code", flat=True), key=services.natural_key)
    if pending:
        problems.append(_("Items drawn for a second review, not yet reviewed again: %(items)s")
                        % {"items": ", ".join(pending)})
    return problems


@transaction.atomic
def confirm(submission: Submission, *, acting_user: User) -> Submission:
    """Make the agency's OIT final and store its indicators from the scoring engine."""
    agency = submission.enrolment.agency
    require(acting_user, "disclosure.lead_review", agency)
    calendar.require_open(submission.enrolment.year, Phase.CONFIRMATION, agency)
    submission = Submission.objects.select_for_update().select_related(
        "enrolment__agency", "enrolment__year").get(pk=submission.pk)
    problems = blockers(submission)
    if problems:
        raise ActionRefused(" ".join(str(p) for p in problems))
    breakdown = oit_breakdown(submission)
    submission.answers.update(state=ItemState.FINAL)
    queue_counts.changed_agency(agency, submission.enrolment.year_id)
    submission.confirmed_at, submission.confirmed_by = timezone.now(), acting_user
    submission.scores = breakdown.as_strings()
    submission.save(update_fields=["confirmed_at", "confirmed_by", "scores"])
    audit.record(AuditAction.CONFIRM, actor=acting_user, obj=submission,
                 after={"agency": agency.code, "scores": submission.scores,
                        "framework": breakdown.framework})
    return submission
