"""Safeguards found in review: nobody approves their own work, invitations can be withdrawn
and die with the inviter's authority."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openita.accounts import services
from openita.accounts.models import Invitation, Role, RoleGrant, User
from openita.calendars import enrolment as enrolments
from openita.calendars.models import Enrolment, EnrolmentState
from openita.core.errors import ActionRefused
from openita.core.models import AuditEntry
from tests.helpers import invitation_token


def test_an_agency_admin_cannot_make_themselves_the_executive(world, client_for):
    client = client_for(world.admin_a)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("agencies:invite", args=[world.agency_a.pk]),
                           {"email": world.admin_a.email, "role": "agency_executive"})
    assert response.status_code == 200
    assert "You cannot give a role to yourself." in response.content.decode()
    assert not RoleGrant.objects.filter(user=world.admin_a, role=Role.AGENCY_EXECUTIVE).exists()


def test_the_person_who_entered_the_headcount_cannot_approve_it(world):
    RoleGrant.objects.create(user=world.executive_a, role=Role.AGENCY_ADMIN,
                             agency=world.agency_a)
    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    executive = User.objects.get(pk=world.executive_a.pk)
    enrolments.submit_headcount(world.agency_a, world.year, 80, acting_user=executive)
    with pytest.raises(ActionRefused):
        enrolments.approve_headcount(world.agency_a, world.year, acting_user=executive)
    assert Enrolment.objects.get(agency=world.agency_a).state == (
        EnrolmentState.HEADCOUNT_SUBMITTED)


def _invite(world) -> str:
    tokens = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "_send", lambda to, template, context: tokens.append(
            context.get("link")))
        services.invite("new.colleague@example.test", Role.AGENCY_ADMIN,
                        acting_user=world.admin_a, agency=world.agency_a)
    return invitation_token(tokens[0])


def test_nacc_withdraws_an_open_invitation_and_its_link_stops_working(world, client_for):
    token = _invite(world)
    invitation = Invitation.objects.get(email="new.colleague@example.test")
    client = client_for(world.nacc)
    response = client.post(reverse("accounts:cancel_invitation", args=[invitation.pk]))
    assert response.status_code == 302
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    assert AuditEntry.objects.filter(action="invitation.cancel").count() == 1
    client.logout()
    assert client.get(reverse("accounts:accept", args=[token])).status_code == 404


def test_an_invitation_dies_with_the_inviters_authority(world, client_for):
    token = _invite(world)
    grant = RoleGrant.objects.get(user=world.admin_a, role=Role.AGENCY_ADMIN)
    services.revoke_role(grant, "left the agency", acting_user=world.nacc)
    client = client_for(None)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("accounts:accept", args=[token]), {
        "full_name": "ผู้ได้รับเชิญ", "password1": "a long enough secret",
        "password2": "a long enough secret"})
    assert response.status_code == 200
    assert "This invitation was withdrawn." in response.content.decode()
    assert not User.objects.filter(email="new.colleague@example.test").exists()


def test_sign_in_accepts_the_address_in_any_letter_case(world, client):
    from tests.personas import PASSWORD

    response = client.post(reverse("accounts:login"),
                           {"username": world.admin_a.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("site:home")).context["user"] == world.admin_a


def test_password_rules_are_explained_in_thai(world, client):
    token = _invite(world)
    response = client.post(reverse("accounts:accept", args=[token]), {
        "full_name": "ผู้ได้รับเชิญ", "password1": "12345", "password2": "12345"})
    body = response.content.decode()
    assert "รหัสผ่านสั้นเกินไป" in body and "too short" not in body


def test_a_person_changes_their_password_and_the_change_is_audited(world, client):
    from tests.personas import PASSWORD

    client.force_login(world.admin_b)
    response = client.post(reverse("accounts:password"), {
        "old_password": PASSWORD, "new_password1": "a brand new secret 2570",
        "new_password2": "a brand new secret 2570"})
    assert response.status_code == 302
    assert User.objects.get(pk=world.admin_b.pk).check_password("a brand new secret 2570")
    entry = AuditEntry.objects.get(action="account.password_change")
    assert entry.actor == world.admin_b and "secret" not in str(entry.after)
    assert client.get(reverse("site:home")).status_code == 200  # still signed in
