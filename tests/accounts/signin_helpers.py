"""Helpers of the sign-in tests: signing in through the form, and codes from an app."""

from __future__ import annotations

import time
from binascii import unhexlify

from django.urls import reverse
from django_otp.oath import TOTP

from tests.personas import PASSWORD

LOGIN = reverse("accounts:login")


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def app_code(secret_hex: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app holding ``secret_hex`` shows (``steps_ahead`` time
    steps later: the server accepts one step either way, and never a step twice)."""
    totp = TOTP(unhexlify(secret_hex), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"
