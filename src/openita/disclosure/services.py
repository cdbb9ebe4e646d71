"""The agency's side of the OIT: answers, link checks, the executive's approval.

Each change is one function: the permission, the phase window (``OIT_ENTRY``, closing
24:00 Bangkok on its last day or the agency's extension) and the submission's state are
checked, it runs in one transaction with the submission row locked, writes its audit row
inside it, and starts background work only after commit. The review, the clarification
round and the confirmation are in ``review``, ``clarification`` and ``confirmation``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openita.accounts.duties import refuse_if_inactive, require_independent_approver
from openita.accounts.models import User
from openita.calendars import services as calendar
from openita.calendars.models import Enrolment, EnrolmentState, Phase
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.frameworks.schema import Framework, OITItem

from . import fetcher, notices, queue_counts
from .models import (
    MAX_EXPLANATION,
    MAX_URL_LENGTH,
    MAX_URLS,
    Answer,
    AuditAction,
    Decision,
    DecisionRound,
    ItemState,
    LinkCheck,
    SecondReview,
    Submission,
    SubmissionState,
)

# One press of "check my links" per submission in this many seconds: each press fetches
# every address again from the agencies' own servers.
LINK_CHECK_INTERVAL = dt.timedelta(minutes=2)


# --- reading ---------------------------------------------------------------------------


def framework_of(enrolment: Enrolment) -> Framework:
    return calendar.framework_for(enrolment.year)


def item_map(framework: Framework) -> dict[str, OITItem]:
    return {item.code: item for item in framework.oit_items}


def submission_for(enrolment: Enrolment) -> Submission:
    """The enrolment's OIT, made with an answer row per item of the year's framework the
    first time anyone looks (answers are keyed by item code, never by position)."""
    submission, created = Submission.objects.get_or_create(enrolment=enrolment)
    submission.enrolment = enrolment  # with the agency and year already read
    if created:
        Answer.objects.bulk_create(
            [Answer(submission=submission, item_code=item.code)
             for item in framework_of(enrolment).oit_items], ignore_conflicts=True)
    return submission


def entry_enrolment(agency: Any, year: Any) -> Enrolment | None:
    """The agency's enrolment in ``year`` if it is registered (only a registered agency
    answers the OIT)."""
    if year is None:
        return None
    return Enrolment.objects.filter(agency=agency, year=year).exclude(
        state=EnrolmentState.NOT_REGISTERED).select_related("year", "agency").first()


def progress_of(submission: Submission) -> tuple[int, int]:
    """(items answered, items in all)."""
    counts = submission.answers.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(publishes=False) | (Q(publishes=True) & ~Q(urls=[]))))
    return counts["done"], counts["total"]


def notes_for(item: OITItem, agency: Any, language: str) -> list[str]:
    """The item's notes that apply to the agency's type, in the page's language."""
    field = "text_en" if language == "en" else "text_th"
    return [getattr(note, field) for note in item.agency_notes if agency.kind in note.kinds]


# --- checking what the agency typed ---------------------------------------------------

_URL_IN_TEXT = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)


def clean_urls(urls: list[str]) -> list[str]:
    """The addresses as typed, stripped, without blanks and repeats; refused when more
    than five, too long, or not a web address (http or https) the fetcher could open."""
    cleaned: list[str] = []
    for url in (u.strip() for u in urls):
        if url and url not in cleaned:
            cleaned.append(url)
    if len(cleaned) > MAX_URLS:
        raise ActionRefused(ngettext("Give at most %(n)d web address.",
                                     "Give at most %(n)d web addresses.", MAX_URLS)
                            % {"n": MAX_URLS}, field="urls")
    for url in cleaned:
        if len(url) > MAX_URL_LENGTH:
            raise ActionRefused(_("A web address may be at most %(n)d characters long.")
                                % {"n": MAX_URL_LENGTH}, field="urls")
        problem = fetcher.url_problem(url)
        if problem == fetcher.Problem.BAD_SCHEME:
            raise ActionRefused(_("“%(url)s” is not a web page address: it must begin with "
                                  "http:// or https://.") % {"url": url[:80]}, field="urls")
        if problem is not None:
            raise ActionRefused(_("“%(url)s” is not a valid web address.") % {"url": url[:80]},
                                field="urls")
    return cleaned


def urls_in_text(text: str) -> list[str]:
    return _URL_IN_TEXT.findall(text or "")


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:20]


# --- the agency's answers ---------------------------------------------------------------


def _agency_of(submission: Submission) -> Any:
    return submission.enrolment.agency


def _locked(submission: Submission) -> Submission:
    return Submission.objects.select_for_update().select_related(
        "enrolment__agency", "enrolment__year").get(pk=submission.pk)


def _may(permission: str, submission: Submission, acting_user: User) -> Any:
    """The permission on the submission's agency, refused politely for a deactivated
    agency's own people; the agency."""
    agency = _agency_of(submission)
    refuse_if_inactive(acting_user, agency)
    require(acting_user, permission, agency)
    return agency


def _require_state(submission: Submission, *states: str) -> None:
    if submission.state not in states:
        if submission.state == SubmissionState.AWAITING_APPROVAL:
            raise ActionRefused(_("The OIT is with the executive for approval. Ask them to "
                                  "send it back if something must change."))
        if submission.state == SubmissionState.APPROVED:
            raise ActionRefused(_("The OIT is approved and locked."))
        raise ActionRefused(_("The OIT has not been sent to the executive yet."))


@transaction.atomic
def save_answer(answer: Answer, *, publishes: bool | None, urls: list[str], explanation: str,
                acting_user: User) -> Answer:
    """Save one item's answer while the OIT is being prepared: whether the agency publishes
    the data, one to five addresses on its website, and where on the page the data is.
    Saving an unfinished answer is allowed; the check for completeness is at sending."""
    agency = _may("disclosure.edit_answers", answer.submission, acting_user)
    calendar.require_open(answer.submission.enrolment.year, Phase.OIT_ENTRY, agency)
    submission = _locked(answer.submission)
    _require_state(submission, SubmissionState.DRAFT)
    explanation = (explanation or "").strip()
    if len(explanation) > MAX_EXPLANATION:
        raise ActionRefused(_("The explanation may be at most %(n)d characters long "
                              "(now %(m)d).") % {"n": MAX_EXPLANATION, "m": len(explanation)},
                            field="explanation")
    cleaned = clean_urls(urls) if publishes is not False else []
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    before = {"publishes": answer.publishes, "urls": answer.urls,
              "explanation": answer.explanation}
    after = {"publishes": publishes, "urls": cleaned, "explanation": explanation}
    if before == after:
        return answer
    answer.publishes, answer.urls, answer.explanation = publishes, cleaned, explanation
    answer.updated_by = acting_user
    answer.save()
    audit.record(AuditAction.ANSWER_SAVE, actor=acting_user, obj=answer, before=before,
                 after={**after, "item": answer.item_code, "agency": agency.code})
    return answer


@transaction.atomic
def request_link_check(submission: Submission, *, acting_user: User) -> LinkCheck:
    """Fetch every address the agency gave, in the background; the results arrive on the
    page as the worker gets them. At most one check every two minutes."""
    agency = _may("disclosure.edit_answers", submission, acting_user)
    submission = _locked(submission)
    last = submission.link_checks.order_by("-requested_at").first()
    now = timezone.now()
    if last is not None and now - last.requested_at < LINK_CHECK_INTERVAL:
        wait = LINK_CHECK_INTERVAL - (now - last.requested_at)
        seconds = max(1, int(wait.total_seconds()))
        raise ActionRefused(ngettext(
            "Your links were checked less than two minutes ago. Try again in %(s)d second.",
            "Your links were checked less than two minutes ago. Try again in %(s)d seconds.",
            seconds) % {"s": seconds})
    jobs = [(answer.pk, url) for answer in submission.answers.filter(publishes=True)
            for url in answer.urls]
    if not jobs:
        raise ActionRefused(_("No web address has been given yet."))
    check = LinkCheck.objects.create(submission=submission, requested_by=acting_user,
                                     expected=len(jobs))
    audit.record(AuditAction.LINKS_CHECK, actor=acting_user, obj=submission,
                 after={"agency": agency.code, "addresses": len(jobs)})
    from .tasks import CHECK, enqueue_captures

    enqueue_captures([(answer_id, url, f"check:{check.pk}:{answer_id}:{url_key(url)}")
                      for answer_id, url in jobs], purpose=CHECK)
    return check


@transaction.atomic
def submit(submission: Submission, *, acting_user: User) -> Submission:
    """Send the whole OIT to the executive; every item must be answered."""
    agency = _may("disclosure.edit_answers", submission, acting_user)
    calendar.require_open(submission.enrolment.year, Phase.OIT_ENTRY, agency)
    submission = _locked(submission)
    _require_state(submission, SubmissionState.DRAFT)
    missing = [a.item_code for a in submission.answers.all() if not a.answered]
    if missing:
        raise ActionRefused(ngettext(
            "Answer every item first. Not answered yet: %(items)s.",
            "Answer every item first. Not answered yet: %(items)s.", len(missing))
            % {"items": ", ".join(sorted(missing, key=_natural))})
    submission.state = SubmissionState.AWAITING_APPROVAL
    submission.submitted_at, submission.submitted_by = timezone.now(), acting_user
    submission.returned_comment = ""
    submission.save()
    audit.record(AuditAction.SUBMIT, actor=acting_user, obj=submission,
                 before={"state": SubmissionState.DRAFT},
                 after={"state": submission.state, "agency": agency.code})
    notices.tell(agency, "submitted")
    return submission


@transaction.atomic
def approve(submission: Submission, *, acting_user: User) -> Submission:
    """The executive approves the OIT before the deadline: it is locked, items the agency
    does not publish fail at once (there is nothing to review), and every address is
    fetched in the background and kept as the evidence consultants review."""
    agency = _may("disclosure.approve", submission, acting_user)
    calendar.require_open(submission.enrolment.year, Phase.OIT_ENTRY, agency)
    submission = _locked(submission)
    _require_state(submission, SubmissionState.AWAITING_APPROVAL)
    require_independent_approver(acting_user, agency, submission.submitted_by_id,
                                 headcount=False)
    now = timezone.now()
    submission.state = SubmissionState.APPROVED
    submission.approved_at, submission.approved_by = now, acting_user
    submission.approval_round += 1
    submission.save()
    answers = list(submission.answers.select_for_update())
    for answer in answers:
        if answer.publishes:
            answer.state = ItemState.AWAITING_REVIEW
        else:
            answer.state, answer.passed, answer.decided_at = ItemState.REVIEWED, False, now
    Answer.objects.bulk_update(answers, ["state", "passed", "decided_at"])
    queue_counts.changed_agency(agency, submission.enrolment.year_id)
    Decision.objects.bulk_create(
        Decision(answer=a, round=DecisionRound.AUTOMATIC, passed=False)
        for a in answers if not a.publishes)
    audit.record(AuditAction.APPROVE, actor=acting_user, obj=submission,
                 before={"state": SubmissionState.AWAITING_APPROVAL},
                 after={"state": submission.state, "agency": agency.code,
                        "round": submission.approval_round})
    from .tasks import SUBMISSION, enqueue_captures

    round_ = submission.approval_round
    enqueue_captures([(a.pk, url, f"submission:{submission.pk}:{round_}:{a.pk}:{url_key(url)}")
                      for a in answers if a.publishes for url in a.urls], purpose=SUBMISSION)
    notices.tell(agency, "approved")
    return submission


@transaction.atomic
def send_back(submission: Submission, comment: str, *, acting_user: User) -> Submission:
    """The executive returns the OIT to the administrators with a comment."""
    agency = _may("disclosure.approve", submission, acting_user)
    calendar.require_open(submission.enrolment.year, Phase.OIT_ENTRY, agency)
    comment = (comment or "").strip()
    if not comment:
        raise ActionRefused(_("Say what should change."), field="comment")
    submission = _locked(submission)
    _require_state(submission, SubmissionState.AWAITING_APPROVAL)
    submission.state, submission.returned_comment = SubmissionState.DRAFT, comment[:4000]
    submission.save()
    audit.record(AuditAction.RETURN, actor=acting_user, obj=submission, reason=comment,
                 before={"state": SubmissionState.AWAITING_APPROVAL},
                 after={"state": submission.state, "agency": agency.code})
    notices.tell(agency, "returned", comment=comment)
    return submission


@transaction.atomic
def withdraw_approval(submission: Submission, reason: str, *, acting_user: User
                      ) -> Submission:
    """Before the deadline the executive may take the approval back (with a reason): the
    OIT returns to the administrators. Not once a consultant has decided an item."""
    agency = _may("disclosure.approve", submission, acting_user)
    calendar.require_open(submission.enrolment.year, Phase.OIT_ENTRY, agency)
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(_("Give the reason."), field="reason")
    submission = _locked(submission)
    _require_state(submission, SubmissionState.APPROVED)
    if Decision.objects.filter(answer__submission=submission).exclude(
            round=DecisionRound.AUTOMATIC).exists():
        raise ActionRefused(_("Consultants have begun reviewing this OIT, so the approval "
                              "can no longer be withdrawn."))
    submission.state = SubmissionState.DRAFT
    submission.save()
    submission.answers.update(state=ItemState.DRAFT, passed=None, decided_by=None,
                              decided_at=None, second_review=SecondReview.NONE)
    queue_counts.changed_agency(agency, submission.enrolment.year_id)
    audit.record(AuditAction.WITHDRAW, actor=acting_user, obj=submission, reason=reason,
                 before={"state": SubmissionState.APPROVED},
                 after={"state": submission.state, "agency": agency.code})
    return submission


def _natural(code: str) -> tuple:
    digits = "".join(ch for ch in code if ch.isdigit())
    return (code.rstrip("0123456789"), int(digits) if digits else 0, code)


def natural_key(code: str) -> tuple:
    """Sort key for item codes: O2 before O10."""
    return _natural(code)
