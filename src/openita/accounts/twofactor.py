"""Two-factor sign-in: a TOTP app (django-otp) and ten one-time recovery codes.

Required for NACC administrators, consultants and agency executives (SPEC §1): after the
password such a person enters a 6-digit code, or is taken to set up an app on the first
sign-in. Anyone else may set it up, and is then asked for a code after the password too.
Until the code is accepted the session is confined to these pages and signing out
(``accounts.middleware.TwoFactorMiddleware``). Wrong codes wait longer and longer between
tries (django-otp's throttling, per device). Every step is audited.

The secret of an app being set up stays in the session until a code from it is accepted,
so an abandoned set-up leaves nothing in the database.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from base64 import b32encode
from binascii import unhexlify
from typing import Any

import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require

from .models import AuditAction, User
from .predicates import roles_of

RECOVERY_CODE_COUNT = 10
# Session keys: an app's secret while it is being set up; a person who set up two-factor
# sign-in by choice and has not entered a code in this session yet.
SETUP_SECRET_KEY = "openita_two_factor_secret"
PENDING_KEY = "openita_two_factor_pending"


def required(user: User) -> bool:
    """Whether the person's roles require two-factor sign-in: NACC administrators,
    consultants and agency executives (roles cached on the user for the request)."""
    roles = roles_of(user)
    return bool(roles.nacc_admin or roles.team_ids or roles.executive_of)


def has_two_factor(user: User) -> bool:
    """Whether the person has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def start_session(request: HttpRequest, user: User) -> None:
    """On every sign-in: a privileged person's session ends when the browser closes; a
    person who chose two-factor sign-in is asked for a code before anything else."""
    if required(user):
        request.session.set_expiry(0)
    elif has_two_factor(user):
        request.session[PENDING_KEY] = True


def pending_step(request: HttpRequest) -> str | None:
    """What the signed-in person must do before anything else: "verify" (enter a code),
    "enrol" (set up an app first), or None. Cheap for a verified session."""
    user: Any = request.user  # django-otp's middleware adds is_verified()
    if not user.is_authenticated or user.is_verified():
        return None
    if required(user):
        return "verify" if has_two_factor(user) else "enrol"
    if request.session.get(PENDING_KEY):
        return "verify"
    return None


def must_verify(request: HttpRequest) -> bool:
    """Whether this session must enter a code before changing two-factor settings: the
    person has an app and the session has not been verified with it."""
    user: Any = request.user
    return bool(user.is_authenticated and not user.is_verified() and has_two_factor(user))


# --- setting up an app -------------------------------------------------------------------


def new_secret() -> str:
    """A new TOTP secret (hex, 20 random bytes), kept in the session until confirmed."""
    return random_hex(20)


def otpauth_url(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return TOTPDevice(user=user, key=secret).config_url


def secret_text(secret: str) -> str:
    """The secret as people type it into an app by hand: base32 in groups of four."""
    text = b32encode(unhexlify(secret)).decode()
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (made here; no outside service sees the secret)."""
    return segno.make(url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")


def enrol(user: User, secret: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the app holding ``secret`` with a code from it; it replaces any app the
    person had, and new recovery codes replace the old. Returns the device and the codes,
    which are shown once and stored only as tokens for django-otp to consume."""
    device = TOTPDevice(user=user, key=secret, name="authenticator", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not (code.isdigit() and totp.verify(int(code), device.tolerance)):
        raise ActionRefused(_("That code is not right. Enter the 6-digit code the app shows "
                              "now (check that the phone's clock is right)."), field="code")
    with transaction.atomic():
        device.last_t = totp.t()  # the code just used may not be used again
        replaced = TOTPDevice.objects.filter(user=user).delete()[0]
        device.save()
        codes = _new_recovery_codes(user)
        audit.record(AuditAction.TWO_FACTOR_ENROL, actor=user, obj=user,
                     after={"replaced": bool(replaced), "recovery_codes": len(codes)})
    return device, codes


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def regenerate_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    if not has_two_factor(user):
        raise ActionRefused(_("Set up two-factor sign-in first."))
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit.record(AuditAction.RECOVERY_CODES, actor=user, obj=user,
                     after={"recovery_codes": len(codes)})
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- entering a code ---------------------------------------------------------------------


def normalise_code(value: str) -> str:
    """A code as typed: spaces and dashes dropped, letters in lower case."""
    return "".join(c for c in value if c not in " -\t").lower()


def verify(user: User, code: str) -> Device:
    """The device that accepts ``code``: a 6-digit code from the app, or a recovery code
    (used up by this). Refused with how long to wait when wrong codes came too fast."""
    code = normalise_code(code)
    model: type[Device] = TOTPDevice if code.isdigit() else StaticDevice
    accepted: Device | None = None
    until: dt.datetime | None = None
    with transaction.atomic():  # throttling counts must commit even when the code is wrong
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            allowed, details = device.verify_is_allowed()
            if not allowed:
                until = (details or {}).get("locked_until")
                continue
            if device.verify_token(code):
                accepted = device
                break
        if until is None:
            action = AuditAction.TWO_FACTOR_VERIFY if accepted else AuditAction.TWO_FACTOR_FAILED
            audit.record(action, actor=user, obj=user,
                         after={"kind": "app" if model is TOTPDevice else "recovery code"})
    if accepted is not None:
        return accepted
    if until is not None:
        seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
        if seconds < 120:
            wait = ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
        else:
            minutes = math.ceil(seconds / 60)
            wait = ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
        raise ActionRefused(_("Too many wrong codes. Try again in %(wait)s.") % {"wait": wait},
                            field="code")
    raise ActionRefused(_("That code is not right. Enter the 6-digit code your app shows now, "
                          "or one of your recovery codes."), field="code")


# --- NACC resets a person's two-factor sign-in ---------------------------------------------


def reset(target: User, reason: str, *, acting_user: User) -> None:
    """Remove a person's app and recovery codes (a lost phone). A privileged person sets up
    a new app at the next sign-in; sessions verified with the old app are verified no more.
    NACC administrators only, never their own, with a reason."""
    require(acting_user, "accounts.manage_people")
    if target.pk == acting_user.pk:
        raise ActionRefused(_("Another NACC administrator must reset your own two-factor "
                              "sign-in."))
    reason = reason.strip()
    if not reason:
        raise ActionRefused(_("Give the reason for the reset."), field="reason")
    with transaction.atomic():
        apps = TOTPDevice.objects.filter(user=target).delete()[0]
        StaticDevice.objects.filter(user=target).delete()
        audit.record(AuditAction.TWO_FACTOR_RESET, actor=acting_user, obj=target,
                     before={"app": bool(apps)}, reason=reason)
