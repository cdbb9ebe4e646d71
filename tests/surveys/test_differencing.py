"""The differencing attack: an agency reads its IIT count and provisional score before and
after one person answers, and n′·S′ − n·S is that person's score (issue 9, item 1).

What people outside NACC see is a release (openita/surveys/release.py): it moves at most
once per interval and only after a batch of new responses, and holds no score below ten.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from openita.frameworks.loader import load_file
from openita.surveys import codes, release, reminders, services
from openita.surveys.models import Instrument, ProvisionalRelease, Response
from openita.surveys.overview import collection_rows
from tests.helpers import english, page_text
from tests.personas import MINI_FRAMEWORK
from tests.surveys.conftest import iit_answers


@pytest.fixture
def visible(collecting):
    """NACC lets the agencies see provisional scores during collection."""
    collecting.year.provisional_scores_visible = True
    collecting.year.save()
    return collecting


def _answer(world, n: int, level: int = 4) -> None:
    """``n`` staff answer the IIT through the service, each with the code handed to them."""
    handed = codes.issue_access_codes(world.enrolment, n, acting_user=world.admin_a)
    for code in handed:
        services.submit(world.enrolment, Instrument.IIT, iit_answers(level),
                        submission_key=services.new_submission_key(), access_code=code)


def _read(client, world) -> tuple[int, str | None, list[str]]:
    """What the page shows: the IIT count, the provisional score, the per-day figures."""
    body = page_text(english(client).get(reverse("agencies:surveys",
                                                 args=[world.agency_a.pk])))
    count = int(re.search(r'id="count-IIT">(\d+)<', body).group(1))
    score = re.search(r"Provisional score \(not final\): ([\d.]+)", body)
    days = re.findall(r'<progress class="bar" max="100" value="\d+">\d+%</progress></td>'
                      r"<td>(\d+)</td>", body)
    return count, score.group(1) if score else None, days


def _a_day_passes() -> None:
    ProvisionalRelease.objects.update(
        released_at=timezone.now() - dt.timedelta(hours=24, seconds=1))


def test_one_more_response_does_not_move_what_the_agency_sees(visible, client_for):
    _answer(visible, 12, level=3)
    admin = client_for(visible.admin_a)
    before = _read(admin, visible)
    assert before[0] == 12 and before[1] is not None
    _answer(visible, 1, level=1)  # the person the agency handed a code to just now
    assert _read(admin, visible) == before  # n′·S′ − n·S cannot be taken
    # Nor a day later with only that one answer, nor at once with a batch of ten.
    _a_day_passes()
    assert _read(admin, visible) == before
    ProvisionalRelease.objects.update(released_at=timezone.now())
    _answer(visible, 9, level=4)
    assert _read(admin, visible) == before
    # A day after the last release, with ten new answers: the figures move, by ten at once.
    _a_day_passes()
    after = _read(admin, visible)
    assert after[0] == 22 and after[1] != before[1]
    _answer(visible, 1, level=1)
    assert _read(admin, visible) == after


def test_the_executive_and_oversight_see_the_same_release(visible, client_for):
    _answer(visible, 12)
    figures = _read(client_for(visible.admin_a), visible)
    _answer(visible, 1, level=1)
    for person in (visible.executive_a, visible.officer_p, visible.consultant_x):
        assert _read(client_for(person), visible) == figures
    [row] = collection_rows(visible.officer_p, visible.year)
    assert row.iit == 12  # the overview of oversight reads the release too


def test_nacc_sees_the_live_figures_and_the_release(visible, client_for):
    _answer(visible, 12)
    _read(client_for(visible.admin_a), visible)
    _answer(visible, 1, level=1)
    count, score, _days = _read(client_for(visible.nacc), visible)
    assert count == 13 and score is not None
    body = page_text(english(client_for(visible.nacc)).get(
        reverse("agencies:surveys", args=[visible.agency_a.pk])))
    assert "Released to others: 12 responses (release 1," in body
    assert collection_rows(visible.nacc, visible.year)[0].iit == 13


def test_below_ten_responses_there_is_no_score_at_all(visible, client_for):
    admin = client_for(visible.admin_a)
    _answer(visible, 9)
    _read(admin, visible)
    _a_day_passes()
    count, score, _days = _read(admin, visible)
    assert score is None and count == 9
    assert ProvisionalRelease.objects.get(instrument="IIT").score is None
    # Excluding answers never makes a release: only arrivals count towards the batch.
    Response.objects.filter(instrument="IIT").update(excluded=True)
    assert _read(admin, visible)[0] == 9


def test_the_batch_and_interval_follow_the_year(visible, client_for):
    visible.year.release_batch, visible.year.release_interval_hours = 20, 48
    visible.year.save()
    admin = client_for(visible.admin_a)
    _answer(visible, 10)
    assert _read(admin, visible)[0] == 10
    _answer(visible, 15)
    _a_day_passes()
    assert _read(admin, visible)[0] == 10  # 15 < 20 and 24 h < 48 h
    _answer(visible, 5)
    assert _read(admin, visible)[0] == 10  # a batch of 20, but only one day
    ProvisionalRelease.objects.update(released_at=timezone.now() - dt.timedelta(hours=48))
    assert _read(admin, visible)[0] == 30


def test_two_readers_cannot_both_release(visible):
    framework = load_file(MINI_FRAMEWORK)
    enrolment = visible.enrolment
    first = release.current_release(enrolment, Instrument.IIT, framework=framework)
    _answer(visible, 10)
    _a_day_passes()
    stale = ProvisionalRelease.objects.get(pk=first.pk)  # both readers saw release 1
    one = release._release(enrolment, Instrument.IIT, framework, stale, timezone.now())
    _answer(visible, 1, level=1)
    other = release._release(enrolment, Instrument.IIT, framework, stale, timezone.now())
    assert (one.number, one.count) == (other.number, other.count) == (2, 10)
    # Nor two first releases: the second reader gets the first one's.
    ProvisionalRelease.objects.all().delete()
    made = release._release(enrolment, Instrument.IIT, framework, None, timezone.now())
    _answer(visible, 1, level=1)
    again = release._release(enrolment, Instrument.IIT, framework, None, timezone.now())
    assert again.pk == made.pk and again.count == made.count == 11


def test_a_reminder_tells_the_agency_the_released_count_not_the_live_one(visible, client_for):
    _answer(visible, 3)
    _read(client_for(visible.admin_a), visible)
    _answer(visible, 1, level=1)
    [due] = reminders.due_reminders(visible.year, today=timezone.localdate()
                                    + dt.timedelta(days=7))
    [iit] = [s for s in due.shortfalls if s.instrument == "IIT"]
    assert iit.count == 3


def test_the_codes_used_are_shown_as_of_the_release(visible, client_for):
    admin = client_for(visible.admin_a)
    _answer(visible, 12)
    body = page_text(english(admin).get(reverse("agencies:surveys",
                                                args=[visible.agency_a.pk])))
    assert re.search(r'id="codes-spent">12 of the 12 issued then<', body)
    _answer(visible, 1)
    body = page_text(english(admin).get(reverse("agencies:surveys",
                                                args=[visible.agency_a.pk])))
    assert re.search(r'id="codes-issued">13<', body)  # issued: the agency's own act
    assert re.search(r'id="codes-spent">12 of the 12 issued then<', body)


@pytest.mark.parametrize("batch", ["5", "99999999999999999999", "ten"])
def test_nacc_cannot_set_a_batch_below_ten_or_out_of_range(collecting, client_for, batch):
    response = client_for(collecting.nacc).post(
        reverse("calendars:settings", args=[collecting.year.fiscal_year]),
        {"release_interval_hours": 24, "release_batch": batch,
         "access_code_margin_percent": 10, "oit_second_review_percent": 10,
         "iit_requires_access_code": "on"})
    assert response.status_code == 400 and response.context["settings_form"].errors
    collecting.year.refresh_from_db()
    assert collecting.year.release_batch == 10


def test_the_daily_command_releases_the_agencies_that_are_due(visible, capsys):
    from django.core.management import call_command

    _answer(visible, 12)
    call_command("release_figures")
    assert "released now: 2 " in capsys.readouterr().out  # the first IIT and EIT ones
    _answer(visible, 10)
    call_command("release_figures")
    assert ProvisionalRelease.objects.get(instrument="IIT").count == 12  # within the day
    _a_day_passes()
    call_command("release_figures")
    assert "released now: 1 " in capsys.readouterr().out.splitlines()[-1]
    assert ProvisionalRelease.objects.get(instrument="IIT").count == 22
    [row] = collection_rows(visible.officer_p, visible.year)
    assert (row.iit, row.eit) == (22, 0)
