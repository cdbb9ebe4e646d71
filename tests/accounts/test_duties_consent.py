"""Adding an existing account to an agency is an invitation its holder accepts (issue 9).

The attack: an agency admin typed the address of someone who has an account; the role
was attached at once, without consent, and the agency's page then showed that person's
name, telling the admin who holds the address.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from openita.accounts import services
from openita.accounts.models import Invitation, Role, RoleGrant
from openita.core.errors import ActionRefused
from tests.helpers import audit_actions, english, invitation_token, messages_of, page_text

NOBODYS_NAME = "ไม่มี บทบาท"  # world.nobody's full name


def _invite_by_page(world, client_for, email: str):
    client = english(client_for(world.admin_a))
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("agencies:invite", args=[world.agency_a.pk]), {
            "email": email, "role": "agency_admin"}, follow=True)


def test_inviting_an_existing_account_reveals_nothing_and_grants_nothing(world, client_for):
    known = _invite_by_page(world, client_for, "nobody@example.test")
    unknown = _invite_by_page(world, client_for, "stranger@example.test")

    # The same answer as for an address without an account, and never the person's name.
    assert messages_of(known) == ["The invitation is sent to nobody@example.test."]
    assert messages_of(unknown) == ["The invitation is sent to stranger@example.test."]
    assert known.redirect_chain == unknown.redirect_chain
    assert NOBODYS_NAME not in page_text(known)
    people = english(client_for(world.admin_a)).get(
        reverse("agencies:detail", args=[world.agency_a.pk]))
    assert NOBODYS_NAME not in page_text(people)
    # No role without consent.
    assert not RoleGrant.objects.filter(user=world.nobody).exists()
    assert Invitation.objects.filter(email="nobody@example.test", accepted_at=None).exists()
    assert audit_actions() == ["invitation.create", "invitation.create"]


def test_the_holder_signs_in_and_accepts_and_only_then_holds_the_role(world, client_for):
    _invite_by_page(world, client_for, "nobody@example.test")
    message = mail.outbox[-1]
    assert message.to == ["nobody@example.test"]
    assert "sign in with this e-mail address" in message.body
    link = re.search(r"http://testserver/accounts/invite/\S+/", message.body).group(0)

    anonymous = english(client_for(None))
    page = anonymous.get(link)
    assert page.status_code == 200
    assert "This e-mail address has an account. Sign in with it to accept the role." in (
        page_text(page))
    assert "password1" not in page_text(page)  # no second account for the same address
    assert anonymous.post(link)["Location"].startswith(reverse("accounts:login"))

    someone_else = english(client_for(world.admin_b))
    assert "This invitation was sent to another e-mail address." in page_text(
        someone_else.get(link))
    response = someone_else.post(link, follow=True)
    assert any("another e-mail address" in m for m in messages_of(response))
    assert not RoleGrant.objects.filter(agency=world.agency_a, user=world.admin_b).exists()

    holder = english(client_for(world.nobody))
    assert "Accept the role" in page_text(holder.get(link))
    accepted = holder.post(link, follow=True)
    assert accepted.redirect_chain == [(reverse("site:home"), 302)]
    assert "You accepted. The role is yours now." in messages_of(accepted)
    grant = RoleGrant.objects.get(user=world.nobody)
    assert (grant.role, grant.agency, grant.granted_by) == (
        Role.AGENCY_ADMIN, world.agency_a, world.admin_a)
    assert audit_actions() == ["invitation.create", "invitation.accept"]
    assert holder.get(link).status_code == 404  # once only


def test_the_service_refuses_an_acceptance_by_another_account(world):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.invite("nobody@example.test", Role.AGENCY_ADMIN, acting_user=world.admin_a,
                        agency=world.agency_a)
    token = invitation_token(mail.outbox[-1].body)
    with translation.override("en"), pytest.raises(ActionRefused, match="another e-mail address"):
        services.accept_invitation_as(token, acting_user=world.admin_b)
    assert not RoleGrant.objects.filter(user=world.admin_b, agency=world.agency_a).exists()
    assert services.accept_invitation_as(token, acting_user=world.nobody) is not None
