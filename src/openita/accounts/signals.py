"""Receivers of Django's sign-in signals (connected in ``AccountsConfig.ready``).

axes is listed before openita's apps, so its receiver has counted a failure (and marked a
lockout on the request) before ``_sign_in_failed`` writes the audit row.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.http import HttpRequest

from . import security, twofactor
from .middleware import SEEN_KEY


def _sign_in_failed(sender: Any, credentials: dict, request: HttpRequest | None = None,
                    **kwargs: Any) -> None:
    security.record_failure(request, credentials)


def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session[SEEN_KEY] = int(time.time())
    twofactor.start_session(request, user)


def connect() -> None:
    user_login_failed.connect(_sign_in_failed, dispatch_uid="openita.accounts.sign_in_failed")
    user_logged_in.connect(_signed_in, dispatch_uid="openita.accounts.signed_in")
