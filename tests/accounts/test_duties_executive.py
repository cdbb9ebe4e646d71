"""Separation of duties (issue 9): an agency's executive is confirmed from outside the
agency, and nobody approves a headcount they entered or that the person who proposed
their role entered.

The attack from the issue: an agency admin invited a second mailbox of their own as the
agency's executive, accepted, and approved their own headcount.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse

from openita.accounts import services
from openita.accounts.models import Confirmation, Invitation, Role, RoleGrant, User
from openita.agencies.models import Agency, AgencyKind
from openita.calendars import enrolment as enrolments
from openita.calendars.models import Enrolment, EnrolmentState
from openita.core.errors import ActionRefused
from openita.core.models import AuditEntry
from tests.helpers import audit_actions, english, invitation_token, messages_of, page_text

SECOND_MAILBOX = "somchai.private@example.test"
PASSWORD = "ดอกไม้บานสะพรั่ง 2568"


def _propose(world, email: str = SECOND_MAILBOX, *, by=None, agency=None) -> tuple:
    """An executive invitation sent by ``by`` (agency A's admin); the invitation, its token."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        invitation = services.invite(email, Role.AGENCY_EXECUTIVE,
                                     acting_user=by or world.admin_a,
                                     agency=agency or world.agency_a)
    return invitation, invitation_token(mail.outbox[-1].body)


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # roles are cached per object, as per request


def _submitted_headcount(world, headcount: int = 86) -> None:
    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    enrolments.submit_headcount(world.agency_a, world.year, headcount,
                                acting_user=world.admin_a)


# --- the attack --------------------------------------------------------------------------


def test_an_admin_cannot_approve_their_own_headcount_through_a_second_mailbox(
    world, client_for
):
    _submitted_headcount(world)
    admin = english(client_for(world.admin_a))
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = admin.post(reverse("agencies:invite", args=[world.agency_a.pk]), {
            "email": SECOND_MAILBOX, "full_name": "นายกฯ", "role": "agency_executive"},
            follow=True)
    assert "The invitation is sent to somchai.private@example.test." in messages_of(response)
    assert any("starts only once NACC" in m for m in messages_of(response))
    token = invitation_token(mail.outbox[-1].body)

    # Step 1: the second mailbox accepts, but the role waits for NACC: no executive powers.
    second = services.accept_invitation(token, "นายกฯ ตัวจริง", PASSWORD)
    assert not RoleGrant.objects.filter(user=second).exists()
    assert not second.has_perm("calendars.approve_headcount", world.agency_a)
    with pytest.raises(PermissionDenied):
        enrolments.approve_headcount(world.agency_a, world.year, acting_user=_fresh(second))
    refused = client_for(second).post(reverse("agencies:approve_headcount", args=[
        world.agency_a.pk, world.year.fiscal_year]))
    assert refused.status_code == 404  # not even the agency's page is theirs yet
    assert Enrolment.objects.get(agency=world.agency_a).state == (
        EnrolmentState.HEADCOUNT_SUBMITTED)

    # Step 2: even if NACC is misled into confirming it, the person who proposed the
    # executive entered the headcount, so that executive cannot approve it.
    services.confirm_executive(Invitation.objects.get(email=SECOND_MAILBOX), "หนังสือแต่งตั้ง",
                               acting_user=world.nacc)
    second = _fresh(second)
    assert second.has_perm("calendars.approve_headcount", world.agency_a)
    executive = english(client_for(second))
    response = executive.post(reverse("agencies:approve_headcount", args=[
        world.agency_a.pk, world.year.fiscal_year]), follow=True)
    assert ("Your executive role was proposed by the person who entered this headcount, so "
            "you cannot approve it.") in " ".join(messages_of(response))
    enrolment = Enrolment.objects.get(agency=world.agency_a)
    assert enrolment.state == EnrolmentState.HEADCOUNT_SUBMITTED
    assert enrolment.headcount_approved_by is None
    assert "enrolment.approve_headcount" not in audit_actions()


def test_an_executive_proposed_by_one_admin_approves_what_another_entered(world):
    proposal, token = _propose(world)
    second = services.accept_invitation(token, "นายกฯ", PASSWORD)
    services.confirm_executive(proposal, acting_user=world.nacc)
    colleague = User.objects.create_user(email="clerk@example.test", password=PASSWORD,
                                         full_name="เสมียน")
    services.grant_role(colleague, Role.AGENCY_ADMIN, acting_user=world.nacc,
                        agency=world.agency_a)
    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    enrolments.submit_headcount(world.agency_a, world.year, 86, acting_user=_fresh(colleague))
    enrolments.approve_headcount(world.agency_a, world.year, acting_user=_fresh(second))
    assert Enrolment.objects.get(agency=world.agency_a).headcount_approved_by == second


def test_an_executive_granted_by_nacc_approves_the_admins_headcount(world):
    _submitted_headcount(world)
    services.grant_role(world.nobody, Role.AGENCY_EXECUTIVE, acting_user=world.nacc,
                        agency=world.agency_a)
    enrolments.approve_headcount(world.agency_a, world.year, acting_user=_fresh(world.nobody))
    assert Enrolment.objects.get(agency=world.agency_a).state == (
        EnrolmentState.HEADCOUNT_APPROVED)


def test_the_agency_admin_cannot_grant_an_executive_role_directly(world):
    with pytest.raises(PermissionDenied):
        services.grant_role(world.nobody, Role.AGENCY_EXECUTIVE, acting_user=world.admin_a,
                            agency=world.agency_a)
    with pytest.raises(PermissionDenied):
        services.grant_role(world.nobody, Role.AGENCY_ADMIN, acting_user=world.admin_a,
                            agency=world.agency_a)
    assert not RoleGrant.objects.filter(user=world.nobody).exists()


# --- NACC confirms or refuses ------------------------------------------------------------


def test_nacc_sees_the_proposal_and_confirms_it_and_the_person_is_told(world, client_for):
    proposal, token = _propose(world)
    second = services.accept_invitation(token, "นายกฯ", PASSWORD)
    nacc = english(client_for(world.nacc))
    listed = nacc.get(reverse("accounts:confirmations"))
    assert listed.status_code == 200
    assert [p.pk for p in listed.context["page"]] == [proposal.pk]
    assert SECOND_MAILBOX in page_text(listed) and "สมชาย ใจดี" in page_text(listed)

    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = nacc.post(reverse("accounts:decide_executive", args=[proposal.pk]),
                             {"decision": "confirm", "reason": "หนังสือแต่งตั้ง ลว. 1 ต.ค."},
                             follow=True)
    assert "The executive is confirmed." in messages_of(response)
    grant = RoleGrant.objects.get(user=second)
    assert (grant.role, grant.agency, grant.granted_by) == (
        Role.AGENCY_EXECUTIVE, world.agency_a, world.admin_a)
    proposal.refresh_from_db()
    assert (proposal.confirmation, proposal.decided_by) == (Confirmation.CONFIRMED, world.nacc)
    entry = AuditEntry.objects.get(action="invitation.confirm")
    assert (entry.actor, entry.reason) == (world.nacc, "หนังสือแต่งตั้ง ลว. 1 ต.ค.")
    assert entry.after["grant"] == grant.pk
    assert [m.to for m in mail.outbox] == [[SECOND_MAILBOX]]
    assert not nacc.get(reverse("accounts:confirmations")).context["page"].object_list


def test_a_proposal_confirmed_before_it_is_accepted_grants_on_acceptance(world):
    proposal, token = _propose(world)
    assert services.confirm_executive(proposal, acting_user=world.nacc) is None
    person = services.accept_invitation(token, "นายกฯ", PASSWORD)
    assert person.has_perm("calendars.approve_headcount", world.agency_a)


def test_nacc_refuses_a_proposal_with_a_reason_and_its_link_dies(world, client_for):
    proposal, token = _propose(world)
    nacc = english(client_for(world.nacc))
    without = nacc.post(reverse("accounts:decide_executive", args=[proposal.pk]),
                        {"decision": "refuse", "reason": "  "}, follow=True)
    assert "Give the reason." in messages_of(without)
    assert Invitation.objects.get(pk=proposal.pk).confirmation == Confirmation.PENDING

    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = nacc.post(reverse("accounts:decide_executive", args=[proposal.pk]),
                             {"decision": "refuse", "reason": "ไม่ใช่นายก อบต."}, follow=True)
    assert any("refused" in m for m in messages_of(response))
    assert Invitation.objects.get(pk=proposal.pk).confirmation == Confirmation.REFUSED
    entry = AuditEntry.objects.get(action="invitation.refuse")
    assert (entry.actor, entry.reason) == (world.nacc, "ไม่ใช่นายก อบต.")
    [message] = mail.outbox
    assert message.to == [world.admin_a.email] and "ไม่ใช่นายก อบต." in message.body
    assert services.pending_invitation(token) is None
    with pytest.raises(ActionRefused):
        services.accept_invitation(token, "นายกฯ", PASSWORD)
    assert not User.objects.filter(email=SECOND_MAILBOX).exists()
    with pytest.raises(ActionRefused):  # decided once
        services.confirm_executive(proposal, acting_user=world.nacc)


def test_an_executive_invited_by_nacc_needs_no_confirmation(world):
    invitation, token = _propose(world, by=world.nacc)
    assert invitation.confirmation == Confirmation.CONFIRMED
    person = services.accept_invitation(token, "นายกฯ", PASSWORD)
    grant = RoleGrant.objects.get(user=person)
    assert (grant.role, grant.granted_by) == (Role.AGENCY_EXECUTIVE, world.nacc)


@pytest.mark.parametrize("persona", ["admin_a", "executive_a", "officer_p", "consultant_x"])
def test_only_nacc_confirms_by_default(world, client_for, persona):
    proposal, _token = _propose(world)
    user = world.persona(persona)
    client = client_for(user)
    assert client.get(reverse("accounts:confirmations")).status_code == 403
    assert client.post(reverse("accounts:decide_executive", args=[proposal.pk]),
                       {"decision": "confirm"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.confirm_executive(proposal, acting_user=user)
    assert Invitation.objects.get(pk=proposal.pk).confirmation == Confirmation.PENDING


# --- the provincial oversight office, where configured ----------------------------------


def test_the_provincial_office_confirms_local_administrations_of_its_province(
    world, client_for, settings
):
    settings.OPENITA_EXECUTIVE_CONFIRMED_BY = "nacc_or_provincial_oversight"
    proposal, _token = _propose(world)  # agency A: an SAO in province P
    admin_b_proposal, _ = _propose(world, "b.exec@example.test", by=world.admin_b,
                                   agency=world.agency_b)  # an SAO in province Q
    office = Agency.objects.create(code="PROV-P", name_th="ศาลากลางจังหวัดเชียงใหม่",
                                   kind=AgencyKind.PROVINCE, province=world.province_p)
    services.grant_role(world.nobody, Role.AGENCY_ADMIN, acting_user=world.nacc, agency=office)
    office_proposal, _ = _propose(world, "governor@example.test", by=_fresh(world.nobody),
                                  agency=office)

    officer = client_for(world.officer_p)
    listed = officer.get(reverse("accounts:confirmations"))
    assert [p.pk for p in listed.context["page"]] == [proposal.pk]  # not Q's, not central
    assert officer.post(reverse("accounts:decide_executive", args=[admin_b_proposal.pk]),
                        {"decision": "confirm"}).status_code == 404
    assert officer.post(reverse("accounts:decide_executive", args=[office_proposal.pk]),
                        {"decision": "confirm"}).status_code == 404
    assert officer.post(reverse("accounts:decide_executive", args=[proposal.pk]),
                        {"decision": "confirm"}).status_code == 302
    assert Invitation.objects.get(pk=proposal.pk).confirmation == Confirmation.CONFIRMED
    assert AuditEntry.objects.get(action="invitation.confirm").actor == world.officer_p
    # NACC still confirms everything.
    services.confirm_executive(office_proposal, acting_user=world.nacc)


def test_nobody_decides_a_proposal_that_names_them(world, settings):
    proposal, _token = _propose(world, world.nacc.email)
    with pytest.raises(ActionRefused):
        services.confirm_executive(proposal, acting_user=world.nacc)
    assert Invitation.objects.get(pk=proposal.pk).confirmation == Confirmation.PENDING


def test_three_mailboxes_do_not_get_past_the_rule_either(world):
    """Admin A invites mailbox B as a second admin (no confirmation needed), proposes
    mailbox C as executive (NACC confirms), lets B enter the headcount and C approve it.
    B and C are joined to A by proposals: C may not approve what B entered."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.invite("b.private@example.test", Role.AGENCY_ADMIN, acting_user=world.admin_a,
                        agency=world.agency_a)
    second_admin = services.accept_invitation(invitation_token(mail.outbox[-1].body),
                                              "บี ส่วนตัว", PASSWORD)
    invitation, token = _propose(world, "c.private@example.test")
    executive = services.accept_invitation(token, "ซี ส่วนตัว", PASSWORD)
    services.confirm_executive(Invitation.objects.get(pk=invitation.pk), "หนังสือแต่งตั้ง",
                               acting_user=world.nacc)
    enrolments.enrol(world.agency_a, world.year, acting_user=_fresh(second_admin))
    enrolments.submit_headcount(world.agency_a, world.year, 86,
                                acting_user=_fresh(second_admin))
    with pytest.raises(ActionRefused):
        enrolments.approve_headcount(world.agency_a, world.year, acting_user=_fresh(executive))
    assert Enrolment.objects.get(agency=world.agency_a).headcount_approved_by is None
    # The agency's own executive, given the role by NACC, approves as before.
    enrolments.approve_headcount(world.agency_a, world.year, acting_user=world.executive_a)
