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

from .models import (
    Answer,
    Capture,
    CapturePurpose,
    ItemState,
    SecondReview,
    Submission,
    SubmissionState,
)
from .queue_counts import Counts

REVIEW_STATES = [s for s in ItemState.values if s != ItemState.DRAFT]
SORTS: dict[str, list[Any]] = {
    "agency": ["submission__enrolment__agency__code", Length("item_code"), "item_code"],
    "item": [Length("item_code"), "item_code", "submission__enrolment__agency__code"],
    "updated": ["-updated_at", "pk"],
    "state": ["state", "submission__enrolment__agency__code", Length("item_code"),
              "item_code"],
}


def team_group_ids(user: Any) -> list[int] | None:
    """The agency groups of the user's consultant teams; None for NACC (every group).
    Kept on the user object for the rest of the request, as ``roles_of`` keeps the roles."""
    roles = roles_of(user)
    if roles.nacc_admin:
        return None
    kept = getattr(user, "_openita_team_groups", None)
    if kept is None or kept[0] is not roles:  # the roles were read again: so are the groups
        kept = (roles, list(ConsultantTeam.groups.through.objects.filter(
            consultantteam_id__in=roles.team_ids).values_list("agencygroup_id", flat=True)))
        user._openita_team_groups = kept
    return list(kept[1])


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


def item_key(code: str) -> tuple[int, str]:
    """Items in the framework's order (O2 before O10), as the queue sorts them."""
    return len(code), code


def queue(answers: QuerySet[Answer], data: dict[str, Any], counts: Counts) -> Any:
    """The ids of the filtered answers (state included) in the chosen order, sliced by the
    paginator: the database sorts narrow rows, and only one page of them is loaded whole
    (``rows_of``). Sorted by item, only the items a page spans are sorted at all."""
    if data.get("state"):
        answers = answers.filter(state=data["state"])
    if data.get("sort") == "item":
        per_item: dict[str, int] = {}
        for (state, item), n in counts.items():
            if not data.get("state") or state == data["state"]:
                per_item[item] = per_item.get(item, 0) + n
        return ItemOrderedIds(answers, per_item)
    order = SORTS.get(data.get("sort") or "agency", SORTS["agency"])
    return answers.order_by(*order).values_list("pk", flat=True)


class ItemOrderedIds:
    """Answer ids by item, then agency, for a paginator's slice. The number of answers of
    each item is known from the counts, so a page's slice becomes the few items it spans
    and an offset into the first of them: the database sorts a few thousand rows, not every
    answer of the scope, in one query whatever the page."""

    ordered = True  # for the paginator: the order is the items', then the agencies'

    def __init__(self, answers: QuerySet[Answer], per_item: dict[str, int]) -> None:
        self.answers = answers
        self.sizes = [(code, per_item[code]) for code in sorted(per_item, key=item_key)
                      if per_item[code] > 0]

    def __len__(self) -> int:
        return sum(n for _, n in self.sizes)

    def __getitem__(self, window: slice) -> list[int]:
        start, stop = window.start or 0, window.stop
        assert stop is not None and window.step is None
        first, spanned, begins = None, [], 0
        for code, n in self.sizes:
            if begins < stop and begins + n > start:
                first = begins if first is None else first
                spanned.append(code)
            begins += n
        if first is None:
            return []
        # Within one item the order is the agencies': the database then walks the index of
        # agency codes and stops at the page's end, as on the queue sorted by agency.
        order = SORTS["agency"] if len(spanned) == 1 else SORTS["item"]
        return list(self.answers.filter(item_code__in=spanned).order_by(
            *order).values_list("pk", flat=True)[start - first:stop - first])


def rows_of(ids: list[int]) -> list[QueueRow]:
    """The answers of a page, in the page's order, with what the queue shows of each:
    plain values, one query, no model built per row."""
    agency = "submission__enrolment__agency__"
    found = {row[0]: QueueRow(*row) for row in Answer.objects.filter(pk__in=ids).values_list(
        "pk", "item_code", "state", "passed", "decided_by__full_name", "second_review",
        f"{agency}code", f"{agency}name_th", f"{agency}province__name_th",
        f"{agency}group__code")}
    return [found[pk] for pk in ids if pk in found]


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue."""

    pk: int
    item_code: str
    state: str
    passed: bool | None
    decided_by: str | None
    second_review: str
    agency_code: str
    agency_name: str
    province: str | None
    group: str | None

    @property
    def state_label(self) -> str:
        return str(ItemState(self.state).label)

    @property
    def second_review_label(self) -> str:
        return str(SecondReview(self.second_review).label) if self.second_review else ""


def answer_counts(answers: QuerySet[Answer]) -> Counts:
    """How many of the (filtered, any state) answers are in each state, per item: one
    grouped query. The queue's state counts, its total and its pages by item come from it."""
    return {(state, item): n for state, item, n in answers.order_by().values_list(
        "state", "item_code").annotate(n=Count("pk"))}


def answer_counts_by_group(answers: QuerySet[Answer], groups: list[int | None]
                           ) -> dict[int | None, Counts]:
    """``answer_counts`` for each of these agency groups (None: agencies in no group),
    in one grouped query."""
    group = "submission__enrolment__agency__group_id"
    named = [g for g in groups if g is not None]
    scope = Q(**{f"{group}__in": named})
    if None in groups:
        scope |= Q(**{f"{group}__isnull": True})
    found: dict[int | None, Counts] = {g: {} for g in groups}
    for group_id, state, item, n in answers.filter(scope).order_by().values_list(
            group, "state", "item_code").annotate(n=Count("pk")):
        found.setdefault(group_id, {})[state, item] = n
    return found


def state_counts(counts: Counts) -> dict[str, int]:
    """The counts per state, every state of the review listed."""
    per_state = dict.fromkeys(REVIEW_STATES, 0)
    for (state, _item), n in counts.items():
        if state in per_state:
            per_state[state] += n
    return per_state


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
