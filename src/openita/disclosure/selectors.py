"""Reads of the OIT: the consultants' queue, an item's captures, progress across a scope.

Every list is one query for its page plus one grouped count, whatever the number of rows
(the query-count baselines hold this).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Length, StrIndex, Substr

from openita.accounts.models import ConsultantTeam
from openita.accounts.predicates import roles_of
from openita.agencies.services import scope_filter

from .models import Answer, Capture, CapturePurpose, ItemState, Submission, SubmissionState

REVIEW_STATES = [s for s in ItemState.values if s != ItemState.DRAFT]
SORTS: dict[str, list[Any]] = {
    "agency": ["submission__enrolment__agency__code", Length("item_code"), "item_code"],
    "item": [Length("item_code"), "item_code", "submission__enrolment__agency__code"],
    "updated": ["-updated_at", "pk"],
    "state": ["state", "submission__enrolment__agency__code", Length("item_code"),
              "item_code"],
}


def team_group_ids(user: Any) -> list[int] | None:
    """The agency groups of the user's consultant teams; None for NACC (every group)."""
    roles = roles_of(user)
    if roles.nacc_admin:
        return None
    return list(ConsultantTeam.groups.through.objects.filter(
        consultantteam_id__in=roles.team_ids).values_list("agencygroup_id", flat=True))


def reviewable_answers(user: Any, year: Any) -> QuerySet[Answer]:
    """The answers of approved OITs of ``year`` in the agencies the user reviews."""
    answers = Answer.objects.filter(
        submission__enrolment__year=year, submission__state=SubmissionState.APPROVED,
        state__in=REVIEW_STATES)
    groups = team_group_ids(user)
    if groups is not None:
        answers = answers.filter(submission__enrolment__agency__group_id__in=groups)
    return answers


def filter_queue(answers: QuerySet[Answer], data: dict[str, Any]) -> QuerySet[Answer]:
    if data.get("group"):
        answers = answers.filter(submission__enrolment__agency__group_id=data["group"])
    if data.get("province"):
        answers = answers.filter(submission__enrolment__agency__province_id=data["province"])
    if data.get("item"):
        answers = answers.filter(item_code=data["item"])
    if data.get("second"):
        answers = answers.filter(second_review=data["second"])
    if data.get("q"):
        q = data["q"]
        answers = answers.filter(Q(submission__enrolment__agency__code__icontains=q)
                                 | Q(submission__enrolment__agency__name_th__icontains=q))
    return answers


def queue(answers: QuerySet[Answer], data: dict[str, Any]) -> QuerySet[Any]:
    """The ids of the filtered answers (state included) in the chosen order: the database
    sorts narrow rows, and only one page of them is loaded whole (``rows_of``)."""
    if data.get("state"):
        answers = answers.filter(state=data["state"])
    order = SORTS.get(data.get("sort") or "agency", SORTS["agency"])
    return answers.order_by(*order).values_list("pk", flat=True)


def rows_of(ids: list[int]) -> list[Answer]:
    """The answers of a page, in the page's order, with what the queue shows of each."""
    found = Answer.objects.filter(pk__in=ids).select_related(
        "submission__enrolment__agency__province", "submission__enrolment__agency__group",
        "decided_by").in_bulk()
    return [found[pk] for pk in ids if pk in found]


def state_counts(answers: QuerySet[Answer]) -> dict[str, int]:
    """How many of the (filtered, any state) answers are in each state: one query."""
    found = dict(answers.order_by().values_list("state").annotate(n=Count("pk")))
    return {state: found.get(state, 0) for state in REVIEW_STATES}


def neighbour(ordered: QuerySet[Answer], current: Answer, *, after: bool = True
              ) -> Answer | None:
    """The answer just after (or before) ``current`` in the agency-then-item order of
    ``ordered``, found by comparing keys rather than counting rows."""
    code = current.submission.enrolment.agency.code
    length, item = len(current.item_code), current.item_code
    base = ordered.annotate(_len=Length("item_code"), _agency=F(
        "submission__enrolment__agency__code"))
    if after:
        step = (Q(_agency__gt=code) | Q(_agency=code, _len__gt=length)
                | Q(_agency=code, _len=length, item_code__gt=item))
        return base.filter(step).order_by("_agency", "_len", "item_code").first()
    step = (Q(_agency__lt=code) | Q(_agency=code, _len__lt=length)
            | Q(_agency=code, _len=length, item_code__lt=item))
    return base.filter(step).order_by("-_agency", "-_len", "-item_code").first()


@dataclass(frozen=True)
class UrlEvidence:
    """What openita knows of one address of an answer: the capture kept at approval, the
    latest re-check, and the latest link check by the agency."""

    position: int
    url: str
    kept: Capture | None
    recheck: Capture | None
    check: Capture | None


def evidence_of(answer: Answer) -> list[UrlEvidence]:
    """Per address, its newest capture of each purpose (one query); the kept evidence is
    the capture of the latest approval."""
    round_ = answer.submission.approval_round
    newest: dict[tuple[str, str], Capture] = {}
    for capture in answer.captures.defer("text").select_related("snapshot").order_by(
            "fetched_at", "pk"):
        if capture.purpose == CapturePurpose.SUBMISSION and not capture.job_key.startswith(
                f"submission:{answer.submission_id}:{round_}:"):
            continue
        newest[capture.requested_url, capture.purpose] = capture
    return [UrlEvidence(n, url, newest.get((url, CapturePurpose.SUBMISSION)),
                        newest.get((url, CapturePurpose.RECHECK)),
                        newest.get((url, CapturePurpose.CHECK)))
            for n, url in enumerate(answer.urls, start=1)]


def latest_checks(submission: Submission) -> dict[tuple[int, str], Capture]:
    """The newest link-check capture per (answer id, URL) of the latest check: one query."""
    check = submission.link_checks.first()
    if check is None:
        return {}
    found: dict[tuple[int, str], Capture] = {}
    for capture in Capture.objects.filter(
            answer__submission=submission, purpose=CapturePurpose.CHECK,
            job_key__startswith=f"check:{check.pk}:").defer("text"):
        found[capture.answer_id, capture.requested_url] = capture
    return found


# --- progress across a scope ----------------------------------------------------------

PROGRESS_STAGES = ["enrolled", "submitted", "approved", "reviewed", "disputed", "confirmed"]


def _ministry_of_agency(prefix: str) -> Any:
    """The id (as text) of the top of the agency's hierarchy, from its lineage
    "/<top>/…/<own>/": the ministry for a department or a local administration."""
    lineage = f"{prefix}lineage"
    rest = Substr(lineage, 2)
    return Substr(lineage, 2, StrIndex(rest, Value("/")) - 1)


def _grouping(by: str, prefix: str) -> Any:
    if by == "ministry":
        return _ministry_of_agency(prefix)
    return F({"province": f"{prefix}province__name_th", "kind": f"{prefix}kind"}[by])


def progress_rows(user: Any, year: Any, by: str) -> list[dict[str, Any]]:
    """OIT progress of the agencies in the user's scope, grouped by province, ministry (the
    top of the agency's hierarchy) or agency type: how many are enrolled, have sent their
    OIT to the executive, are approved, fully reviewed, filed a clarification, are
    confirmed. Two queries, whatever the number of agencies."""
    from openita.agencies.models import Agency
    from openita.calendars.models import Enrolment, EnrolmentState

    enrolments = Enrolment.objects.filter(year=year).exclude(
        state=EnrolmentState.NOT_REGISTERED)
    scope = scope_filter(user)
    if scope is not None:
        enrolments = enrolments.filter(agency__in=_agencies(scope))
    waiting = Answer.objects.filter(submission=OuterRef("oit"), state=ItemState.AWAITING_REVIEW)
    rows = enrolments.annotate(group_key=_grouping(by, "agency__")).values(
        "group_key").annotate(
        enrolled=Count("pk"),
        submitted=Count("pk", filter=Q(oit__state__in=[
            SubmissionState.AWAITING_APPROVAL, SubmissionState.APPROVED])),
        approved=Count("pk", filter=Q(oit__state=SubmissionState.APPROVED)),
        # Approved with no item left waiting for its first review.
        reviewed=Count("pk", filter=Q(Q(oit__state=SubmissionState.APPROVED),
                                      ~Exists(waiting))),
        disputed=Count("pk", filter=Q(oit__clarification="filed")),
        confirmed=Count("pk", filter=Q(oit__confirmed_at__isnull=False)),
    ).order_by("group_key")
    result: list[dict[str, Any]] = []
    for found in rows:
        row: dict[str, Any] = dict(found)
        result.append({"key": row.pop("group_key"), **row})
    if by == "ministry":
        names = dict(Agency.objects.filter(
            pk__in=[int(r["key"]) for r in result if (r["key"] or "").isdigit()]
        ).values_list("pk", "name_th"))
        for row in result:
            row["key"] = names.get(int(row["key"])) if (row["key"] or "").isdigit() else None
    return result


def _agencies(scope: Q) -> Any:
    from openita.agencies.models import Agency

    return Agency.objects.filter(scope)
