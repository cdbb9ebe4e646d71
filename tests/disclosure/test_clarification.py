"""The clarification round and the confirmation, with the scoring engine's OIT."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from openita.calendars.models import Phase
from openita.core.errors import ActionRefused, PhaseClosed
from openita.disclosure import clarification, confirmation, filers, services
from openita.disclosure.models import (
    ClarificationState,
    Dispute,
    DisputeOutcome,
    ItemState,
    SubmissionState,
)
from openita.scoring import engine
from tests.disclosure.conftest import answer_of, file_dispute, fresh, only_open


def _dispute(world, code="O2", reason="ข้อมูลอยู่ในตารางที่สอง", **more):
    return clarification.save_dispute(answer_of(world, code), reason=reason,
                                      url_position=more.get("url_position", 1),
                                      where=more.get("where", ""), acting_user=world.admin_a)


def test_the_agency_disputes_a_released_item_pointing_into_its_evidence(released):
    only_open(released, Phase.CLARIFICATION)
    dispute = _dispute(released, where="หน้า 3 ของไฟล์")
    assert dispute.url_position == 1
    assert fresh(released.submission).clarification == ClarificationState.DRAFT


def test_a_clarification_cannot_bring_a_new_address(released):
    only_open(released, Phase.CLARIFICATION)
    with pytest.raises(ActionRefused, match="new-page"):
        _dispute(released, reason="ดูที่ https://sao-a.example.test/new-page แทน")
    with pytest.raises(ActionRefused):
        _dispute(released, reason="ดูที่ www.other.example.test/x")
    assert not Dispute.objects.exists()
    _dispute(released, reason="อยู่ที่ https://sao-a.example.test/ita/o2-1 ตารางที่ 2")  # original


def test_disputes_only_inside_the_window_and_only_on_released_items(released):
    with pytest.raises(PhaseClosed):
        _dispute(released)
    only_open(released, Phase.CLARIFICATION)
    with pytest.raises(PermissionDenied):
        clarification.save_dispute(answer_of(released, "O2"), reason="x", url_position=None,
                                   where="", acting_user=released.admin_b)


def test_the_executive_files_the_clarification_and_silence_accepts_the_rest(released):
    file_dispute(released, "O2")
    submission = fresh(released.submission)
    assert submission.clarification == ClarificationState.FILED
    assert answer_of(released, "O2").state == ItemState.DISPUTED
    assert answer_of(released, "O1").state == ItemState.RELEASED
    with pytest.raises(ActionRefused):  # filed: no more changes
        _dispute(released, "O1")


def test_the_consultant_changes_the_decision_with_a_reply(released):
    file_dispute(released, "O2")
    with pytest.raises(ActionRefused) as refused:
        clarification.answer_dispute(answer_of(released, "O2"), outcome="changed", reply="",
                                     criteria={"1": True}, acting_user=released.consultant_x)
    assert refused.value.field == "reply"
    clarification.answer_dispute(answer_of(released, "O2"), outcome=DisputeOutcome.CHANGED,
                                 reply="พบข้อมูลตามที่ชี้แจง", criteria={"1": True},
                                 acting_user=released.consultant_x)
    answer = answer_of(released, "O2")
    assert (answer.state, answer.passed) == (ItemState.ANSWERED, True)
    assert answer.dispute.reply == "พบข้อมูลตามที่ชี้แจง"


def test_the_lead_confirms_and_the_engine_computes_the_oit(released):
    file_dispute(released, "O2")
    clarification.answer_dispute(answer_of(released, "O2"), outcome=DisputeOutcome.UPHELD,
                                 reply="ยืนตามเดิม", acting_user=released.consultant_x)
    only_open(released, Phase.CONFIRMATION)
    with pytest.raises(PermissionDenied):
        confirmation.confirm(released.submission, acting_user=released.consultant_x)
    confirmation.confirm(released.submission, acting_user=released.lead_x)
    submission = fresh(released.submission)
    assert submission.confirmed_at is not None
    assert set(submission.answers.values_list("state", flat=True)) == {ItemState.FINAL}
    # The stored figures are the engine's, not a second sum.
    expected = engine.score_oit(services.framework_of(submission.enrolment),
                                {"O1": True, "O2": False, "O3": True, "O4": True})
    assert submission.scores == expected.as_strings()
    assert submission.scores["4.1"] == "66.67" and submission.scores["4.2"] == "100.00"


def test_confirmation_waits_for_every_dispute_to_be_answered(released):
    file_dispute(released, "O2")
    only_open(released, Phase.CONFIRMATION)
    with pytest.raises(ActionRefused, match="O2"):
        confirmation.confirm(released.submission, acting_user=released.lead_x)
    assert fresh(released.submission).confirmed_at is None
    assert fresh(released.submission).state == SubmissionState.APPROVED


def test_nacc_publishes_the_list_of_filers_and_keeps_each_edition(released):
    file_dispute(released, "O2")
    first = filers.publish(released.year, "", acting_user=released.nacc)
    assert [r["code"] for r in first.agencies] == ["SAO-A"]
    assert first.agencies[0]["items"] == ["O2"]
    second = filers.publish(released.year, "ฉบับแก้ไข", acting_user=released.nacc)
    assert filers.latest(released.year) == second
    assert filers.earlier(released.year) == [first]
    with pytest.raises(PermissionDenied):
        filers.publish(released.year, "", acting_user=released.consultant_x)


def test_confirmation_waits_for_a_second_review_drawn(reviewing):
    from openita.disclosure import review
    from tests.disclosure.conftest import decide_all, set_phase

    reviewing.year.oit_second_review_percent = 100
    reviewing.year.save()
    decide_all(reviewing, {"O1": True, "O2": True, "O3": True, "O4": True})
    # Review, release and confirmation overlap here, as they may in a calendar.
    set_phase(reviewing, Phase.PRELIMINARY_RELEASE)
    set_phase(reviewing, Phase.CONFIRMATION)
    review.release_due()
    with pytest.raises(ActionRefused, match="O1, O2, O3, O4"):
        confirmation.confirm(reviewing.submission, acting_user=reviewing.lead_x)
    for code in ("O1", "O2", "O3", "O4"):  # the second consultant agrees on every item
        review.decide(answer_of(reviewing, code), passed=True, criteria={"1": True},
                      comment="", acting_user=reviewing.lead_x)
    confirmation.confirm(reviewing.submission, acting_user=reviewing.lead_x)
    assert fresh(reviewing.submission).scores["OIT"] == "100.00"
