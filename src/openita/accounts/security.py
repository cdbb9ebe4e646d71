"""Sign-in lockout (django-axes) and the audit rows of sign-in.

Failures are counted per account and per network address, each against its own limit: an
account is locked after a few failures (``AXES_FAILURE_LIMIT``), an address after many more
(``OPENITA_SIGNIN_ADDRESS_LIMIT``), because a whole office signs in from one NAT address and
one person's typos must not lock the others out. Axes keeps the failures in the database,
so every app server sees the same counts. While locked, even the right password is refused
(axes' backend stands first in ``AUTHENTICATION_BACKENDS``) and the sign-in page says how
many minutes to wait; a failure during the lockout starts its wait again.

Every failed sign-in is an audit row with the e-mail tried (never the password); so is every
sign-in through the sign-in page. ``force_login`` (tests, the demo) writes none.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

from openita.core import audit
from openita.core.net import client_address

from .models import AuditAction, User

SIGN_IN = audit.SystemActor("sign-in")


def client_ip(request: HttpRequest) -> str:
    """The client's address as the trusted-proxy setting reads it (``AXES_CLIENT_IP_CALLABLE``)."""
    return client_address(request.META)


def normalise_email(value: Any) -> str:
    """E-mail addresses are stored in lower case; people type them in any case."""
    return str(value or "").strip().lower()[:254]


def attempted_email(request: HttpRequest | None, credentials: dict | None) -> str | None:
    """The account a sign-in tried, as axes counts it (``AXES_USERNAME_CALLABLE``): the same
    address in another case or with spaces is the same account."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username")
    return normalise_email(value) or None


class AccountAndAddressHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit for each lockout parameter.

    Axes compares the largest count among its parameters with one limit. Here the account's
    failures are compared with ``AXES_FAILURE_LIMIT`` and the address's with
    ``OPENITA_SIGNIN_ADDRESS_LIMIT``, by stating the address's count on the account's scale:
    ``floor(n · account_limit / address_limit)`` reaches the account limit exactly when n
    reaches the address limit.
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        account, address = failure_counts(self, request, credentials)
        account_limit = settings.AXES_FAILURE_LIMIT
        return max(account, address * account_limit // settings.OPENITA_SIGNIN_ADDRESS_LIMIT)


def failure_counts(handler: AxesDatabaseHandler, request: HttpRequest,
                   credentials: dict | None) -> tuple[int, int]:
    """Failures within the cool-off for the account tried and for the client's address
    (the order of ``AXES_LOCKOUT_PARAMETERS``)."""
    by_account, by_address = handler.get_user_attempts(request, credentials)
    return _total(by_account), _total(by_address)


def _total(attempts: QuerySet) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def lockout_minutes(request: HttpRequest, credentials: dict | None = None) -> int:
    """Whole minutes until a locked-out sign-in may be tried again (at least 1)."""
    by_account, by_address = AccountAndAddressHandler().get_user_attempts(request, credentials)
    account, address = _total(by_account), _total(by_address)
    locking = []
    if account >= settings.AXES_FAILURE_LIMIT:
        locking.append(by_account)
    if address >= settings.OPENITA_SIGNIN_ADDRESS_LIMIT:
        locking.append(by_address)
    cool_off = get_cool_off(request) or dt.timedelta(0)
    now = timezone.now()
    wait = dt.timedelta(0)
    for attempts in locking:
        last = attempts.aggregate(last=Max("attempt_time"))["last"]
        if last is not None:
            wait = max(wait, last + cool_off - now)
    return max(1, math.ceil(wait.total_seconds() / 60))


def record_failure(request: HttpRequest | None, credentials: dict) -> None:
    """Audit one failed sign-in: the e-mail tried (normalised), the address, and whether
    the account or address is now locked out. The password is never looked at."""
    email = attempted_email(request, credentials) or ""
    locked = bool(getattr(request, "axes_locked_out", False))
    account = User.objects.filter(email=email).values_list("pk", flat=True).first()
    after = {"email": email,
             "address": client_ip(request) if request is not None else ""}
    with transaction.atomic():
        audit.record(AuditAction.SIGN_IN_LOCKED_OUT if locked else AuditAction.SIGN_IN_FAILED,
                     actor=SIGN_IN, object_type="accounts.user",
                     object_id=str(account or ""), after=after)


def record_sign_in(user: User, request: HttpRequest) -> None:
    """Audit a sign-in through the sign-in page (the password was right)."""
    with transaction.atomic():
        audit.record(AuditAction.SIGN_IN, actor=user, obj=user,
                     after={"address": client_ip(request)})
