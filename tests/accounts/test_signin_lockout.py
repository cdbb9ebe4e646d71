"""Sign-in lockout (django-axes): per account and, higher, per network address; every
failed sign-in in the audit log. The attacks of issue 9: 200 wrong passwords from one
address and then the right one was accepted; nothing was audited."""

from __future__ import annotations

import datetime as dt
import json

from axes.models import AccessAttempt
from django.urls import reverse

from openita.accounts.models import AuditAction
from openita.core.models import AuditEntry
from openita.core.net import parse_networks
from tests.accounts.signin_helpers import LOGIN, sign_in

WRONG = "not the password at all"


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_wrong_passwords_lock_the_account_and_then_the_right_one_is_refused(world, client):
    for _i in range(4):
        response = sign_in(client, "admin.a@example.test", WRONG)
        assert response.status_code == 200 and not _signed_in(client)
    response = sign_in(client, "admin.a@example.test", WRONG)  # the fifth: locked out
    assert response.status_code == 429
    response = sign_in(client, "admin.a@example.test")  # the right password
    assert response.status_code == 429 and not _signed_in(client)
    page = response.content.decode()
    notice = page.split('id="locked-out"', 1)[1].split("</p>", 1)[0]
    assert " 15 " in notice  # the minutes to wait
    assert 'name="username"' in page  # the sign-in page, not a bare refusal


def test_the_same_account_typed_in_another_case_counts_as_the_same(world, client):
    for email in ("admin.a@example.test", "ADMIN.A@example.test", " Admin.A@Example.Test ",
                  "admin.a@EXAMPLE.test", "admin.A@example.test"):
        sign_in(client, email, WRONG)
    assert sign_in(client, "admin.a@example.test").status_code == 429


def test_failures_from_many_addresses_still_lock_the_account(world, client):
    for i in range(5):
        sign_in(client, "nacc@example.test", WRONG, REMOTE_ADDR=f"203.0.113.{i + 1}")
    response = sign_in(client, "nacc@example.test", REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 429 and not _signed_in(client)


def test_an_office_behind_one_address_is_not_locked_out_by_a_few_typos(world, client):
    office = {"REMOTE_ADDR": "192.0.2.10"}
    # Colleagues mistype their passwords 40 times in all from the office's one address
    for i in range(40):
        sign_in(client, f"colleague{i % 10}@example.test", WRONG, **office)
    response = sign_in(client, "admin.a@example.test", **office)
    assert response.status_code == 302 and _signed_in(client)


def test_many_failures_from_one_address_lock_that_address_only(world, client, settings):
    attacker = {"REMOTE_ADDR": "192.0.2.66"}
    for i in range(settings.OPENITA_SIGNIN_ADDRESS_LIMIT):  # password spraying
        sign_in(client, f"guess{i}@example.test", WRONG, **attacker)
    assert sign_in(client, "admin.a@example.test", **attacker).status_code == 429
    assert not _signed_in(client)
    # the accounts tried are not locked from elsewhere
    assert sign_in(client, "admin.a@example.test", REMOTE_ADDR="192.0.2.67").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(world, client,
                                                                         settings):
    for i in range(settings.OPENITA_SIGNIN_ADDRESS_LIMIT):
        sign_in(client, f"guess{i}@example.test", WRONG, REMOTE_ADDR="192.0.2.66",
                HTTP_X_FORWARDED_FOR=f"10.9.{i}.1")
    response = sign_in(client, "admin.a@example.test", REMOTE_ADDR="192.0.2.66",
                       HTTP_X_FORWARDED_FOR="10.200.0.1")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_address_count(world, client,
                                                                      settings):
    settings.OPENITA_TRUSTED_PROXIES = parse_networks("10.0.0.5")
    for i in range(settings.OPENITA_SIGNIN_ADDRESS_LIMIT):
        sign_in(client, f"guess{i}@example.test", WRONG, REMOTE_ADDR="10.0.0.5",
                HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "198.51.100.66"}
    response = sign_in(client, "admin.a@example.test", REMOTE_ADDR="10.0.0.5",
                       HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 302


def test_the_lockout_ends_after_the_cool_off(world, client, settings):
    for _i in range(5):
        sign_in(client, "admin.a@example.test", WRONG)
    assert sign_in(client, "admin.a@example.test").status_code == 429
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC)
                                 - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1))
    assert sign_in(client, "admin.a@example.test").status_code == 302


def test_every_failed_sign_in_is_audited_with_the_email_and_never_the_password(world, client):
    sign_in(client, "  Admin.A@Example.test", WRONG, REMOTE_ADDR="192.0.2.44")
    sign_in(client, "nobody-here@example.test", WRONG)
    entries = list(AuditEntry.objects.filter(action=AuditAction.SIGN_IN_FAILED).order_by("id"))
    assert [e.after["email"] for e in entries] == ["admin.a@example.test",
                                                   "nobody-here@example.test"]
    assert entries[0].object_id == str(world.admin_a.pk) and entries[1].object_id == ""
    assert entries[0].after["address"] == "192.0.2.44"
    for entry in AuditEntry.objects.all():
        stored = json.dumps([entry.before, entry.after, entry.reason, entry.object_label])
        assert WRONG not in stored


def test_the_lockout_is_audited(world, client):
    for _i in range(6):
        sign_in(client, "admin.a@example.test", WRONG)
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == [AuditAction.SIGN_IN_FAILED] * 4 + [AuditAction.SIGN_IN_LOCKED_OUT] * 2


def test_a_sign_in_through_the_page_is_audited(world, client):
    assert sign_in(client, "admin.a@example.test", REMOTE_ADDR="192.0.2.8").status_code == 302
    entry = AuditEntry.objects.get(action=AuditAction.SIGN_IN)
    assert entry.actor == world.admin_a and entry.after == {"address": "192.0.2.8"}


def test_the_sign_in_page_links_to_the_password_reset(world, client):
    assert reverse("accounts:password_reset") in client.get(LOGIN).content.decode()
