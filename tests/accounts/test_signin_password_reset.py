"""Password reset by e-mail that does not tell whether an account exists, limited per
address and per e-mail, audited; a new password ends the person's other sessions.

The reset mail leaves after the commit, so these tests commit (``transactional_db``)."""

from __future__ import annotations

import re
import threading

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from openita.accounts import passwords
from openita.accounts.models import AuditAction
from openita.core.models import AuditEntry
from tests.accounts.signin_helpers import sign_in

RESET = reverse("accounts:password_reset")
NEW_PASSWORD = "ten green bottles 2568"

pytestmark = pytest.mark.django_db(transaction=True)


def _ask(client, email: str, **extra):
    response = client.post(RESET, {"email": email}, **extra)
    for thread in threading.enumerate():  # the mail leaves on a thread of its own
        if thread.name == passwords.MAIL_THREAD:
            thread.join()
    return response


def _link() -> str:
    found = re.search(r"https?://\S+/password/reset/\S+/", mail.outbox[-1].body)
    assert found is not None
    return found.group(0)


def test_a_person_who_forgot_the_password_sets_a_new_one_by_the_mailed_link(world, client):
    response = _ask(client, "Admin.A@example.test ")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["admin.a@example.test"]
    response = client.get(_link(), follow=True)  # Django swaps the token for the session
    assert response.status_code == 200 and response.context["validlink"]
    response = client.post(response.redirect_chain[-1][0],
                           {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    world.admin_a.refresh_from_db()
    assert world.admin_a.check_password(NEW_PASSWORD)
    request, reset = (AuditEntry.objects.get(action=AuditAction.PASSWORD_RESET_REQUEST),
                      AuditEntry.objects.get(action=AuditAction.PASSWORD_RESET))
    assert request.object_id == str(world.admin_a.pk)
    assert request.after["email"] == "admin.a@example.test"
    assert reset.actor == world.admin_a and NEW_PASSWORD not in str(reset.after)


def test_the_answer_is_the_same_whether_or_not_an_account_has_the_address(world, client):
    known = _ask(client, "admin.a@example.test")
    unknown = _ask(client, "no.such.person@example.test")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1  # only the account's address gets a message
    # Both requests did the same work: one audit row each
    rows = AuditEntry.objects.filter(action=AuditAction.PASSWORD_RESET_REQUEST).order_by("id")
    assert [r.object_id for r in rows] == [str(world.admin_a.pk), ""]


def test_the_link_works_once(world, client):
    _ask(client, "admin.a@example.test")
    link = _link()
    response = client.get(link, follow=True)
    client.post(response.redirect_chain[-1][0],
                {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = client.get(link, follow=True)
    assert again.status_code == 200 and not again.context["validlink"]


def test_a_new_password_ends_the_other_sessions_of_the_person(world, client, client_for):
    other = client_for(world.admin_a)  # signed in on another computer
    assert other.get(reverse("site:home")).status_code == 200
    fresh = Client()
    _ask(fresh, "admin.a@example.test")
    response = fresh.get(_link(), follow=True)
    fresh.post(response.redirect_chain[-1][0],
               {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = other.get(reverse("accounts:password"))  # a page for the signed-in only
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login"))


def test_requests_for_one_email_are_limited_and_still_get_the_same_page(world, client):
    answers = [_ask(client, "admin.a@example.test", REMOTE_ADDR=f"192.0.2.{i}")
               for i in range(1, 6)]
    assert {a["Location"] for a in answers} == {reverse("accounts:password_reset_done")}
    assert len(mail.outbox) == 3  # OPENITA_PASSWORD_RESET_LIMITS["email"]


def test_requests_from_one_address_are_limited(world, client, settings):
    settings.OPENITA_PASSWORD_RESET_LIMITS = {"address": (2, 3600), "email": (3, 3600)}
    for email in ("someone@example.test", "other@example.test", "admin.a@example.test"):
        response = _ask(client, email, REMOTE_ADDR="192.0.2.9")
        assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []  # the third request, for a real account, was over the limit
    _ask(client, "admin.a@example.test", REMOTE_ADDR="192.0.2.10")
    assert len(mail.outbox) == 1


def test_a_reset_password_may_not_contain_the_email_name(world, client):
    _ask(client, "admin.a@example.test")
    response = client.get(_link(), follow=True)
    weak = "Admin.A-is-my-name"
    response = client.post(response.redirect_chain[-1][0],
                            {"new_password1": weak, "new_password2": weak})
    assert response.status_code == 200 and response.context["form"].errors
    world.admin_a.refresh_from_db()
    assert not world.admin_a.check_password(weak)


def test_a_reset_does_not_get_past_two_factor_sign_in(world, client):
    _ask(client, "nacc@example.test")
    response = client.get(_link(), follow=True)
    client.post(response.redirect_chain[-1][0],
                {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    sign_in(client, "nacc@example.test", NEW_PASSWORD)
    response = client.get(reverse("site:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_enrol"))
