"""A world whose IIT and EIT collection windows are open, with agency A enrolled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from openita.calendars.models import Enrolment, EnrolmentState, Phase, PhaseWindow
from openita.surveys import services


def open_collection(world, opened_days_ago: int = 3):
    """Open the world's IIT and EIT windows and enrol agency A with an approved headcount
    and its survey link (``world.enrolment``, ``world.link``)."""
    today = timezone.localdate()
    PhaseWindow.objects.filter(year=world.year, phase__in=[
        Phase.IIT_COLLECTION, Phase.EIT_COLLECTION]).update(
        opens_on=today - dt.timedelta(days=opened_days_ago),
        closes_on=today + dt.timedelta(days=20))
    world.enrolment = Enrolment.objects.create(
        agency=world.agency_a, year=world.year, state=EnrolmentState.HEADCOUNT_APPROVED,
        headcount=120, headcount_approved_at=timezone.now())
    world.link = services.link_for(world.enrolment)
    return world


@pytest.fixture
def collecting(world):
    return open_collection(world)


def iit_answers(level: int = 4) -> dict:
    """A complete mini-framework IIT response (q1a–c, q2, q3)."""
    return {"q1a": level, "q1b": level, "q1c": 5 - level, "q2": "no", "q3": 5 - level}
