"""NACC and oversight follow collection everywhere; consultants see quality signals and
enter telephone interviews; only NACC excludes a response, with a reason."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from openita.calendars.models import Enrolment, EnrolmentState
from openita.core.models import AuditEntry
from openita.surveys import quality
from openita.surveys.models import Response
from openita.surveys.overview import collection_rows
from tests.helpers import english, page_text
from tests.surveys.conftest import iit_answers


def _flagged(world) -> Response:
    return Response.objects.create(enrolment=world.enrolment, instrument="IIT",
                                   answers=iit_answers(), flags=["too_fast", "straight_line"],
                                   submitted_on=timezone.localdate(), receipt="flagged")


def test_the_overview_lists_agencies_in_scope_with_their_shortfall(collecting, client_for):
    Enrolment.objects.create(agency=collecting.agency_b, year=collecting.year,
                             state=EnrolmentState.REGISTERED)
    rows = collection_rows(collecting.nacc, collecting.year)
    assert [r.enrolment.agency.code for r in rows] == ["SAO-A", "SAO-B"]
    a, b = rows
    assert (a.iit, a.iit_minimum, a.eit_minimum) == (0, 30, 100)
    assert b.iit_minimum is None and b.at_risk  # no headcount yet
    officer = collection_rows(collecting.officer_p, collecting.year, only_at_risk=True)
    assert [r.enrolment.agency.code for r in officer] == ["SAO-A"]
    body = page_text(english(client_for(collecting.ministry_officer)).get(
        reverse("agencies:survey_overview") + "?risk=1"))
    assert "SAO-A" in body and "SAO-B" in body
    assert client_for(collecting.admin_a).get(
        reverse("agencies:survey_overview")).status_code == 403


def test_consultants_and_nacc_see_quality_signals_but_the_agency_does_not(collecting,
                                                                        client_for):
    _flagged(collecting)
    url = reverse("agencies:survey_quality", args=[collecting.agency_a.pk])
    seen = page_text(client_for(collecting.consultant_x).get(url))
    assert "ตอบเร็วเกินกว่า" in seen and "too_fast" not in seen  # explained, in Thai
    assert client_for(collecting.admin_a).get(url).status_code == 403
    assert client_for(collecting.executive_a).get(url).status_code == 403
    page = page_text(client_for(collecting.admin_a).get(
        reverse("agencies:surveys", args=[collecting.agency_a.pk])))
    assert "too_fast" not in page and "Quality" not in page


def test_nacc_excludes_a_flagged_response_with_a_reason_and_it_stops_counting(collecting,
                                                                             client_for):
    stored = _flagged(collecting)
    url = reverse("agencies:survey_exclude", args=[collecting.agency_a.pk, stored.pk])
    client_for(collecting.nacc).post(url, {"excluded": "1", "reason": ""})
    assert not Response.objects.get(pk=stored.pk).excluded  # no reason, no exclusion
    client_for(collecting.consultant_x).post(url, {"excluded": "1", "reason": "bot"})
    assert not Response.objects.get(pk=stored.pk).excluded  # consultants cannot
    client_for(collecting.nacc).post(url, {"excluded": "1", "reason": "20 in one minute"})
    stored.refresh_from_db()
    assert stored.excluded and stored.excluded_reason == "20 in one minute"
    entry = AuditEntry.objects.get(action="response.exclude")
    assert entry.reason == "20 in one minute" and entry.after["flags"] == stored.flags
    assert collection_rows(collecting.nacc, collecting.year)[0].iit == 0


def test_a_consultant_enters_a_telephone_interview_once(collecting, client_for):
    client = client_for(collecting.consultant_x)
    url = reverse("agencies:survey_interview", args=[collecting.agency_a.pk])
    key = client.get(url).context["key"]
    data = {"submission_key": key, "respondent_type": "person", "e1": "2"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # a double click stores nothing more
    stored = Response.objects.get()
    assert (stored.channel, stored.instrument, stored.answers) == ("consultant", "EIT",
                                                                   {"e1": 2})
    missing = client.post(url, {"submission_key": "other", "e1": "9"})
    assert missing.status_code == 400 and Response.objects.count() == 1
    assert client_for(collecting.officer_p).get(url).status_code == 403
    assert client_for(collecting.admin_a).get(url).status_code == 403


def test_quality_signals_catch_speed_sameness_and_bursts(collecting, settings):
    now = int(quality.time.time())
    answers = {f"k{n}": 4 for n in range(12)}
    flags = quality.measure(1, "IIT", answers, now, "1.2.3.4")
    assert {"too_fast", "straight_line"} <= set(flags)
    again = quality.measure(1, "IIT", answers, now - 3600, "1.2.3.4")
    assert "same_answers_same_network" in again and "too_fast" not in again
    varied = {f"k{n}": 1 + n % 4 for n in range(12)}
    assert quality.measure(1, "IIT", varied, now - 3600, "5.6.7.8") == []
    for _ in range(quality.BURST_LIMIT):
        quality.measure(2, "EIT", {"e1": 1}, now - 3600, "x")
    assert "burst" in quality.measure(2, "EIT", {"e1": 2}, now - 3600, "y")
    assert Response.objects.count() == 0  # signals are computed, not stored on their own


def test_quality_signals_use_one_redis_round_trip_when_redis_is_configured(settings):
    import redis

    from openita.core.redis import client as redis_client

    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.exceptions.ConnectionError:
        import pytest

        pytest.skip("no Redis on 127.0.0.1:6379 (.ci/run starts one)")
    settings.REDIS_URL = url
    client = redis_client()
    assert client is not None and client is redis_client()  # one client per process
    now = int(quality.time.time())
    answers = {f"k{n}": 1 + n % 4 for n in range(12)}
    assert quality.measure(7, "EIT", answers, now - 3600, "9.9.9.9") == []
    again = quality.measure(7, "EIT", answers, now - 3600, "9.9.9.9")
    assert again == ["same_answers_same_network"]
    assert any(key.startswith(b"openita:q-same:") for key in client.keys())
    client.flushdb()


def test_an_interview_outside_the_eit_window_is_refused_and_not_stored(collecting,
                                                                      client_for):
    from openita.calendars.models import Phase, PhaseWindow

    PhaseWindow.objects.filter(year=collecting.year, phase=Phase.EIT_COLLECTION).update(
        opens_on="2020-01-01", closes_on="2020-01-02")
    client = english(client_for(collecting.consultant_x))
    url = reverse("agencies:survey_interview", args=[collecting.agency_a.pk])
    response = client.post(url, {"submission_key": "k", "respondent_type": "person",
                                 "e1": "2"}, follow=True)
    assert "EIT collection" in page_text(response)
    assert not Response.objects.exists()


def test_oversight_sees_progress_but_not_how_many_responses_are_flagged(collecting,
                                                                        client_for):
    _flagged(collecting)
    url = reverse("agencies:survey_overview") + "?sort=flagged"
    oversight = page_text(english(client_for(collecting.ministry_officer)).get(url))
    assert "SAO-A" in oversight and "Flagged" not in oversight
    assert "Most flagged" not in oversight
    nacc = page_text(english(client_for(collecting.nacc)).get(url))
    assert "Flagged" in nacc and "Most flagged" in nacc
