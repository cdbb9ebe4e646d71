"""Kept answer counts: counted once, used while no response of the enrolment and instrument
changes, counted again after any change — by whatever code path, the trigger sees it —
and never kept as current when a response arrived while counting."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F

from openita.results.models import AgencyResult, ResultKind
from openita.scoring import fmt, survey_scores
from openita.surveys import tallies
from openita.surveys.models import CellTally, Response, ResponseVersion

from .conftest import computed, respond

pytestmark = pytest.mark.django_db(transaction=True)


def version(world, instrument: str) -> int:
    return ResponseVersion.objects.get(enrolment=world.enrolment, instrument=instrument).version


def test_every_change_to_a_response_gives_a_new_version(confirmed):
    seen = [version(confirmed, "EIT")]
    other = version(confirmed, "IIT")
    respond(confirmed.enrolment, "EIT", {"e1": 2})
    seen.append(version(confirmed, "EIT"))
    Response.objects.filter(enrolment=confirmed.enrolment, instrument="EIT").update(
        excluded=F("excluded"))  # a bulk update, as a hand edit would be
    seen.append(version(confirmed, "EIT"))
    Response.objects.filter(enrolment=confirmed.enrolment, instrument="EIT",
                            answers={"e1": 2}).delete()
    seen.append(version(confirmed, "EIT"))
    assert seen == sorted(set(seen))  # a new, larger value each time
    assert version(confirmed, "IIT") == other  # the other instrument untouched


def test_counts_are_kept_and_counted_again_only_after_a_change(confirmed, monkeypatch):
    ids = [confirmed.enrolment.pk]
    first = tallies.counted("EIT", ids)
    assert first[confirmed.enrolment.pk]["n"] == 9
    assert sum(first[confirmed.enrolment.pk]["cells"]["e1"].values()) == 9
    calls = []
    real = tallies.count
    monkeypatch.setattr(tallies, "count", lambda *a: calls.append(a) or real(*a))
    assert tallies.counted("EIT", ids) == first and calls == []  # the kept count
    excluded = Response.objects.filter(enrolment=confirmed.enrolment, instrument="EIT",
                                       excluded=False).first()
    excluded.excluded = True
    excluded.save()
    again = tallies.counted("EIT", ids)
    assert again[confirmed.enrolment.pk]["n"] == 8 and len(calls) == 1


def test_a_response_added_while_counting_is_counted_next_time(confirmed, monkeypatch):
    ids = [confirmed.enrolment.pk]
    real = tallies.count

    def count_then_a_response_arrives(instrument, counting):
        found = real(instrument, counting)
        respond(confirmed.enrolment, "EIT", {"e1": 4})  # after the count, before keeping
        return found

    monkeypatch.setattr(tallies, "count", count_then_a_response_arrives)
    assert tallies.counted("EIT", ids)[confirmed.enrolment.pk]["n"] == 9
    monkeypatch.setattr(tallies, "count", real)
    assert tallies.counted("EIT", ids)[confirmed.enrolment.pk]["n"] == 10


def test_an_enrolment_without_counted_responses_keeps_a_count_of_none(confirmed):
    Response.objects.filter(enrolment=confirmed.enrolment, instrument="EIT").update(
        excluded=True)
    assert tallies.counted("EIT", [confirmed.enrolment.pk]) == {}
    kept = CellTally.objects.get(enrolment=confirmed.enrolment, instrument="EIT")
    assert kept.n == 0 and kept.version == version(confirmed, "EIT")


def test_the_results_follow_an_exclusion_made_after_a_first_computation(confirmed):
    first = computed(confirmed, ResultKind.PROVISIONAL)
    Response.objects.filter(enrolment=confirmed.enrolment, instrument="IIT",
                            excluded=False).update(excluded=True)
    answers = {"q1a": 4, "q1b": 4, "q1c": 1, "q2": "yes", "q3": 2}
    respond(confirmed.enrolment, "IIT", answers)
    second = computed(confirmed, ResultKind.PROVISIONAL)
    assert second.respondents["IIT"] == 1 != first.respondents["IIT"]
    _indicators, alone, _n = survey_scores(confirmed.framework, "IIT", [answers])
    assert second.instruments["IIT"] == fmt(alone) != first.instruments["IIT"]
    assert AgencyResult.objects.filter(agency=confirmed.agency_a).count() == 1


def test_the_schedule_counts_only_what_changed_since_the_last_count(confirmed):
    from openita.surveys.tasks import refresh_tallies

    assert refresh_tallies() == 2  # agency A's IIT and EIT, never counted before
    assert refresh_tallies() == 0
    respond(confirmed.enrolment, "EIT", {"e1": 1})
    assert tallies.refresh(confirmed.year.pk) == 1
    kept = CellTally.objects.get(enrolment=confirmed.enrolment, instrument="EIT")
    assert kept.n == 10 and kept.version == version(confirmed, "EIT")


def test_a_response_moved_to_another_agency_or_instrument_counts_again_for_both(confirmed):
    from openita.calendars.models import Enrolment, EnrolmentState

    a = confirmed.enrolment
    b = Enrolment.objects.create(agency=confirmed.agency_b, year=confirmed.year,
                                 state=EnrolmentState.HEADCOUNT_APPROVED, headcount=10)
    first = tallies.counted("EIT", [a.pk, b.pk])
    assert b.pk not in first
    moved = Response.objects.filter(enrolment=a, instrument="EIT", excluded=False).first()
    Response.objects.filter(pk=moved.pk).update(enrolment=b)  # a hand correction
    again = tallies.counted("EIT", [a.pk, b.pk])
    assert again[b.pk]["n"] == 1 and again[a.pk]["n"] == first[a.pk]["n"] - 1
    Response.objects.filter(pk=moved.pk).update(
        instrument="IIT", answers={"q1a": 1, "q1b": 1, "q1c": 1, "q2": "yes", "q3": 1})
    assert b.pk not in tallies.counted("EIT", [b.pk])
    assert tallies.counted("IIT", [b.pk])[b.pk]["n"] == 1


def test_the_number_of_responses_and_the_cells_are_counted_at_one_moment(confirmed):
    found = tallies.count("IIT", [confirmed.enrolment.pk])[confirmed.enrolment.pk]
    assert found["n"] == 17
    assert {sum(per_answer.values()) for per_answer in found["cells"].values()} == {17}


@pytest.mark.skipif("connection.vendor == 'sqlite'", reason="SQLite has no TRUNCATE")
def test_a_truncated_response_table_takes_every_kept_count_with_it(confirmed):

    tallies.counted("EIT", [confirmed.enrolment.pk])
    assert CellTally.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE surveys_response CASCADE")
    assert not CellTally.objects.exists() and not ResponseVersion.objects.exists()
