"""The code oracle: an agency that handed code X to employee X must not learn, by entering
it, whether X has answered — unless it answers a whole survey, which spends an unused code."""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client

from openita.surveys import codes, respondent, services
from openita.surveys.models import AccessCode, Response
from tests.helpers import english, page_text
from tests.surveys.conftest import iit_answers

IIT_PAGES = [{"q1a": "4", "q1b": "3", "q1c": "1", "q2": "no"}, {"q3": "1"}]


def _unspent(code: str) -> bool:
    return AccessCode.objects.filter(code_hash=services.code_hash(code)).exists()


@pytest.fixture
def two_codes(collecting):
    """Employee X answered with ``used``; employee Y, given ``unused``, has not."""
    used, unused = codes.issue_access_codes(collecting.enrolment, 2,
                                            acting_user=collecting.admin_a)
    services.submit(collecting.enrolment, "IIT", iit_answers(), submission_key="x",
                    access_code=used)
    return used, unused


def _probe(world, code: str):
    client = english(Client())
    response = client.post(f"/go/iit/{world.link.code}/",
                           {"eligible": "yes", "access_code": code})
    return client, response


def test_probing_a_used_and_an_unused_code_on_the_start_page_looks_the_same(collecting,
                                                                            two_codes):
    used, unused = two_codes
    name = respondent.cookie_name("IIT", collecting.link.code)
    (used_client, used_probe), (unused_client, unused_probe) = (
        _probe(collecting, used), _probe(collecting, unused))
    assert used_probe.status_code == unused_probe.status_code == 302
    assert used_probe["Location"] == unused_probe["Location"] == (
        f"/go/iit/{collecting.link.code}/page/1/")
    assert used_probe.content == unused_probe.content
    used_cookie, unused_cookie = used_probe.cookies[name], unused_probe.cookies[name]
    for attribute in ("path", "httponly", "samesite", "secure"):
        assert used_cookie[attribute] == unused_cookie[attribute], attribute
    # Both live until the window closes: the two probes may straddle a second.
    assert abs(int(used_cookie["max-age"]) - int(unused_cookie["max-age"])) <= 1
    # The cookies differ only by the random submission key and the code's keyed hash.
    salt = respondent._salt("IIT", collecting.link.code)
    used_data, unused_data = (signing.loads(c.value, salt=salt)
                              for c in (used_cookie, unused_cookie))
    assert {k: v for k, v in used_data.items() if k not in "kct"} == {
        k: v for k, v in unused_data.items() if k not in "kct"}
    # The next pages answer alike too.
    url = f"/go/iit/{collecting.link.code}/page/1/"
    assert used_client.get(url).status_code == unused_client.get(url).status_code == 200
    # The probe spent nothing: employee Y can still answer.
    assert _unspent(unused) and AccessCode.objects.count() == 1
    assert Response.objects.count() == 1


def test_the_start_page_checks_only_the_shape_of_a_code(collecting, two_codes):
    client, response = _probe(collecting, "ABCD-EFGH")  # well formed, never issued
    assert response.status_code == 302
    client, response = _probe(collecting, "ABC")
    assert response.status_code == 400 and "8-character" in page_text(response)


def test_a_code_is_looked_up_only_by_a_complete_survey_and_an_unused_one_is_spent(
        collecting, two_codes):
    """The one place a code is checked is the final send. Probing an unused code there
    stores a whole survey in its place, so employee Y finds the code refused and can tell."""
    used, unused = two_codes
    review = f"/go/iit/{collecting.link.code}/review/"
    client, _ = _probe(collecting, used)
    for number, answers in enumerate(IIT_PAGES, start=1):
        client.post(f"/go/iit/{collecting.link.code}/page/{number}/", answers)
    refused = client.post(review)
    assert refused.status_code == 400 and "already used" in page_text(refused)
    assert client.post(review, {"access_code": unused}).status_code == 302
    assert not _unspent(unused) and Response.objects.count() == 2


def test_one_filled_in_survey_cannot_check_code_after_code(collecting, two_codes):
    """The attack: fill in the survey once, keep a copy of its cookie, then type the
    codes of employees on the review page one after the other (restoring the copy each
    time). After CODE_TRIES_PER_SURVEY refusals the survey must be started again, whatever
    cookie is sent: each further question costs a whole survey."""
    used, unused = two_codes
    review = f"/go/iit/{collecting.link.code}/review/"
    client, _ = _probe(collecting, used)
    for number, answers in enumerate(IIT_PAGES, start=1):
        client.post(f"/go/iit/{collecting.link.code}/page/{number}/", answers)
    name = respondent.cookie_name("IIT", collecting.link.code)
    saved = client.cookies[name].value
    never_issued = ["ABCD-EFGH", "BCDE-FGHJ"]
    for code in [used, *never_issued]:
        client.cookies[name] = saved
        refused = client.post(review, {"access_code": code})
        assert refused.status_code == 400 and "already used" in page_text(refused)
    client.cookies[name] = saved
    stopped = client.post(review, {"access_code": unused})
    assert stopped.status_code == 400 and "start the survey again" in page_text(stopped)
    assert stopped.cookies[name].value == ""  # the answers are dropped
    assert _unspent(unused) and Response.objects.count() == 1
