"""Every refused transition of the OIT: wrong state, wrong person, wrong window. Each one
leaves the submission and its items as they were and writes no audit row."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from openita.calendars.models import Phase
from openita.core.errors import ActionRefused, PhaseClosed
from openita.core.models import AuditEntry
from openita.disclosure import clarification, confirmation, review, services
from openita.disclosure.models import Answer, Submission
from tests.disclosure.conftest import answer_of, file_dispute, fill, only_open, set_phase


def _state(world) -> tuple:
    submission = Submission.objects.get(pk=world.submission.pk)
    items = tuple(Answer.objects.filter(submission=submission).order_by("item_code")
                  .values_list("state", "passed", "second_review"))
    return (submission.state, submission.clarification, submission.confirmed_at, items,
            AuditEntry.objects.count())


def _refused(world, action, error=ActionRefused) -> None:
    before = _state(world)
    with pytest.raises(error):
        action()
    assert _state(world) == before


def test_nothing_is_sent_twice_or_approved_before_it_is_sent(entering):
    w = entering
    _refused(w, lambda: services.approve(w.submission, acting_user=w.executive_a))
    fill(w)
    services.submit(w.submission, acting_user=w.admin_a)
    _refused(w, lambda: services.submit(w.submission, acting_user=w.admin_a))
    _refused(w, lambda: services.approve(w.submission, acting_user=w.admin_b),
             PermissionDenied)
    _refused(w, lambda: services.send_back(w.submission, "x", acting_user=w.admin_a),
             PermissionDenied)
    set_phase(w, Phase.OIT_ENTRY, opened_days_ago=30, closes_in_days=-1)
    _refused(w, lambda: services.approve(w.submission, acting_user=w.executive_a),
             PhaseClosed)


def test_no_review_before_approval_and_no_withdrawal_once_reviewed(entering):
    w = entering
    fill(w)
    set_phase(w, Phase.OIT_REVIEW)  # review and entry open together
    _refused(w, lambda: review.decide(answer_of(w, "O1"), passed=True, criteria={"1": True},
                                      comment="", acting_user=w.consultant_x))
    services.submit(w.submission, acting_user=w.admin_a)
    services.approve(w.submission, acting_user=w.executive_a)
    review.decide(answer_of(w, "O1"), passed=True, criteria={"1": True}, comment="",
                  acting_user=w.consultant_x)
    _refused(w, lambda: services.withdraw_approval(w.submission, "แก้ไข",
                                                   acting_user=w.executive_a))


def test_no_clarification_of_an_item_not_released_or_by_the_wrong_person(released):
    w = released
    only_open(w, Phase.CLARIFICATION)
    Answer.objects.filter(pk=answer_of(w, "O1").pk).update(state="awaiting_review")
    _refused(w, lambda: clarification.save_dispute(
        answer_of(w, "O1"), reason="x", url_position=None, where="", acting_user=w.admin_a))
    _refused(w, lambda: clarification.save_dispute(
        answer_of(w, "O2"), reason="x", url_position=None, where="",
        acting_user=w.executive_a), PermissionDenied)
    _refused(w, lambda: clarification.save_dispute(
        answer_of(w, "O2"), reason="x", url_position=9, where="", acting_user=w.admin_a))
    _refused(w, lambda: clarification.submit_clarification(w.submission,
                                                           acting_user=w.admin_a))
    clarification.save_dispute(answer_of(w, "O2"), reason="ดูตารางที่ 2", url_position=1,
                               where="", acting_user=w.admin_a)
    _refused(w, lambda: clarification.file_clarification(w.submission,
                                                         acting_user=w.executive_a))
    clarification.submit_clarification(w.submission, acting_user=w.admin_a)
    _refused(w, lambda: clarification.file_clarification(w.submission, acting_user=w.admin_a),
             PermissionDenied)
    _refused(w, lambda: clarification.withdraw_dispute(answer_of(w, "O2"),
                                                       acting_user=w.admin_a))


def test_disputes_are_answered_once_and_only_in_their_windows(released):
    w = released
    file_dispute(w, "O2")
    _refused(w, lambda: clarification.answer_dispute(
        answer_of(w, "O1"), outcome="upheld", reply="x", acting_user=w.consultant_x))
    _refused(w, lambda: clarification.answer_dispute(
        answer_of(w, "O2"), outcome="maybe", reply="x", acting_user=w.consultant_x))
    _refused(w, lambda: clarification.answer_dispute(
        answer_of(w, "O2"), outcome="upheld", reply="x", acting_user=w.admin_a),
        PermissionDenied)
    only_open(w, Phase.PRELIMINARY_RELEASE)
    _refused(w, lambda: clarification.answer_dispute(
        answer_of(w, "O2"), outcome="upheld", reply="x", acting_user=w.consultant_x),
        PhaseClosed)
    only_open(w, Phase.CONFIRMATION)  # still answerable while confirmation runs
    clarification.answer_dispute(answer_of(w, "O2"), outcome="upheld", reply="ยืนตามเดิม",
                                 acting_user=w.consultant_x)
    _refused(w, lambda: clarification.answer_dispute(
        answer_of(w, "O2"), outcome="upheld", reply="x", acting_user=w.consultant_x))


def test_confirmation_only_in_its_window_and_only_once(released):
    w = released
    only_open(w, Phase.CLARIFICATION)
    _refused(w, lambda: confirmation.confirm(w.submission, acting_user=w.lead_x), PhaseClosed)
    only_open(w, Phase.CONFIRMATION)
    confirmation.confirm(w.submission, acting_user=w.lead_x)
    _refused(w, lambda: confirmation.confirm(w.submission, acting_user=w.lead_x))
    _refused(w, lambda: clarification.save_dispute(
        answer_of(w, "O2"), reason="x", url_position=None, where="", acting_user=w.admin_a),
        PhaseClosed)
