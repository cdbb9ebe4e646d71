"""The self-assessment attack: an agency admin issued 6,005 one-time IIT codes for an
agency whose approved headcount is 86, enough to answer its own staff survey (issue 9,
item 2). The codes ever issued stay within the approved headcount, a margin and what NACC
allowed with a reason."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import translation

from openita.calendars.models import Enrolment, EnrolmentState
from openita.core.errors import ActionRefused
from openita.core.models import AuditEntry
from openita.surveys import codes, services
from openita.surveys.models import AccessCode, CodeAllowance, Instrument, SurveyLink
from tests.helpers import english, messages_of, page_text
from tests.personas import build_world
from tests.surveys.conftest import iit_answers, open_collection


@pytest.fixture
def staff_86(collecting):
    Enrolment.objects.filter(pk=collecting.enrolment.pk).update(headcount=86)
    collecting.enrolment.refresh_from_db()
    return collecting


def _issue(client, world, count: int):
    return client.post(reverse("agencies:surveys", args=[world.agency_a.pk]),
                       {"count": count})


def _issued() -> int:
    return SurveyLink.objects.get().codes_issued


def test_an_admin_cannot_issue_6005_codes_for_86_staff(staff_86, client_for):
    admin = english(client_for(staff_86.admin_a))
    slips = [page_text(_issue(admin, staff_86, batch)).count('class="slip"')
             for batch in (2000, 2000, 2000, 5)]  # 6,005 in all
    assert slips == [0, 0, 0, 5]  # each large batch passes 86 and a margin of 9
    for batch in (50, 40):
        assert page_text(_issue(admin, staff_86, batch)).count('class="slip"') == batch
    refused = _issue(admin, staff_86, 1)
    assert 'class="slip"' not in page_text(refused)
    assert "would pass the number of codes allowed: 95" in str(
        refused.context["form"].errors["count"])
    assert AccessCode.objects.count() == 95 == _issued()


def test_spent_codes_do_not_make_room_for_more(staff_86):
    handed = codes.issue_access_codes(staff_86.enrolment, 95, acting_user=staff_86.admin_a)
    for code in handed[:20]:  # the admin answers with twenty of them
        services.submit(staff_86.enrolment, Instrument.IIT, iit_answers(),
                        submission_key=services.new_submission_key(), access_code=code)
    assert AccessCode.objects.count() == 75
    with pytest.raises(ActionRefused):
        codes.issue_access_codes(staff_86.enrolment, 1, acting_user=staff_86.admin_a)
    assert _issued() == 95


def test_nacc_allows_more_with_a_reason_and_the_agency_sees_who(staff_86, client_for):
    codes.issue_access_codes(staff_86.enrolment, 95, acting_user=staff_86.admin_a)
    url = reverse("agencies:survey_code_allowance", args=[staff_86.agency_a.pk])
    # The agency cannot allow itself more, and NACC must say why.
    assert client_for(staff_86.admin_a).post(url, {"extra": 500, "reason": "x"}
                                              ).status_code == 403
    assert client_for(staff_86.executive_a).post(url, {"extra": 500, "reason": "x"}
                                                  ).status_code == 403
    assert client_for(staff_86.nacc).post(url, {"extra": 20, "reason": ""}).status_code == 400
    assert client_for(staff_86.nacc).post(url, {"extra": 10**9, "reason": "a"}
                                          ).status_code == 400
    assert not CodeAllowance.objects.exists()
    response = client_for(staff_86.nacc).post(
        url, {"extra": 20, "reason": "Slips lost in a flood; asked by phone"}, follow=True)
    assert messages_of(response)
    entry = AuditEntry.objects.get(action="surveys.allow_codes")
    assert entry.after == {"extra": 20} and entry.reason.startswith("Slips lost")
    admin = english(client_for(staff_86.admin_a))
    assert page_text(_issue(admin, staff_86, 20)).count('class="slip"') == 20
    assert 'class="slip"' not in page_text(_issue(admin, staff_86, 1))
    assert _issued() == 115 == AccessCode.objects.count()
    body = page_text(admin.get(reverse("agencies:surveys", args=[staff_86.agency_a.pk])))
    assert "20 codes, allowed by" in body and staff_86.nacc.full_name in body
    assert "Slips lost in a flood" in body and 'id="codes-issued">115<' in body


def test_no_code_before_the_headcount_is_approved(collecting, client_for):
    Enrolment.objects.filter(pk=collecting.enrolment.pk).update(
        state=EnrolmentState.HEADCOUNT_SUBMITTED, headcount_approved_at=None)
    collecting.enrolment.refresh_from_db()
    with translation.override("en"), pytest.raises(ActionRefused, match="headcount is approved"):
        codes.issue_access_codes(collecting.enrolment, 1, acting_user=collecting.admin_a)
    response = _issue(english(client_for(collecting.admin_a)), collecting, 1)
    assert 'class="slip"' not in page_text(response)
    assert "once the agency&#x27;s headcount is approved" in page_text(response) or (
        "once the agency's headcount is approved" in page_text(response))
    assert not AccessCode.objects.exists() and _issued() == 0


def test_the_margin_follows_the_year_and_is_at_least_five(collecting):
    Enrolment.objects.filter(pk=collecting.enrolment.pk).update(headcount=20)
    collecting.enrolment.refresh_from_db()
    assert codes.bound_of(collecting.enrolment).limit == 25  # 10% of 20 is 2: five
    collecting.year.access_code_margin_percent = 50
    collecting.year.save()
    collecting.enrolment.refresh_from_db()
    assert codes.bound_of(collecting.enrolment).limit == 30
    codes.issue_access_codes(collecting.enrolment, 30, acting_user=collecting.admin_a)
    entry = AuditEntry.objects.get(action="surveys.issue_codes")
    assert entry.after == {"count": 30, "issued": 30, "limit": 30}


@pytest.mark.django_db(transaction=True)
def test_parallel_batches_cannot_pass_the_bound_together():
    """Ten batches of 20 at once for 86 staff: the locked link lets four through (95)."""
    if connection.vendor != "postgresql":
        pytest.skip("real parallel writers need PostgreSQL (CI runs this on it)")
    world = open_collection(build_world())
    Enrolment.objects.filter(pk=world.enrolment.pk).update(headcount=86)
    world.enrolment.refresh_from_db()

    def batch(_n: int) -> int:
        try:
            return len(codes.issue_access_codes(world.enrolment, 20, acting_user=world.admin_a))
        except ActionRefused:
            return 0
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=10) as pool:
        issued = sum(pool.map(batch, range(10)))
    assert issued == 80 == _issued() == AccessCode.objects.count()
