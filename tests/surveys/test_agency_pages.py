"""The agency's survey page: links, QR codes, one-time codes, progress against the minimum."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from openita.frameworks.loader import load_file
from openita.surveys import progress
from openita.surveys.models import AccessCode, ProvisionalRelease, Response
from tests.helpers import english, page_text
from tests.personas import MINI_FRAMEWORK
from tests.surveys.conftest import iit_answers


def _store(world, n: int, instrument: str = "IIT", days_ago: int = 0) -> None:
    answers = iit_answers() if instrument == "IIT" else {"e1": 4}
    for i in range(n):
        Response.objects.create(
            enrolment=world.enrolment, instrument=instrument, answers=answers,
            submitted_on=timezone.localdate() - dt.timedelta(days=days_ago),
            receipt=f"{instrument}-{days_ago}-{i}")


def test_the_admin_sees_both_links_and_their_qr_codes(collecting, client_for):
    client = client_for(collecting.admin_a)
    page = page_text(client.get(reverse("agencies:surveys", args=[collecting.agency_a.pk])))
    assert f"/go/iit/{collecting.link.code}/" in page and f"/go/eit/{collecting.link.code}/" in page
    svg = client.get(reverse("agencies:qr", args=[collecting.agency_a.pk, "iit", "svg"]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = client.get(reverse("agencies:qr", args=[collecting.agency_a.pk, "eit", "png"]))
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")


def test_the_admin_issues_codes_and_gets_a_printable_page_once(collecting, client_for):
    client = client_for(collecting.admin_a)
    response = client.post(reverse("agencies:surveys", args=[collecting.agency_a.pk]),
                           {"count": 120})  # the approved headcount
    body = page_text(response)
    assert response.status_code == 200 and body.count('class="slip"') == 120
    assert AccessCode.objects.filter(enrolment=collecting.enrolment).count() == 120


@pytest.mark.parametrize("count", [0, 5000, "many"])
def test_a_bad_number_of_codes_is_refused_and_none_are_made(collecting, client_for, count):
    response = client_for(collecting.admin_a).post(
        reverse("agencies:surveys", args=[collecting.agency_a.pk]), {"count": count})
    assert response.status_code == 200 and 'class="slip"' not in page_text(response)
    assert response.context["form"].errors["count"]
    assert not AccessCode.objects.exists()


def test_the_executive_and_oversight_see_progress_but_cannot_issue_codes(collecting,
                                                                       client_for):
    for person in (collecting.executive_a, collecting.officer_p, collecting.consultant_x):
        client = client_for(person)
        url = reverse("agencies:surveys", args=[collecting.agency_a.pk])
        assert client.get(url).status_code == 200
        client.post(url, {"count": 5})
    assert not AccessCode.objects.exists()
    assert client_for(collecting.admin_b).get(
        reverse("agencies:surveys", args=[collecting.agency_a.pk])).status_code == 404


def test_the_minimum_sample_follows_the_framework_policy(collecting):
    framework = load_file(MINI_FRAMEWORK)
    enrolment = collecting.enrolment
    assert progress.minimum_sample(framework, enrolment, "IIT") == 30  # 10% of 120 < 30
    enrolment.headcount = 20
    assert progress.minimum_sample(framework, enrolment, "IIT") == 20  # everyone below 30
    enrolment.headcount = 5000
    assert progress.minimum_sample(framework, enrolment, "IIT") == 400  # at most 400
    enrolment.headcount = 1000
    assert progress.minimum_sample(framework, enrolment, "IIT") == 100
    assert progress.minimum_sample(framework, enrolment, "EIT") == 100  # SAO M: default
    enrolment.agency.size_class = "L"
    assert progress.minimum_sample(framework, enrolment, "EIT") == 50


def test_progress_counts_forecasts_and_warns(collecting, client_for):
    _store(collecting, 10, days_ago=1)
    _store(collecting, 4)
    result = progress.progress_of(collecting.enrolment, load_file(MINI_FRAMEWORK), "IIT")
    assert result.count == 14 and result.minimum == 30 and not result.reached
    # 14 in the 4 days the window has been open → 3.5 a day; 21 days left → about 87.
    assert result.forecast == 14 + 73 and not result.at_risk
    body = page_text(english(client_for(collecting.admin_a)).get(
        reverse("agencies:surveys", args=[collecting.agency_a.pk])))
    assert 'id="count-IIT">14<' in body and "Provisional score" not in body


def test_provisional_scores_come_from_the_engine_when_the_year_allows(collecting, client_for):
    _store(collecting, 9)
    collecting.year.provisional_scores_visible = True
    collecting.year.save()
    url = reverse("agencies:surveys", args=[collecting.agency_a.pk])
    # Nine answers are too few: a score could reveal one person's answers.
    assert "Provisional score" not in page_text(english(client_for(collecting.admin_a)).get(url))
    # The figures move again a day later, after a batch of ten (tests/surveys/
    # test_differencing.py tries to move them sooner).
    _store(collecting, 10, days_ago=1)
    ProvisionalRelease.objects.update(released_at=timezone.now() - dt.timedelta(hours=24))
    body = page_text(english(client_for(collecting.admin_a)).get(
        reverse("agencies:surveys", args=[collecting.agency_a.pk])))
    assert "Provisional score (not final): 100.00" in body


def test_excluded_responses_do_not_count(collecting):
    _store(collecting, 3)
    Response.objects.filter(receipt="IIT-0-0").update(excluded=True)
    result = progress.progress_of(collecting.enrolment, load_file(MINI_FRAMEWORK), "IIT")
    assert result.count == 2


def test_no_page_before_registration(world, client_for):
    body = page_text(english(client_for(world.admin_a)).get(
        reverse("agencies:surveys", args=[world.agency_a.pk])))
    assert "once the agency is registered" in body
    assert Response.objects.count() == 0


def test_nacc_switches_the_survey_settings_of_a_year(collecting, client_for):
    from openita.calendars.models import AssessmentYear
    from openita.core.models import AuditEntry

    url = reverse("calendars:settings", args=[collecting.year.fiscal_year])
    assert client_for(collecting.admin_a).post(url, {}).status_code == 403
    numbers = {"release_interval_hours": 24, "release_batch": 10,
               "access_code_margin_percent": 10, "oit_second_review_percent": 10}
    response = client_for(collecting.nacc).post(url, {"provisional_scores_visible": "on",
                                                      **numbers})
    assert response.status_code == 302
    year = AssessmentYear.objects.get(pk=collecting.year.pk)
    assert year.provisional_scores_visible and not year.iit_requires_access_code
    entry = AuditEntry.objects.get(action="year.settings")
    assert entry.after == {"iit_requires_access_code": False, "provisional_scores_visible": True,
                           **numbers}


def test_the_progress_page_charts_responses_per_day(collecting, client_for):
    today = timezone.localdate()
    days = {today: 4, today - dt.timedelta(days=1): 2}
    Response.objects.bulk_create(
        Response(enrolment=collecting.enrolment, instrument="IIT", answers=iit_answers(),
                 submitted_on=day, receipt=f"{day}-{i}")
        for day, n in days.items() for i in range(n))
    page = client_for(collecting.executive_a).get(
        reverse("agencies:surveys", args=[collecting.agency_a.pk])).content.decode()
    bars = re.findall(r'<progress class="bar" max="100" value="(\d+)">\d+%</progress></td>'
                      r'<td>(\d+)</td>', page)
    assert bars == [("50", "2"), ("100", "4")]  # oldest first, the busiest day full width
