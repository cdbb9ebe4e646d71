"""The consultants' review, the second review, the team lead, and the release."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from openita.calendars.models import Phase
from openita.core.errors import ActionRefused, PhaseClosed
from openita.core.models import AuditEntry
from openita.disclosure import review
from openita.disclosure.models import Decision, ItemState, SecondReview
from tests.disclosure.conftest import answer_of, only_open, release


def _decide(world, code="O1", passed=True, criteria=None, comment="", by=None):
    return review.decide(answer_of(world, code), passed=passed,
                         criteria={"1": passed} if criteria is None else criteria,
                         comment=comment, acting_user=by or world.consultant_x)


def test_a_consultant_of_the_team_decides_an_item(reviewing):
    decision = _decide(reviewing)
    answer = answer_of(reviewing, "O1")
    assert (answer.state, answer.passed, answer.decided_by) == (
        ItemState.REVIEWED, True, reviewing.consultant_x)
    assert decision.criteria == {"1": True}
    assert AuditEntry.objects.filter(action="oit.decide", object_id=str(answer.pk)).exists()


def test_a_failing_decision_needs_a_comment(reviewing):
    with pytest.raises(ActionRefused) as refused:
        _decide(reviewing, passed=False, comment="  ")
    assert refused.value.field == "comment"
    assert answer_of(reviewing, "O1").passed is None
    assert not Decision.objects.exclude(round="automatic").exists()


def test_a_pass_needs_every_criterion_ticked(reviewing):
    with pytest.raises(ActionRefused) as refused:
        _decide(reviewing, passed=True, criteria={"1": False})
    assert refused.value.field == "criteria"
    with pytest.raises(ActionRefused, match="9"):
        _decide(reviewing, passed=False, criteria={"9": True}, comment="x")


def test_a_consultant_outside_the_team_and_the_agency_cannot_decide(reviewing):
    for person in (reviewing.admin_a, reviewing.executive_a, reviewing.officer_p,
                   reviewing.nacc, reviewing.admin_b):
        with pytest.raises(PermissionDenied):
            _decide(reviewing, by=person)


def test_decisions_only_in_the_review_window(reviewing):
    only_open(reviewing, Phase.OIT_ENTRY)
    with pytest.raises(PhaseClosed):
        _decide(reviewing)


def test_a_drawn_item_goes_to_a_second_consultant_and_a_disagreement_to_the_lead(reviewing):
    reviewing.year.oit_second_review_percent = 100
    reviewing.year.save()
    _decide(reviewing, passed=True)
    assert answer_of(reviewing, "O1").second_review == SecondReview.PENDING
    _decide(reviewing, passed=False, comment="ผังไม่ครบ", by=reviewing.lead_x)  # second
    answer = answer_of(reviewing, "O1")
    assert answer.second_review == SecondReview.DISAGREES
    assert answer.passed is True  # the first decision stands until the lead settles it
    with pytest.raises(ActionRefused):
        _decide(reviewing, passed=True)  # the first consultant may not settle it
    _decide(reviewing, passed=False, comment="ตามความเห็นที่สอง", by=reviewing.lead_x)
    answer = answer_of(reviewing, "O1")
    assert (answer.second_review, answer.passed) == (SecondReview.SETTLED, False)
    rounds = list(Decision.objects.filter(answer=answer).values_list("round", flat=True))
    assert rounds == ["first", "second", "lead"]


def test_no_item_is_drawn_when_the_share_is_zero(reviewing):
    reviewing.year.oit_second_review_percent = 0
    reviewing.year.save()
    _decide(reviewing)
    assert answer_of(reviewing, "O1").second_review == SecondReview.NONE


def test_the_draw_is_reproducible(reviewing):
    answer = answer_of(reviewing, "O3")
    draws = {review.drawn_for_second_review(answer, 37) for _ in range(5)}
    assert len(draws) == 1


def test_release_shows_decisions_at_the_set_time_and_later_ones_at_once(reviewing):
    _decide(reviewing, "O1")
    assert review.release_due() == 0  # the release has not begun
    release(reviewing)
    assert answer_of(reviewing, "O1").state == ItemState.RELEASED
    assert answer_of(reviewing, "O2").state == ItemState.AWAITING_REVIEW
    assert AuditEntry.objects.filter(action="oit.release").count() == 1
    assert review.release_due() == 0  # run again: nothing more to move, no new row
    assert AuditEntry.objects.filter(action="oit.release").count() == 1


def test_a_released_decision_changes_only_through_a_clarification(released):
    only_open(released, Phase.OIT_REVIEW)
    with pytest.raises(ActionRefused):
        _decide(released, "O2", passed=True)
    assert answer_of(released, "O2").passed is False
