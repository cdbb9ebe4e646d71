"""Fifty parallel submissions: one row for one key, fifty rows for fifty keys (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.utils import timezone

from openita.calendars.models import Enrolment, EnrolmentState, Phase, PhaseWindow
from openita.core.errors import ActionRefused
from openita.surveys import codes, services
from openita.surveys.models import Response
from tests.personas import build_world
from tests.surveys.conftest import iit_answers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def enrolment():
    if connection.vendor != "postgresql":
        pytest.skip("real parallel writers need PostgreSQL (CI runs this on it)")
    world = build_world()
    world.year.iit_requires_access_code = False
    world.year.save()
    today = timezone.localdate()
    PhaseWindow.objects.filter(year=world.year, phase=Phase.IIT_COLLECTION).update(
        opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=9))
    return Enrolment.objects.create(agency=world.agency_a, year=world.year,
                                    state=EnrolmentState.HEADCOUNT_APPROVED, headcount=40,
                                    headcount_approved_at=timezone.now())


def _submit_many(enrolment, keys: list[str], code: str | None = None) -> list:
    def one(key: str):
        try:
            return services.submit(enrolment, "IIT", iit_answers(), submission_key=key,
                                   access_code=code)
        except ActionRefused as refusal:
            return refusal
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=10) as pool:
        return list(pool.map(one, keys))


def test_fifty_parallel_replays_of_one_key_store_one_row(enrolment):
    results = _submit_many(enrolment, ["the-same-key"] * 50)
    assert Response.objects.count() == 1
    assert {r.response.pk for r in results} == {Response.objects.get().pk}
    assert sum(not r.replayed for r in results) == 1


def test_fifty_parallel_different_keys_store_fifty_rows(enrolment):
    results = _submit_many(enrolment, [f"key-{n}" for n in range(50)])
    assert Response.objects.count() == 50
    assert len({r.response.pk for r in results}) == 50


def test_one_access_code_used_by_twenty_parallel_respondents_stores_one_response(enrolment):
    from openita.accounts.models import Role, RoleGrant

    admin = RoleGrant.objects.get(role=Role.AGENCY_ADMIN, agency=enrolment.agency).user
    code = codes.issue_access_codes(enrolment, 1, acting_user=admin)[0]
    results = _submit_many(enrolment, [f"k{n}" for n in range(20)], code=code)
    assert Response.objects.count() == 1
    assert sum(isinstance(r, ActionRefused) for r in results) == 19
