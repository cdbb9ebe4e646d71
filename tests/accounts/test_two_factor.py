"""Two-factor sign-in (TOTP and recovery codes), required for NACC administrators,
consultants and executives; the attack of issue 9: a privileged account reached with the
password alone."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from openita.accounts import twofactor
from openita.accounts.models import AuditAction
from openita.core.models import AuditEntry
from tests.accounts.signin_helpers import app_code, sign_in
from tests.helpers import english
from tests.personas import verify_two_factor

HOME = reverse("site:home")
ENROL = reverse("accounts:two_factor_enrol")
VERIFY = reverse("accounts:two_factor_verify")


def _enrol(client) -> tuple[str, list[str]]:
    """Set up an app on the enrolment page; the secret and the recovery codes shown."""
    client.get(ENROL)
    secret = client.session[twofactor.SETUP_SECRET_KEY]
    response = client.post(ENROL, {"code": app_code(secret)})
    assert response.status_code == 200
    return secret, response.context["codes"]


def _verified(client) -> bool:
    return client.get(HOME).status_code == 200


def test_the_password_alone_does_not_open_a_nacc_account(world, client):
    assert sign_in(client, "nacc@example.test").status_code == 302
    for page in (HOME, reverse("accounts:people"), reverse("core:audit")):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith(ENROL)
    # a POST elsewhere is turned away too
    response = client.post(reverse("accounts:teams"))
    assert response.status_code == 302 and response["Location"].startswith(ENROL)


def test_the_first_sign_in_sets_up_an_app_with_a_qr_code_and_ten_recovery_codes(world, client):
    sign_in(client, "exec.a@example.test")
    page = client.get(ENROL).content.decode()
    assert "<svg" in page and 'id="totp-secret"' in page
    assert "otpauth://" not in page and "http" not in page.split('id="totp-qr"')[1][:200]
    secret = client.session[twofactor.SETUP_SECRET_KEY]
    wrong = client.post(ENROL, {"code": "000000" if app_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert not TOTPDevice.objects.filter(user=world.executive_a).exists()
    response = client.post(ENROL, {"code": app_code(secret)})
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in response.content.decode() for code in codes)
    assert _verified(client)
    assert AuditEntry.objects.filter(action=AuditAction.TWO_FACTOR_ENROL,
                                     object_id=str(world.executive_a.pk)).exists()


def test_the_next_sign_in_asks_for_a_code_and_refuses_a_wrong_one(world, client):
    sign_in(client, "consultant.x@example.test")
    secret, _codes = _enrol(client)
    client.post(reverse("accounts:logout"))
    sign_in(client, "consultant.x@example.test")
    response = client.get(HOME)
    assert response["Location"].startswith(VERIFY)
    wrong = "000000" if app_code(secret, 1) != "000000" else "111111"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200 and response.context["form"].errors
    assert not _verified(client)
    assert AuditEntry.objects.filter(action=AuditAction.TWO_FACTOR_FAILED).count() == 1
    # straight away, even the right code waits (throttling): brute force is slowed down
    response = english(client).post(VERIFY, {"code": app_code(secret, 1)})
    assert "Too many wrong codes" in str(response.context["form"].errors)
    TOTPDevice.objects.update(throttling_failure_timestamp=None, throttling_failure_count=0)
    response = client.post(VERIFY, {"code": app_code(secret, 1), "next": "/agencies/"})
    assert response.status_code == 302 and response["Location"] == "/agencies/"
    assert _verified(client)


def test_a_recovery_code_works_once(world, client):
    sign_in(client, "nacc@example.test")
    _secret, codes = _enrol(client)
    client.post(reverse("accounts:logout"))
    sign_in(client, "nacc@example.test")
    response = client.post(VERIFY, {"code": codes[0].upper()})
    assert response.status_code == 302 and _verified(client)
    assert StaticToken.objects.filter(device__user=world.nacc).count() == 9
    client.post(reverse("accounts:logout"))
    sign_in(client, "nacc@example.test")
    response = client.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 200 and not _verified(client)


def test_a_session_with_the_password_only_cannot_replace_the_app(world, client):
    """An attacker with the password tries to set up their own app instead of entering a
    code from the real one."""
    sign_in(client, "nacc@example.test")
    _enrol(client)
    client.post(reverse("accounts:logout"))
    sign_in(client, "nacc@example.test")
    response = client.get(ENROL)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    response = client.post(reverse("accounts:two_factor_recovery"))
    assert response.status_code == 302 and not _verified(client)
    assert StaticToken.objects.filter(device__user=world.nacc).count() == 10


def test_new_recovery_codes_replace_the_old(world, client):
    sign_in(client, "nacc@example.test")
    _secret, old = _enrol(client)
    response = client.post(reverse("accounts:two_factor_recovery"))
    new = response.context["codes"]
    assert len(new) == 10 and not set(old) & set(new)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)


def test_others_may_choose_two_factor_and_are_then_asked_for_a_code(world, client):
    sign_in(client, "admin.a@example.test")
    assert _verified(client)  # not required for an agency administrator
    _enrol(client)
    client.post(reverse("accounts:logout"))
    sign_in(client, "admin.a@example.test")
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_nacc_resets_a_lost_app_with_a_reason_and_the_person_sets_up_a_new_one(
        world, client):
    sign_in(client, "exec.a@example.test")
    _enrol(client)
    nacc = Client()  # NACC, in another browser
    nacc.force_login(world.nacc)
    verify_two_factor(nacc, world.nacc)
    url = reverse("accounts:two_factor_reset", args=[world.executive_a.pk])
    assert nacc.post(url, {"reason": ""}).status_code == 200  # a reason is required
    response = nacc.post(url, {"reason": "ทำโทรศัพท์หาย"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.executive_a).exists()
    entry = AuditEntry.objects.get(action=AuditAction.TWO_FACTOR_RESET)
    assert (entry.actor, entry.object_id, entry.reason) == (
        world.nacc, str(world.executive_a.pk), "ทำโทรศัพท์หาย")
    # the executive's session, verified with the removed app, is confined again
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(ENROL)


def test_only_nacc_resets_two_factor_and_never_their_own(world, client_for):
    url = reverse("accounts:two_factor_reset", args=[world.executive_a.pk])
    client = client_for(world.admin_a)
    assert client.post(url, {"reason": "x"}).status_code == 403
    client = client_for(world.nacc)
    own = reverse("accounts:two_factor_reset", args=[world.nacc.pk])
    response = client.post(own, {"reason": "x"})
    assert response.status_code == 200 and response.context["form"].errors
    assert TOTPDevice.objects.filter(user=world.nacc).exists()


def test_a_privileged_session_ends_when_the_browser_closes(world, client):
    sign_in(client, "nacc@example.test")
    cookie = client.cookies["sessionid"]
    assert not cookie["max-age"] and not cookie["expires"]
    client.post(reverse("accounts:logout"))
    sign_in(client, "admin.a@example.test")
    assert client.cookies["sessionid"]["max-age"]


def test_the_secret_text_is_the_key_of_the_qr_code(world, client):
    sign_in(client, "nacc@example.test")
    page = client.get(ENROL).content.decode()
    shown = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    url = twofactor.otpauth_url(world.nacc, client.session[twofactor.SETUP_SECRET_KEY])
    assert f"secret={shown}" in url
