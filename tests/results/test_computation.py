"""A year's results computed by a worker from what the database counts, exactly as the
scoring engine scores the raw responses and decisions (on both databases); re-running
keeps what did not change; agencies that cannot be scored are listed, never guessed."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.utils import timezone

from openita.calendars.models import Enrolment, EnrolmentState
from openita.core.errors import ActionRefused
from openita.results import computation
from openita.results.models import AgencyResult, ComputationRun, ResultKind, RunState
from openita.scoring import as_json, score
from openita.surveys.models import Response
from tests.results.conftest import respond


def run(world, kind=ResultKind.FINAL, **kwargs) -> ComputationRun:
    with TestCase.captureOnCommitCallbacks(execute=True):  # the worker (eager in tests)
        made = computation.request_run(world.year, kind, acting_user=world.nacc, **kwargs)
    made.refresh_from_db()
    return made


def stored(world, kind=ResultKind.FINAL) -> AgencyResult:
    return AgencyResult.objects.get(year=world.year, agency=world.agency_a, kind=kind)


def test_the_final_result_is_the_engine_s_score_of_the_raw_responses(confirmed):
    done = run(confirmed)
    assert done.state == RunState.DONE and done.planned == 1 and done.done == 1
    expected = as_json(score(confirmed.framework,
                             responses={"IIT": confirmed.iit, "EIT": confirmed.eit},
                             oit=confirmed.oit))
    result = stored(confirmed)
    assert result.indicators == expected["indicators"]
    assert result.instruments == expected["instruments"]
    assert str(result.total) == expected["total"] and result.rating == expected["rating"]
    assert result.respondents == {"IIT": 17, "EIT": 9}
    assert result.framework == confirmed.framework.id and len(result.inputs_digest) == 64
    assert set(done.stages) == {"read", "score", "store", "total"}


def test_running_again_keeps_what_did_not_change_and_shows_what_did(confirmed):
    first = run(confirmed)
    digest = stored(confirmed).inputs_digest
    again = run(confirmed)
    assert (again.changed, again.unchanged) == (0, 1)
    assert stored(confirmed).run_id == first.pk  # untouched
    Response.objects.filter(enrolment=confirmed.enrolment, instrument="EIT",
                            excluded=False).first().delete()
    third = run(confirmed)
    assert (third.changed, third.unchanged) == (1, 0)
    assert stored(confirmed).inputs_digest != digest
    assert stored(confirmed).respondents["EIT"] == 8


def test_an_agency_that_cannot_be_scored_is_listed_with_the_reason(confirmed):
    Enrolment.objects.create(agency=confirmed.agency_b, year=confirmed.year,
                             state=EnrolmentState.REGISTERED)
    done = run(confirmed)
    assert done.planned == 2 and done.done == 2
    assert done.incomplete == [{"agency": confirmed.agency_b.code, "reason": "no_responses",
                                "instrument": "IIT"}]
    assert not AgencyResult.objects.filter(agency=confirmed.agency_b).exists()


def test_a_provisional_run_scores_what_there_is_so_far(reviewing):
    for answers in ({"e1": 4}, {"e1": 3}):
        respond(reviewing.enrolment, "EIT", answers)
    done = run(reviewing, ResultKind.PROVISIONAL)
    result = stored(reviewing, ResultKind.PROVISIONAL)
    assert done.state == RunState.DONE and done.incomplete == []
    assert result.total is None and result.rating == ""
    assert result.instruments == {"EIT": "83.33"}  # (100 + 66.67) / 2
    assert result.respondents == {"IIT": 0, "EIT": 2}


def test_only_nacc_computes_one_run_at_a_time_and_not_once_published(confirmed):
    with pytest.raises(PermissionDenied):
        computation.request_run(confirmed.year, ResultKind.FINAL,
                                acting_user=confirmed.consultant_x)
    computation.request_run(confirmed.year, ResultKind.FINAL, acting_user=confirmed.nacc)
    with pytest.raises(ActionRefused, match="กำลังคำนวณ"):
        computation.request_run(confirmed.year, ResultKind.PROVISIONAL,
                                acting_user=confirmed.nacc)
    ComputationRun.objects.update(state=RunState.DONE)
    from openita.results.models import Publication

    Publication.objects.create(year=confirmed.year, published_at=timezone.now(),
                               published_by=confirmed.nacc)
    confirmed.year.refresh_from_db()
    with pytest.raises(ActionRefused, match="ประกาศแล้ว"):
        computation.request_run(confirmed.year, ResultKind.FINAL, acting_user=confirmed.nacc)
