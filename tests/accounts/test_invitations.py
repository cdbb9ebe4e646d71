"""Roles, invitations and consultant teams.

An agency admin invites colleagues of their own agency; NACC grants any role. An invited
person opens the e-mailed link once, sets a name and password and is signed in with the
role. Every grant, revocation, invitation and acceptance is audited.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from openita.accounts import services
from openita.accounts.models import ConsultantTeam, Invitation, Role, RoleGrant, User
from openita.core.errors import ActionRefused
from openita.core.models import AuditEntry
from tests.helpers import audit_actions as _actions
from tests.helpers import english as _english
from tests.helpers import invitation_token
from tests.helpers import messages_of as _messages
from tests.helpers import page_text as _text

NEW_EMAIL = "deputy.a@example.test"
NEW_PASSWORD = "ดอกไม้บานสะพรั่ง 2568"
LINK = re.compile(r"http://testserver/accounts/invite/[A-Za-z0-9_-]+/")


def _invite_as_admin_a(world, client_for, capture, **data) -> tuple:
    """admin_a invites a new colleague to agency A; returns the response and the link."""
    client = _english(client_for(world.admin_a))
    form = {"email": NEW_EMAIL, "full_name": "รองปลัด หนองบัว", "role": "agency_executive"}
    form.update(data)
    with capture(execute=True):
        response = client.post(reverse("agencies:invite", args=[world.agency_a.pk]), form,
                               follow=True)
    links = LINK.findall(mail.outbox[-1].body) if mail.outbox else []
    return response, (links[0] if links else None)


def _accept(client, link, password=NEW_PASSWORD, name="นางสาว รอง ปลัด", **extra):
    return client.post(link, {"full_name": name, "password1": password,
                              "password2": extra.get("password2", password)}, follow=True)


# --- inviting a new colleague ----------------------------------------------------------


def test_the_agency_admin_invites_a_new_colleague_as_executive_by_email(
    world, client_for, django_capture_on_commit_callbacks
):
    response, link = _invite_as_admin_a(world, client_for, django_capture_on_commit_callbacks)

    assert response.redirect_chain == [(reverse("agencies:detail",
                                                args=[world.agency_a.pk]), 302)]
    assert f"The invitation is sent to {NEW_EMAIL}." in _messages(response)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.agency) == (
        NEW_EMAIL, Role.AGENCY_EXECUTIVE, world.agency_a)
    assert invitation.invited_by == world.admin_a
    assert invitation.accepted_at is None
    assert invitation.expires_at > timezone.now() + dt.timedelta(days=13)
    assert not User.objects.filter(email=NEW_EMAIL).exists()

    [message] = mail.outbox
    assert message.to == [NEW_EMAIL]
    assert message.subject  # the first line of the template, never empty
    assert link is not None and link in message.body
    assert world.agency_a.name_th in message.body
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in invitation.token_hash  # only a hash of the token is stored

    entry = AuditEntry.objects.get(action="invitation.create")
    assert (entry.actor, entry.object_id) == (world.admin_a, str(invitation.pk))
    # Proposed by the agency itself: the role waits for NACC's confirmation (test_duties).
    assert entry.after == {"email": NEW_EMAIL, "role": "agency_executive",
                           "target": f"agency:{world.agency_a.pk}", "confirmation": "pending"}


def test_no_mail_leaves_before_the_invitation_is_committed(
    world, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.invite("later@example.test", Role.AGENCY_ADMIN, acting_user=world.admin_a,
                        agency=world.agency_a)
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["later@example.test"]]


def test_the_invited_person_opens_the_link_and_gets_an_account_with_the_role(
    world, client_for, django_capture_on_commit_callbacks
):
    _response, link = _invite_as_admin_a(world, client_for, django_capture_on_commit_callbacks,
                                        role="agency_admin")
    client = _english(client_for(None))

    page = client.get(link)
    assert page.status_code == 200
    assert (f"You are invited as Agency administrator with the e-mail {NEW_EMAIL}."
            in _text(page))
    assert page.context["form"].initial["full_name"] == "รองปลัด หนองบัว"

    accepted = _accept(client, link)
    assert accepted.redirect_chain == [(reverse("site:home"), 302)]
    assert "Welcome! Your account is ready." in _messages(accepted)
    person = User.objects.get(email=NEW_EMAIL)
    assert person.full_name == "นางสาว รอง ปลัด"
    assert person.check_password(NEW_PASSWORD)
    assert client.session[SESSION_KEY] == str(person.pk)
    assert "นางสาว รอง ปลัด" in _text(accepted)
    grant = RoleGrant.objects.get(user=person)
    assert (grant.role, grant.agency, grant.granted_by, grant.revoked_at) == (
        Role.AGENCY_ADMIN, world.agency_a, world.admin_a, None)
    invitation = Invitation.objects.get()
    assert (invitation.accepted_by, invitation.accepted_at is not None) == (person, True)

    assert _actions() == ["invitation.create", "invitation.accept"]
    entry = AuditEntry.objects.get(action="invitation.accept")
    assert (entry.actor, entry.object_id) == (person, str(invitation.pk))
    assert entry.after == {"user": NEW_EMAIL, "grant": grant.pk, "role": "agency_admin"}

    # The new administrator now works on agency A's page.
    detail = client.get(reverse("agencies:detail", args=[world.agency_a.pk]))
    assert detail.status_code == 200
    assert person.has_perm("calendars.submit_headcount", world.agency_a)


def test_the_invitation_link_works_only_once(
    world, client_for, django_capture_on_commit_callbacks
):
    _response, link = _invite_as_admin_a(world, client_for, django_capture_on_commit_callbacks,
                                        role="agency_admin")
    client = _english(client_for(None))
    _accept(client, link)
    client = _english(client_for(None))

    opened_again = client.get(link)
    assert opened_again.status_code == 404
    assert "Invitation not valid" in _text(opened_again)
    posted_again = client.post(link, {"full_name": "ผู้แอบอ้าง", "password1": "another pass 99",
                                      "password2": "another pass 99"})
    assert posted_again.status_code == 404
    assert SESSION_KEY not in client.session
    assert User.objects.filter(email=NEW_EMAIL).count() == 1
    assert User.objects.get(email=NEW_EMAIL).full_name == "นางสาว รอง ปลัด"
    assert RoleGrant.objects.filter(user__email=NEW_EMAIL).count() == 1
    assert _actions() == ["invitation.create", "invitation.accept"]


def test_the_service_accepts_a_token_once(world):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.invite(NEW_EMAIL, Role.AGENCY_ADMIN, acting_user=world.admin_a,
                        agency=world.agency_a)
    token = invitation_token(mail.outbox[-1].body)
    person = services.accept_invitation(token, "คนแรก", NEW_PASSWORD)
    with pytest.raises(ActionRefused):
        services.accept_invitation(token, "คนที่สอง", NEW_PASSWORD)
    assert services.pending_invitation(token) is None
    assert User.objects.get(email=NEW_EMAIL) == person
    assert person.full_name == "คนแรก"
    assert _actions() == ["invitation.create", "invitation.accept"]


def test_an_expired_link_shows_the_invalid_page(
    world, client_for, django_capture_on_commit_callbacks
):
    _response, link = _invite_as_admin_a(world, client_for, django_capture_on_commit_callbacks)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    client = _english(client_for(None))

    response = client.get(link)
    assert response.status_code == 404
    assert [t.name for t in response.templates][0] == "accounts/invitation_invalid.html"
    assert "This invitation link was already used, has expired or is wrong." in _text(response)
    posted = _accept(client, link)
    assert posted.status_code == 404
    assert not User.objects.filter(email=NEW_EMAIL).exists()
    assert _actions() == ["invitation.create"]


def test_a_wrong_link_shows_the_invalid_page(db, client):
    response = client.get(reverse("accounts:accept", args=["not-a-token"]))
    assert response.status_code == 404
    assert [t.name for t in response.templates][0] == "accounts/invitation_invalid.html"


@pytest.mark.parametrize("password", ["12345", "password123", "deputy.a.example"])
def test_a_weak_password_is_refused_and_nothing_is_created(
    world, client_for, django_capture_on_commit_callbacks, password
):
    _response, link = _invite_as_admin_a(world, client_for, django_capture_on_commit_callbacks)
    client = _english(client_for(None))
    response = _accept(client, link, password=password)
    assert response.status_code == 200
    assert response.redirect_chain == []
    assert list(response.context["form"].errors) == ["password1"]
    assert not User.objects.filter(email=NEW_EMAIL).exists()
    assert not RoleGrant.objects.filter(user__email=NEW_EMAIL).exists()
    assert Invitation.objects.get().accepted_at is None
    assert SESSION_KEY not in client.session
    assert _actions() == ["invitation.create"]
    # The link still works for a better password.
    assert _accept(client, link).redirect_chain == [(reverse("site:home"), 302)]


def test_two_different_passwords_are_refused(
    world, client_for, django_capture_on_commit_callbacks
):
    _response, link = _invite_as_admin_a(world, client_for, django_capture_on_commit_callbacks)
    response = _accept(_english(client_for(None)), link, password2="something else 77")
    assert response.status_code == 200
    assert "The two passwords differ." in _text(response)
    assert not User.objects.filter(email=NEW_EMAIL).exists()


def test_inviting_an_email_that_has_an_account_sends_an_invitation_to_accept(
    world, client_for, django_capture_on_commit_callbacks
):
    # No role without consent, and nothing about the account shown to the inviter
    # (issue 9; the whole attack is in test_duties_consent.py).
    response, link = _invite_as_admin_a(world, client_for, django_capture_on_commit_callbacks,
                                        email="  Nobody@Example.TEST ", role="agency_admin")
    assert response.redirect_chain == [(reverse("agencies:detail",
                                                args=[world.agency_a.pk]), 302)]
    assert "The invitation is sent to nobody@example.test." in _messages(response)
    assert link is not None
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.agency) == (
        "nobody@example.test", Role.AGENCY_ADMIN, world.agency_a)
    assert not RoleGrant.objects.filter(user=world.nobody).exists()
    [message] = mail.outbox
    assert message.to == ["nobody@example.test"]
    assert "Agency administrator" in message.body
    assert _actions() == ["invitation.create"]
    page = client_for(world.nobody).get(reverse("agencies:detail", args=[world.agency_a.pk]))
    assert page.status_code == 404


def test_granting_a_role_someone_holds_already_changes_nothing(world):
    before = RoleGrant.objects.count()
    grant = services.grant_role(world.executive_a, Role.AGENCY_EXECUTIVE,
                                acting_user=world.nacc, agency=world.agency_a)
    assert grant.user == world.executive_a
    assert RoleGrant.objects.count() == before
    assert not AuditEntry.objects.exists()


# --- who may grant what ----------------------------------------------------------------


def test_the_agency_admin_cannot_invite_for_another_agency(world, client_for):
    client = client_for(world.admin_a)
    form = {"email": NEW_EMAIL, "role": "agency_admin"}
    assert client.post(reverse("agencies:invite", args=[world.agency_b.pk]),
                       form).status_code == 404
    assert client.post(reverse("accounts:grant"), {**form, "agency_code": "SAO-B"}
                       ).status_code == 403
    with pytest.raises(PermissionDenied):
        services.invite(NEW_EMAIL, Role.AGENCY_ADMIN, acting_user=world.admin_a,
                        agency=world.agency_b)
    with pytest.raises(PermissionDenied):
        services.grant_role(world.nobody, Role.AGENCY_EXECUTIVE, acting_user=world.admin_a,
                            agency=world.agency_b)
    assert not Invitation.objects.exists()
    assert not RoleGrant.objects.filter(agency=world.agency_b).exclude(user=world.admin_b).exists()
    assert mail.outbox == []
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("role", "target"),
    [("nacc_admin", {}), ("consultant", {"team": "team_x"}),
     ("oversight", {"province": "province_p"})],
)
def test_the_agency_admin_cannot_grant_roles_outside_their_agency(world, role, target):
    target = {key: getattr(world, name) for key, name in target.items()}
    with pytest.raises(PermissionDenied):
        services.invite(NEW_EMAIL, role, acting_user=world.admin_a, **target)
    with pytest.raises(PermissionDenied):
        services.grant_role(world.nobody, role, acting_user=world.admin_a, **target)
    assert not Invitation.objects.exists()
    assert not RoleGrant.objects.filter(user=world.nobody).exists()
    assert not AuditEntry.objects.exists()


def test_the_invite_form_of_an_agency_offers_only_agency_roles(world, client_for):
    response = client_for(world.admin_a).post(
        reverse("agencies:invite", args=[world.agency_a.pk]),
        {"email": NEW_EMAIL, "role": "nacc_admin"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["role"]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("persona", ["executive_a", "consultant_x", "officer_p"])
def test_people_who_are_not_admins_cannot_invite(world, client_for, persona):
    response = client_for(world.persona(persona)).post(
        reverse("agencies:invite", args=[world.agency_a.pk]),
        {"email": NEW_EMAIL, "role": "agency_executive"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


# --- NACC grants -----------------------------------------------------------------------


def test_nacc_grants_an_oversight_role_for_a_province(
    world, client_for, django_capture_on_commit_callbacks
):
    client = _english(client_for(world.nacc))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:grant"), {
            "email": "nobody@example.test", "role": "oversight",
            "province": world.province_q.pk}, follow=True)
    assert response.redirect_chain == [(reverse("accounts:people"), 302)]
    assert "The invitation is sent to nobody@example.test." in _messages(response)
    assert not RoleGrant.objects.filter(user=world.nobody).exists()  # not before consent
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor) == ("invitation.create", world.nacc)
    assert entry.after == {"email": "nobody@example.test", "role": "oversight",
                           "target": f"province:{world.province_q.pk}"}
    assert [m.to for m in mail.outbox] == [["nobody@example.test"]]

    # The person signs in with the invited address and accepts.
    officer = client_for(world.nobody)
    assert officer.post(LINK.findall(mail.outbox[0].body)[0]).status_code == 302
    grant = RoleGrant.objects.get(user=world.nobody)
    assert (grant.role, grant.province, grant.parent, grant.agency) == (
        Role.OVERSIGHT, world.province_q, None, None)
    assert grant.granted_by == world.nacc
    assert officer.get(reverse("agencies:detail", args=[world.agency_b.pk])).status_code == 200
    assert officer.get(reverse("agencies:detail", args=[world.agency_a.pk])).status_code == 404


def test_nacc_invites_a_new_oversight_officer_for_a_province(
    world, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _english(client_for(world.nacc)).post(reverse("accounts:grant"), {
            "email": "officer.q@example.test", "full_name": "เจ้าหน้าที่ ภูเก็ต",
            "role": "oversight", "province": world.province_q.pk}, follow=True)
    assert "The invitation is sent to officer.q@example.test." in _messages(response)
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.province) == (Role.OVERSIGHT, world.province_q)
    link = LINK.findall(mail.outbox[0].body)[0]
    _accept(_english(client_for(None)), link, name="เจ้าหน้าที่ ภูเก็ต")
    grant = RoleGrant.objects.get(user__email="officer.q@example.test")
    assert (grant.role, grant.province) == (Role.OVERSIGHT, world.province_q)
    assert _actions() == ["invitation.create", "invitation.accept"]


def test_an_oversight_role_needs_a_province_or_a_parent_but_not_both(world, client_for):
    client = _english(client_for(world.nacc))
    neither = client.post(reverse("accounts:grant"), {
        "email": "nobody@example.test", "role": "oversight"})
    assert neither.status_code == 200
    assert "Choose what this role applies to." in _text(neither)
    both = client.post(reverse("accounts:grant"), {
        "email": "nobody@example.test", "role": "oversight",
        "province": world.province_q.pk, "parent_code": "MIN-MOI"})
    assert both.status_code == 200
    assert ("An oversight role covers either a province or a parent organisation, not both."
            in _text(both))
    assert not RoleGrant.objects.filter(user=world.nobody).exists()
    assert not AuditEntry.objects.exists()


def test_a_grant_for_an_unknown_agency_code_is_refused(world, client_for):
    response = _english(client_for(world.nacc)).post(reverse("accounts:grant"), {
        "email": "nobody@example.test", "role": "agency_admin", "agency_code": "SAO-Z"})
    assert response.status_code == 200
    assert "No agency has this code." in _text(response)
    assert not RoleGrant.objects.filter(user=world.nobody).exists()


# --- revoking --------------------------------------------------------------------------


def test_nacc_revokes_a_role_and_the_agency_page_is_gone_for_that_person(world, client_for):
    grant = RoleGrant.objects.get(user=world.executive_a)
    agency_page = reverse("agencies:detail", args=[world.agency_a.pk])
    assert client_for(world.executive_a).get(agency_page).status_code == 200

    client = _english(client_for(world.nacc))
    response = client.post(reverse("accounts:revoke", args=[grant.pk]),
                           {"reason": "ย้ายไปหน่วยงานอื่น"}, follow=True)
    assert response.redirect_chain == [(reverse("accounts:person",
                                                args=[world.executive_a.pk]), 302)]
    assert "The role is removed." in _messages(response)
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.reason) == (
        "role.revoke", world.nacc, "ย้ายไปหน่วยงานอื่น")
    assert entry.before == {"user": "exec.a@example.test", "role": "agency_executive"}

    assert client_for(world.executive_a).get(agency_page).status_code == 404


def test_the_agency_admin_removes_a_colleagues_role_from_the_agency_page(world, client_for):
    grant = RoleGrant.objects.get(user=world.executive_a)
    agency_page = reverse("agencies:detail", args=[world.agency_a.pk])
    client = _english(client_for(world.admin_a))
    assert reverse("accounts:revoke", args=[grant.pk]) in _text(client.get(agency_page))
    response = client.post(reverse("accounts:revoke", args=[grant.pk]),
                           {"next": agency_page}, follow=True)
    assert response.redirect_chain == [(agency_page, 302)]
    assert RoleGrant.objects.get(pk=grant.pk).revoked_at is not None
    assert _actions() == ["role.revoke"]
    assert "นายก อบต. หนองบัว" not in _text(response)
    assert client_for(world.executive_a).get(agency_page).status_code == 404


def test_revoking_twice_records_it_once(world):
    grant = RoleGrant.objects.get(user=world.executive_a)
    services.revoke_role(grant, acting_user=world.nacc)
    services.revoke_role(grant, acting_user=world.nacc)
    assert _actions() == ["role.revoke"]


def test_the_agency_admin_cannot_revoke_a_role_in_another_agency(world, client_for):
    grant = RoleGrant.objects.get(user=world.admin_b)
    response = client_for(world.admin_a).post(reverse("accounts:revoke", args=[grant.pk]))
    assert response.status_code == 404  # out of reach: it does not even exist for them
    assert RoleGrant.objects.get(pk=grant.pk).revoked_at is None
    assert not AuditEntry.objects.exists()


def test_nacc_cannot_remove_their_own_nacc_role(world, client_for):
    grant = RoleGrant.objects.get(user=world.nacc)
    response = _english(client_for(world.nacc)).post(
        reverse("accounts:revoke", args=[grant.pk]), follow=True)
    assert "You cannot remove your own NACC administrator role." in _messages(response)
    assert RoleGrant.objects.get(pk=grant.pk).revoked_at is None
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/",
                                    "/\\evil.example/"])
def test_revoking_does_not_follow_a_next_address_to_another_site(world, client_for, target):
    grant = RoleGrant.objects.get(user=world.executive_a)
    response = client_for(world.nacc).post(reverse("accounts:revoke", args=[grant.pk]),
                                           {"next": target})
    assert response.status_code == 302
    assert url_has_allowed_host_and_scheme(response["Location"], allowed_hosts={"testserver"})
    assert RoleGrant.objects.get(pk=grant.pk).revoked_at is not None


# --- consultant teams ------------------------------------------------------------------


def test_nacc_creates_a_consultant_team_with_its_groups(world, client_for):
    from openita.agencies.models import AgencyGroup

    group_y = AgencyGroup.objects.get(code="GY")
    client = _english(client_for(world.nacc))
    response = client.post(reverse("accounts:team_new"), {
        "name_th": "ทีมมหาวิทยาลัยภูเก็ต", "name_en": "Phuket University team",
        "institution": "มหาวิทยาลัยสงขลานครินทร์", "groups": [world.group_x.pk, group_y.pk]},
        follow=True)
    assert response.redirect_chain == [(reverse("accounts:teams"), 302)]
    assert "The team is saved." in _messages(response)
    team = ConsultantTeam.objects.get(name_th="ทีมมหาวิทยาลัยภูเก็ต")
    assert set(team.groups.all()) == {world.group_x, group_y}
    assert team.institution == "มหาวิทยาลัยสงขลานครินทร์"
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.before) == ("team.create", world.nacc, None)
    assert entry.after == {"name_th": "ทีมมหาวิทยาลัยภูเก็ต",
                           "groups": sorted([world.group_x.pk, group_y.pk])}
    assert "Phuket University team" in _text(response)


def test_nacc_changes_the_groups_of_a_team_and_its_consultants_see_them(world, client_for):
    from openita.agencies.models import AgencyGroup

    group_y = AgencyGroup.objects.get(code="GY")
    response = client_for(world.nacc).post(
        reverse("accounts:team_edit", args=[world.team_x.pk]),
        {"name_th": "ทีม X", "name_en": "Team X", "groups": [group_y.pk]})
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert entry.action == "team.update"
    assert entry.before == {"name_th": "ทีม X", "groups": [world.group_x.pk]}
    assert entry.after == {"name_th": "ทีม X", "groups": [group_y.pk]}
    consultant = client_for(world.consultant_x)
    assert consultant.get(reverse("agencies:detail",
                                  args=[world.agency_b.pk])).status_code == 200
    assert consultant.get(reverse("agencies:detail",
                                  args=[world.agency_a.pk])).status_code == 404


def test_a_team_name_must_be_unique(world, client_for):
    response = client_for(world.nacc).post(reverse("accounts:team_new"), {"name_th": "ทีม X"})
    assert response.status_code == 200
    assert "name_th" in response.context["form"].errors
    assert ConsultantTeam.objects.count() == 1
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("persona", ["admin_a", "consultant_x"])
def test_only_nacc_may_create_a_team(world, client_for, persona):
    response = client_for(world.persona(persona)).post(
        reverse("accounts:team_new"), {"name_th": "ทีมใหม่"})
    assert response.status_code == 403
    assert not ConsultantTeam.objects.filter(name_th="ทีมใหม่").exists()
