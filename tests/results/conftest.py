"""The world of the results tests: agency A with counted survey responses and a confirmed
OIT (``confirmed``), and the same world's year computed and published (``published``);
the OIT stages come from tests/disclosure."""

from __future__ import annotations

import random
import uuid

import pytest
from django.test import TestCase
from django.utils import timezone

from openita.calendars.models import Phase
from openita.disclosure import confirmation
from openita.frameworks import services as frameworks
from openita.results import computation, publication
from openita.results.models import AgencyResult, ResultKind
from openita.surveys.models import Response
from tests.disclosure.conftest import (  # noqa: F401  (fixtures)
    approved,
    decide_all,
    entering,
    only_open,
    release,
    reviewing,
)

LEVELS = (1, 2, 3, 4)


def respond(enrolment, instrument: str, answers: dict, *, excluded: bool = False):
    return Response.objects.create(enrolment=enrolment, instrument=instrument, answers=answers,
                                   submitted_on=timezone.localdate(), excluded=excluded,
                                   receipt=uuid.uuid4().hex)


def some_iit(rng: random.Random) -> dict:
    return {"q1a": rng.choice(LEVELS), "q1b": rng.choice(LEVELS), "q1c": rng.choice(LEVELS),
            "q2": rng.choice(["yes", "no"]), "q3": rng.choice(LEVELS)}


@pytest.fixture
def confirmed(reviewing):  # noqa: F811  (the imported fixture)
    """Agency A: 17 IIT and 9 EIT responses (and two excluded), its OIT confirmed."""
    world = reviewing
    rng = random.Random(2569)
    world.iit = [some_iit(rng) for _ in range(17)]
    world.eit = [{"e1": rng.choice(LEVELS)} for _ in range(9)]
    for answers in world.iit:
        respond(world.enrolment, "IIT", answers)
    for answers in world.eit:
        respond(world.enrolment, "EIT", answers)
    respond(world.enrolment, "IIT", {**world.iit[0], "q1a": 1}, excluded=True)
    respond(world.enrolment, "EIT", {"e1": 1}, excluded=True)
    world.oit = {"O1": True, "O2": False, "O3": True, "O4": True}
    decide_all(world, world.oit)
    release(world)
    only_open(world, Phase.CONFIRMATION)
    confirmation.confirm(world.submission, acting_user=world.lead_x)
    world.framework = frameworks.framework_of(world.year.framework)
    return world


def computed(world, kind=ResultKind.FINAL):
    with TestCase.captureOnCommitCallbacks(execute=True):
        computation.request_run(world.year, kind, acting_user=world.nacc)
    return AgencyResult.objects.get(agency=world.agency_a, kind=kind)


@pytest.fixture
def published(confirmed):
    respond(confirmed.enrolment, "EIT", {"e1": 3})  # ten EIT answers: in the open data
    confirmed.result = computed(confirmed)
    with TestCase.captureOnCommitCallbacks(execute=True):
        publication.publish(confirmed.year, acting_user=confirmed.nacc)
    return confirmed


