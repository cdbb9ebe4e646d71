"""The clarification round: the agency disputes only the released items it chooses, with
text that points into the evidence it gave originally; its executive files them; silence
means acceptance. Consultants answer each dispute, upholding or changing the decision.

No new evidence enters here: a clarification may not carry a web address other than the
item's original ones (the consultants re-judge what was submitted and captured).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openita.accounts.duties import refuse_if_inactive, require_independent_approver
from openita.accounts.models import User
from openita.calendars import services as calendar
from openita.calendars.models import Phase
from openita.core import audit
from openita.core.errors import ActionRefused, PhaseClosed
from openita.core.permissions import require

from . import notices, queue_counts, review, services
from .models import (
    MAX_COMMENT,
    Answer,
    AuditAction,
    ClarificationState,
    Decision,
    DecisionRound,
    Dispute,
    DisputeOutcome,
    ItemState,
    Submission,
)

MAX_REASON = 4000


def _refuse_new_urls(answer: Answer, *texts: str) -> None:
    original = [url.rstrip("/").lower() for url in answer.urls]
    for text in texts:
        for found in services.urls_in_text(text):
            candidate = found.rstrip(".,;)").rstrip("/").lower()
            if not any(candidate == url or candidate in url for url in original):
                raise ActionRefused(_(
                    "A clarification cannot add evidence: “%(url)s” is not one of the "
                    "addresses given for this item. Point to where the data is in the "
                    "original pages instead.") % {"url": found[:80]}, field="reason")


def _agency_side(submission: Submission, permission: str, acting_user: User) -> Submission:
    agency = submission.enrolment.agency
    refuse_if_inactive(acting_user, agency)
    require(acting_user, permission, agency)
    calendar.require_open(submission.enrolment.year, Phase.CLARIFICATION, agency)
    return Submission.objects.select_for_update().select_related(
        "enrolment__agency", "enrolment__year").get(pk=submission.pk)


def _require_clarification(submission: Submission, *states: str) -> None:
    if submission.clarification not in states:
        if submission.clarification == ClarificationState.FILED:
            raise ActionRefused(_("The clarification has been filed and can no longer "
                                  "change."))
        if submission.clarification == ClarificationState.AWAITING_APPROVAL:
            raise ActionRefused(_("The clarification is with the executive. Ask them to "
                                  "send it back if something must change."))
        raise ActionRefused(_("There is no clarification to send yet."))


@transaction.atomic
def save_dispute(answer: Answer, *, reason: str, url_position: int | None, where: str,
                 acting_user: User) -> Dispute:
    """Write or change the agency's dispute of one released item."""
    submission = _agency_side(answer.submission, "disclosure.edit_answers", acting_user)
    _require_clarification(submission, ClarificationState.NONE, ClarificationState.DRAFT)
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if answer.state != ItemState.RELEASED:
        raise ActionRefused(_("Only an item whose decision has been released can be "
                              "disputed."))
    reason, where = (reason or "").strip(), (where or "").strip()
    if not reason:
        raise ActionRefused(_("Say why the decision should change."), field="reason")
    if len(reason) > MAX_REASON:
        raise ActionRefused(_("The reason may be at most %(n)d characters long.")
                            % {"n": MAX_REASON}, field="reason")
    if len(where) > 500:
        raise ActionRefused(_("Say where on the page in at most %(n)d characters.")
                            % {"n": 500}, field="where")
    if url_position is not None and not 1 <= url_position <= len(answer.urls):
        raise ActionRefused(_("Choose one of the addresses given for this item."),
                            field="url_position")
    _refuse_new_urls(answer, reason, where)
    dispute = Dispute.objects.filter(answer=answer).first()
    before = ({"reason": dispute.reason, "url_position": dispute.url_position,
               "where": dispute.where} if dispute else None)
    dispute = dispute or Dispute(answer=answer, written_by=acting_user)
    dispute.reason, dispute.url_position, dispute.where = reason, url_position, where
    dispute.written_by = acting_user
    dispute.save()
    if submission.clarification == ClarificationState.NONE:
        submission.clarification = ClarificationState.DRAFT
        submission.save(update_fields=["clarification"])
    audit.record(AuditAction.DISPUTE_SAVE, actor=acting_user, obj=answer, before=before,
                 after={"reason": reason, "url_position": url_position, "where": where,
                        "item": answer.item_code,
                        "agency": submission.enrolment.agency.code})
    return dispute


@transaction.atomic
def withdraw_dispute(answer: Answer, *, acting_user: User) -> None:
    """Take a dispute back before the clarification goes to the executive."""
    submission = _agency_side(answer.submission, "disclosure.edit_answers", acting_user)
    _require_clarification(submission, ClarificationState.DRAFT)
    dispute = Dispute.objects.filter(answer=answer).first()
    if dispute is None:
        raise ActionRefused(_("This item is not disputed."))
    dispute.delete()
    if not Dispute.objects.filter(answer__submission=submission).exists():
        submission.clarification = ClarificationState.NONE
        submission.save(update_fields=["clarification"])
    audit.record(AuditAction.DISPUTE_WITHDRAW, actor=acting_user, obj=answer,
                 after={"item": answer.item_code, "agency": submission.enrolment.agency.code})


@transaction.atomic
def submit_clarification(submission: Submission, *, acting_user: User) -> Submission:
    """Send the agency's disputes to its executive."""
    submission = _agency_side(submission, "disclosure.edit_answers", acting_user)
    _require_clarification(submission, ClarificationState.DRAFT)
    count = Dispute.objects.filter(answer__submission=submission).count()
    submission.clarification = ClarificationState.AWAITING_APPROVAL
    submission.clarification_submitted_by = acting_user
    submission.clarification_returned_comment = ""
    submission.save()
    audit.record(AuditAction.CLARIFICATION_SUBMIT, actor=acting_user, obj=submission,
                 after={"disputes": count, "agency": submission.enrolment.agency.code})
    notices.tell(submission.enrolment.agency, "clarification_submitted")
    return submission


@transaction.atomic
def file_clarification(submission: Submission, *, acting_user: User) -> Submission:
    """The executive approves the disputes: they are filed, and consultants answer them."""
    submission = _agency_side(submission, "disclosure.approve", acting_user)
    _require_clarification(submission, ClarificationState.AWAITING_APPROVAL)
    agency = submission.enrolment.agency
    require_independent_approver(acting_user, agency, submission.clarification_submitted_by_id,
                                 headcount=False)
    submission.clarification = ClarificationState.FILED
    submission.clarification_filed_at = timezone.now()
    submission.clarification_approved_by = acting_user
    submission.save()
    items = list(Answer.objects.filter(submission=submission, dispute__isnull=False)
                 .values_list("item_code", flat=True))
    Answer.objects.filter(submission=submission, dispute__isnull=False).update(
        state=ItemState.DISPUTED)
    queue_counts.changed_agency(agency, submission.enrolment.year_id)
    audit.record(AuditAction.CLARIFICATION_APPROVE, actor=acting_user, obj=submission,
                 after={"items": sorted(items, key=services.natural_key),
                        "agency": agency.code})
    return submission


@transaction.atomic
def send_back_clarification(submission: Submission, comment: str, *, acting_user: User
                            ) -> Submission:
    """The executive returns the disputes to the administrators with a comment."""
    submission = _agency_side(submission, "disclosure.approve", acting_user)
    _require_clarification(submission, ClarificationState.AWAITING_APPROVAL)
    comment = (comment or "").strip()
    if not comment:
        raise ActionRefused(_("Say what should change."), field="comment")
    submission.clarification = ClarificationState.DRAFT
    submission.clarification_returned_comment = comment[:MAX_COMMENT]
    submission.save()
    audit.record(AuditAction.CLARIFICATION_RETURN, actor=acting_user, obj=submission,
                 reason=comment, after={"agency": submission.enrolment.agency.code})
    notices.tell(submission.enrolment.agency, "clarification_returned", comment=comment)
    return submission


def _require_answer_window(answer: Answer) -> None:
    """Disputes are answered while the clarification or the confirmation window is open."""
    year, agency = answer.submission.enrolment.year, answer.submission.enrolment.agency
    try:
        calendar.require_open(year, Phase.CLARIFICATION, agency)
    except PhaseClosed:
        calendar.require_open(year, Phase.CONFIRMATION, agency)


@transaction.atomic
def answer_dispute(answer: Answer, *, outcome: str, reply: str,
                   criteria: dict[str, bool] | None = None, acting_user: User) -> Dispute:
    """A consultant of the team answers a filed dispute: the decision is upheld, or changed
    to its opposite (with the criteria ticked anew); the agency reads the reply."""
    agency = answer.submission.enrolment.agency
    require(acting_user, "disclosure.review", agency)
    _require_answer_window(answer)
    answer = Answer.objects.select_for_update().select_related(
        "submission__enrolment__year", "submission__enrolment__agency").get(pk=answer.pk)
    if answer.state != ItemState.DISPUTED:
        raise ActionRefused(_("This item has no filed clarification waiting for an answer."))
    if outcome not in DisputeOutcome.values:
        raise ActionRefused(_("Choose whether the decision is upheld or changed."),
                            field="outcome")
    reply = (reply or "").strip()
    if not reply:
        raise ActionRefused(_("Write the reply the agency will read."), field="reply")
    if len(reply) > MAX_COMMENT:
        raise ActionRefused(_("The reply may be at most %(n)d characters long.")
                            % {"n": MAX_COMMENT}, field="reply")
    dispute = Dispute.objects.select_for_update().get(answer=answer)
    before = {"state": answer.state, "passed": answer.passed}
    if outcome == DisputeOutcome.CHANGED:
        passed = not answer.passed
        item = services.item_map(services.framework_of(answer.submission.enrolment))[
            answer.item_code]
        ticks = review.checked_criteria(item, criteria or {}, passed, reply)
        Decision.objects.create(answer=answer, round=DecisionRound.CLARIFICATION,
                                reviewer=acting_user, passed=passed, criteria=ticks,
                                comment=reply)
        answer.passed, answer.decided_by, answer.decided_at = passed, acting_user, timezone.now()
    dispute.outcome, dispute.reply = outcome, reply
    dispute.replied_by, dispute.replied_at = acting_user, timezone.now()
    dispute.save()
    answer.state = ItemState.ANSWERED
    answer.save(update_fields=["state", "passed", "decided_by", "decided_at"])
    queue_counts.changed_agency(agency, answer.submission.enrolment.year_id)
    audit.record(AuditAction.DISPUTE_ANSWER, actor=acting_user, obj=answer, before=before,
                 after={"state": answer.state, "passed": answer.passed, "outcome": outcome,
                        "item": answer.item_code, "agency": agency.code})
    return dispute
