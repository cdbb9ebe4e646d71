"""A deactivated agency collects no answers: its links say so politely, and the service
refuses even while the survey's cached facts still call the agency active."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from openita.agencies.services import set_agency_active
from openita.surveys import codes, respondent, services
from openita.surveys.models import AccessCode, Response
from tests.helpers import english, page_text
from tests.surveys.conftest import iit_answers

POLITE = "This agency is not collecting answers at present."


def _deactivate(world) -> None:
    set_agency_active(world.agency_a, False, "merged into another agency",
                      acting_user=world.nacc)


@pytest.mark.parametrize(("method", "step"), [
    ("get", ""), ("post", ""), ("get", "phone/"), ("post", "verify/"), ("get", "page/1/"),
    ("post", "page/1/"), ("get", "review/"), ("post", "review/"), ("get", "thanks/")])
@pytest.mark.parametrize("instrument", ["iit", "eit"])
def test_every_link_page_of_a_deactivated_agency_says_so_politely(collecting, method, step,
                                                                  instrument):
    _deactivate(collecting)
    client = english(Client())
    url = f"/go/{instrument}/{collecting.link.code}/{step}"
    response = getattr(client, method)(url, {"eligible": "yes", "respondent_type": "person",
                                             "access_code": "ABCD-EFGH"})
    assert response.status_code == 200 and POLITE in page_text(response)
    assert not Response.objects.exists()


def test_a_respondent_who_began_before_the_deactivation_cannot_send(collecting):
    collecting.year.iit_requires_access_code = False
    collecting.year.save()
    client = english(Client())
    base = f"/go/iit/{collecting.link.code}/"
    client.post(base, {"eligible": "yes"})
    client.post(base + "page/1/", {"q1a": "4", "q1b": "3", "q1c": "1", "q2": "no"})
    client.post(base + "page/2/", {"q3": "1"})
    _deactivate(collecting)
    response = client.post(base + "review/")
    assert POLITE in page_text(response) and not Response.objects.exists()


def test_the_service_refuses_while_the_cached_facts_still_say_active(collecting, settings):
    """The pages may read the agency from facts cached for OPENITA_SURVEY_CACHE_SECONDS;
    the INSERT checks the database, so not one response is stored after deactivation."""
    settings.OPENITA_SURVEY_CACHE_SECONDS = 30
    services._LOCAL_FACTS.clear()
    enrolment, framework = services.open_survey(collecting.link.code, "IIT")  # cached now
    [code] = codes.issue_access_codes(collecting.enrolment, 1, acting_user=collecting.admin_a)
    _deactivate(collecting)
    assert services.open_survey(collecting.link.code, "IIT")[0].agency.active  # stale
    progress = respondent.Progress(eligible=True, code_hash=services.code_hash(code),
                                   answers=iit_answers())
    with translation.override("en"), pytest.raises(services.NotCollecting, match=POLITE):
        respondent.send(enrolment, "IIT", framework, progress, "192.0.2.1")
    assert not Response.objects.exists()
    assert AccessCode.objects.count() == 1  # the code is given back, not lost
    services._LOCAL_FACTS.clear()


def test_a_consultant_interview_for_a_deactivated_agency_is_refused(collecting):
    _deactivate(collecting)
    with pytest.raises(services.NotCollecting):
        services.record_interview(collecting.enrolment, {"e1": 3}, "person",
                                  submission_key="call", acting_user=collecting.consultant_x)
    assert not Response.objects.exists()


def test_a_reactivated_agency_collects_again(collecting):
    _deactivate(collecting)
    set_agency_active(collecting.agency_a, True, "the merger was cancelled",
                      acting_user=collecting.nacc)
    submission = services.submit(collecting.enrolment, "EIT", {"e1": 3},
                                 submission_key="k", respondent_type="person")
    assert not submission.replayed and Response.objects.count() == 1
