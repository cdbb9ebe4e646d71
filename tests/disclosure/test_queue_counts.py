"""The queue's counts are kept in the cache between changes: every change of an item's
state must show in the next page, as it runs in production (changes committed, the new
version given after the commit), and a count made before a commit must never be served
after it."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.urls import reverse

from openita.calendars.models import Phase
from openita.disclosure import clarification, confirmation, queue_counts, selectors, services
from openita.disclosure.models import Answer, DisputeOutcome, ItemState
from tests.disclosure.conftest import (
    answer_of,
    decide_all,
    file_dispute,
    only_open,
    release,
)
from tests.personas import build_world

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    return build_world()


def shown(client) -> dict[str, int]:
    page = client.get(reverse("oit:queue"))
    assert page.status_code == 200
    return {state: n for _label, state, n in page.context["counts"] if n}


def live(world) -> dict[str, int]:
    counts = selectors.state_counts(selectors.answer_counts(
        selectors.reviewable_answers(world.consultant_x, world.year)))
    return {state: n for state, n in counts.items() if n}


def test_every_change_of_an_item_s_state_shows_in_the_next_queue(reviewing, client_for):
    consultant, nacc = client_for(reviewing.consultant_x), client_for(reviewing.nacc)
    assert shown(consultant) == shown(nacc) == {ItemState.AWAITING_REVIEW: 4}

    def same_as_counted(after: str) -> None:
        assert shown(consultant) == live(reviewing), after
        assert shown(nacc) == live(reviewing), after

    decide_all(reviewing, {"O1": True, "O2": False})
    same_as_counted("decided")
    decide_all(reviewing, {"O3": True, "O4": True})
    same_as_counted("all decided")
    release(reviewing)
    same_as_counted("released")
    file_dispute(reviewing, "O2")
    same_as_counted("clarification filed")
    clarification.answer_dispute(answer_of(reviewing, "O2"), outcome=DisputeOutcome.UPHELD,
                                 reply="ยังไม่พบข้อมูลตามเกณฑ์",
                                 acting_user=reviewing.consultant_x)
    same_as_counted("dispute answered")
    assert live(reviewing) == {ItemState.RELEASED: 3, ItemState.ANSWERED: 1}

    only_open(reviewing, Phase.CONFIRMATION)
    confirmation.confirm(reviewing.submission, acting_user=reviewing.lead_x)
    assert shown(consultant) == shown(nacc) == {ItemState.FINAL: 4}


def test_an_approval_withdrawn_leaves_the_queue_at_once(approved, client_for):
    only_open(approved, Phase.OIT_ENTRY)
    consultant = client_for(approved.consultant_x)
    assert shown(consultant) == {ItemState.AWAITING_REVIEW: 4}
    services.withdraw_approval(approved.submission, "ส่งผิดฉบับ",
                               acting_user=approved.executive_a)
    assert shown(consultant) == {}
    services.submit(approved.submission, acting_user=approved.admin_a)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.approve(approved.submission, acting_user=approved.executive_a)
    assert shown(consultant) == {ItemState.AWAITING_REVIEW: 4}


def counted(counts: queue_counts.Counts):
    """A count function that gives ``counts`` for every group asked, and notes the asks."""
    def count(groups):
        count.asked.append(sorted(groups, key=str))
        return {g: counts for g in groups}

    count.asked = []
    return count


def test_a_count_made_while_a_change_commits_is_not_served_after_it(reviewing):
    year, groups = reviewing.year.pk, [reviewing.group_x.pk]

    def count_then_change(asked):
        # Another consultant's decision commits while this page counts.
        queue_counts.changed(year, [reviewing.group_x.pk])
        return {g: {(ItemState.AWAITING_REVIEW, "O1"): 1} for g in asked}

    assert queue_counts.cached(year, groups, {}, count_then_change)
    fresh = {(ItemState.REVIEWED, "O1"): 1}
    assert queue_counts.cached(year, groups, {}, counted(fresh)) == fresh
    # Nothing changed since: the second count is served, and nothing is counted.
    again = counted({})
    assert queue_counts.cached(year, groups, {}, again) == fresh
    assert again.asked == []


def test_only_the_group_that_changed_is_counted_again(reviewing):
    year = reviewing.year.pk
    x, y = reviewing.group_x.pk, reviewing.agency_b.group_id
    one = {(ItemState.AWAITING_REVIEW, "O1"): 1}
    first = counted(one)
    assert queue_counts.cached(year, [x, y, None], {}, first) == {
        (ItemState.AWAITING_REVIEW, "O1"): 3}
    assert first.asked == [sorted([x, y, None], key=str)]
    queue_counts.changed(year, [y])
    second = counted({(ItemState.REVIEWED, "O1"): 1})
    assert queue_counts.cached(year, [x, y, None], {}, second) == {
        (ItemState.AWAITING_REVIEW, "O1"): 2, (ItemState.REVIEWED, "O1"): 1}
    assert second.asked == [[y]]
    # Other filters are other counts.
    third = counted({})
    queue_counts.cached(year, [x], {"item": "O1"}, third)
    assert third.asked == [[x]]


def test_without_a_cache_the_queue_counts_every_time(reviewing, client_for, monkeypatch):
    class Down:
        def __getattr__(self, name):
            raise ConnectionError("cache down")

    monkeypatch.setattr(queue_counts, "cache", Down())
    consultant = client_for(reviewing.consultant_x)
    assert shown(consultant) == {ItemState.AWAITING_REVIEW: 4}
    decide_all(reviewing, {"O1": True})
    assert shown(consultant) == {ItemState.AWAITING_REVIEW: 3, ItemState.REVIEWED: 1}


def test_sorted_by_item_every_page_is_the_slice_of_the_whole_order(reviewing):
    answers = selectors.reviewable_answers(reviewing.consultant_x, reviewing.year)
    whole = list(answers.order_by(*selectors.SORTS["item"]).values_list("pk", flat=True))
    counts = selectors.answer_counts(answers)
    ids = selectors.queue(answers, {"sort": "item"}, counts)
    assert len(ids) == len(whole) == 4
    for size in range(1, 6):
        for start in range(0, 5):
            assert ids[start:start + size] == whole[start:start + size], (start, size)
    reviewed = Answer.objects.filter(submission=reviewing.submission, item_code="O3")
    reviewed.update(state=ItemState.REVIEWED)
    counts = selectors.answer_counts(answers)
    only = selectors.queue(answers, {"sort": "item", "state": ItemState.REVIEWED}, counts)
    assert list(only[0:50]) == [reviewed.get().pk]
