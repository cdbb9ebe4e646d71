"""Invitations are limited per sender per hour (issue 9: "invitations can be sent without
limit"); the refusal says how long to wait."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation

from openita.accounts import services
from openita.accounts.models import Invitation, Role
from openita.core.errors import ActionRefused
from openita.core.models import AuditEntry
from tests.helpers import english, page_text


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.OPENITA_INVITATIONS_PER_HOUR = {"nacc": 5, "other": 3}


def _invite(world, n: int, by=None) -> Invitation:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.invite(f"colleague{n}@example.test", Role.AGENCY_ADMIN,
                               acting_user=by or world.admin_a, agency=world.agency_a)


def test_an_agency_admin_cannot_send_invitations_without_limit(world, client_for):
    for n in range(3):
        _invite(world, n)
    client = english(client_for(world.admin_a))
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("agencies:invite", args=[world.agency_a.pk]),
                               {"email": "one.more@example.test", "role": "agency_admin"})
    assert response.status_code == 200
    assert ("You have sent 3 invitations in the last hour, the most allowed. Try again in 60 "
            "minutes.") in page_text(response)
    assert not Invitation.objects.filter(email="one.more@example.test").exists()
    assert len(mail.outbox) == 3
    assert AuditEntry.objects.filter(action="invitation.create").count() == 3


def test_withdrawing_an_invitation_does_not_give_the_allowance_back(world):
    for n in range(3):
        invitation = _invite(world, n)
    services.cancel_invitation(invitation, acting_user=world.admin_a)
    with translation.override("en"), pytest.raises(ActionRefused, match="the most allowed"):
        _invite(world, 9)


def test_the_wait_is_until_the_oldest_invitation_of_the_hour_is_an_hour_old(
    world, monkeypatch
):
    for n in range(3):
        _invite(world, n)
    oldest = AuditEntry.objects.filter(action="invitation.create").order_by("at").first().at
    # The audit log is append-only, so the clock moves instead of the entries.
    monkeypatch.setattr(timezone, "now", lambda: oldest + dt.timedelta(minutes=45))
    with translation.override("en"), pytest.raises(ActionRefused, match="Try again in 15 minutes"):
        _invite(world, 3)
    monkeypatch.setattr(timezone, "now", lambda: oldest + dt.timedelta(minutes=61))
    assert _invite(world, 4).email == "colleague4@example.test"


def test_the_limit_is_per_sender_and_nacc_has_a_higher_one(world):
    for n in range(3):
        _invite(world, n)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.invite("b.colleague@example.test", Role.AGENCY_ADMIN,
                        acting_user=world.admin_b, agency=world.agency_b)
    for n in range(10, 15):
        _invite(world, n, by=world.nacc)
    with translation.override("en"), pytest.raises(ActionRefused,
                                                   match="You have sent 5 invitations"):
        _invite(world, 15, by=world.nacc)
