"""The agency's OIT: answers, bad input, sending, the executive's approval and its
withdrawal."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import TestCase

from openita.calendars.models import Phase
from openita.core.errors import ActionRefused, PhaseClosed
from openita.core.models import AuditEntry
from openita.disclosure import services
from openita.disclosure.models import (
    Answer,
    Capture,
    CapturePurpose,
    Decision,
    ItemState,
    SubmissionState,
)
from tests.disclosure.conftest import ITEMS, answer_of, fill, fresh, only_open, set_phase, url_for


def _save(world, code="O1", **changes):
    values = {"publishes": True, "urls": [url_for(code)], "explanation": "เมนู ITA"}
    values.update(changes)
    return services.save_answer(answer_of(world, code), acting_user=world.admin_a, **values)


def test_every_item_of_the_year_has_an_answer_keyed_by_its_code(entering):
    codes = sorted(entering.submission.answers.values_list("item_code", flat=True))
    assert codes == ITEMS
    assert services.progress_of(entering.submission) == (0, 4)


def test_the_admin_saves_an_answer_and_progress_counts_it(entering):
    answer = _save(entering, urls=[" https://sao-a.example.test/a ", "",
                                   "https://sao-a.example.test/a"])
    assert answer.urls == ["https://sao-a.example.test/a"]  # stripped, blanks and repeats gone
    assert services.progress_of(entering.submission) == (1, 4)
    assert AuditEntry.objects.filter(action="oit.save_answer", object_id=str(answer.pk)).exists()


def test_an_item_the_agency_does_not_publish_needs_no_address(entering):
    answer = _save(entering, publishes=False, urls=["https://sao-a.example.test/x"])
    assert answer.urls == [] and answer.answered


@pytest.mark.parametrize(("urls", "says"), [
    (["ftp://sao-a.example.test/file"], "http"),
    (["javascript:alert(1)"], "http"),
    (["file:///etc/passwd"], "http"),
    ([f"https://sao-a.example.test/{n}" for n in range(6)], "5"),
    (["https://sao-a.example.test/" + "a" * 2000], "2000"),
    (["https://"], "https://"),
])
def test_it_refuses_addresses_that_are_not_web_pages_and_saves_nothing(entering, urls, says):
    with pytest.raises(ActionRefused) as refused:
        _save(entering, urls=urls)
    assert says in str(refused.value.message)
    assert answer_of(entering, "O1").urls == []
    assert not AuditEntry.objects.filter(action="oit.save_answer").exists()


def test_it_refuses_an_explanation_over_the_limit(entering):
    with pytest.raises(ActionRefused, match="2000"):
        _save(entering, explanation="ก" * 2001)
    assert answer_of(entering, "O1").explanation == ""


def test_the_admin_of_another_agency_and_the_executive_cannot_save(entering):
    for person in (entering.admin_b, entering.executive_a, entering.consultant_x,
                   entering.nacc):
        with pytest.raises(PermissionDenied):
            services.save_answer(answer_of(entering, "O1"), publishes=True, urls=[],
                                 explanation="", acting_user=person)


def test_nothing_is_saved_after_24_00_on_the_closing_day(entering):
    set_phase(entering, Phase.OIT_ENTRY, opened_days_ago=30, closes_in_days=-1)
    with pytest.raises(PhaseClosed, match="OIT"):
        _save(entering)
    assert answer_of(entering, "O1").publishes is None


def test_sending_needs_every_item_answered_and_names_the_missing(entering):
    fill(entering, ["O1", "O3"])
    with pytest.raises(ActionRefused, match="O2, O4"):
        services.submit(entering.submission, acting_user=entering.admin_a)
    assert fresh(entering.submission).state == SubmissionState.DRAFT


def test_the_executive_approves_which_locks_and_keeps_the_evidence(entering):
    fill(entering)
    services.submit(entering.submission, acting_user=entering.admin_a)
    with pytest.raises(ActionRefused):  # locked while with the executive
        _save(entering)
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        services.approve(entering.submission, acting_user=entering.executive_a)
    assert callbacks  # the fetching starts after commit, not in the request
    submission = fresh(entering.submission)
    assert submission.state == SubmissionState.APPROVED and submission.approval_round == 1
    assert set(Answer.objects.filter(submission=submission).values_list("state", flat=True)) == {
        ItemState.AWAITING_REVIEW}
    kept = Capture.objects.filter(purpose=CapturePurpose.SUBMISSION)
    assert kept.count() == 4  # one per address, each saying what happened
    assert set(kept.values_list("problem", flat=True)) == {"unresolved"}
    with pytest.raises(ActionRefused):  # approved: locked for good
        _save(entering)


def test_an_item_not_published_fails_at_approval_without_review(entering):
    fill(entering, ["O1", "O2", "O3"])
    services.save_answer(answer_of(entering, "O4"), publishes=False, urls=[], explanation="",
                         acting_user=entering.admin_a)
    services.submit(entering.submission, acting_user=entering.admin_a)
    services.approve(entering.submission, acting_user=entering.executive_a)
    o4 = answer_of(entering, "O4")
    assert (o4.state, o4.passed) == (ItemState.REVIEWED, False)
    assert Decision.objects.get(answer=o4).round == "automatic"


def test_the_admin_who_sent_it_cannot_approve_it(entering):
    fill(entering)
    services.submit(entering.submission, acting_user=entering.admin_a)
    with pytest.raises(PermissionDenied):
        services.approve(entering.submission, acting_user=entering.admin_a)
    assert fresh(entering.submission).state == SubmissionState.AWAITING_APPROVAL


def test_the_executive_sends_it_back_with_a_comment(entering):
    fill(entering)
    services.submit(entering.submission, acting_user=entering.admin_a)
    with pytest.raises(ActionRefused):
        services.send_back(entering.submission, "  ", acting_user=entering.executive_a)
    services.send_back(entering.submission, "แก้ O3", acting_user=entering.executive_a)
    submission = fresh(entering.submission)
    assert (submission.state, submission.returned_comment) == (SubmissionState.DRAFT, "แก้ O3")
    _save(entering)  # editable again


def test_an_approval_can_be_withdrawn_before_the_deadline_with_a_reason(approved):
    with pytest.raises(ActionRefused):
        services.withdraw_approval(approved.submission, "", acting_user=approved.executive_a)
    services.withdraw_approval(approved.submission, "ต้องแก้ที่อยู่ O2",
                               acting_user=approved.executive_a)
    assert fresh(approved.submission).state == SubmissionState.DRAFT
    assert set(answer_of(approved, c).state for c in ITEMS) == {ItemState.DRAFT}
    entry = AuditEntry.objects.get(action="oit.withdraw_approval")
    assert entry.reason == "ต้องแก้ที่อยู่ O2"


def test_no_withdrawal_after_the_deadline(approved):
    only_open(approved, Phase.OIT_REVIEW)
    with pytest.raises(PhaseClosed):
        services.withdraw_approval(approved.submission, "สาย", acting_user=approved.executive_a)
    assert fresh(approved.submission).state == SubmissionState.APPROVED


def test_the_executive_is_told_by_mail_and_the_admins_when_it_is_sent_back(entering):
    from django.core import mail

    fill(entering)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.submit(entering.submission, acting_user=entering.admin_a)
    assert [m.to for m in mail.outbox] == [[entering.executive_a.email]]
    assert entering.agency_a.name_th in mail.outbox[0].subject
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.send_back(entering.submission, "แก้ O2", acting_user=entering.executive_a)
    assert mail.outbox[1].to == [entering.admin_a.email] and "แก้ O2" in mail.outbox[1].body
