"""Password reset by e-mail, told apart from nothing.

A request answers the same page whether an account has the address or not, and does the
same work either way (the same lookup, the same message rendered, one audit row); only the
sending differs, and it runs on a thread of its own after the answer is made, so the time
of the answer does not tell either. Requests are limited per network address and per
e-mail (``OPENITA_PASSWORD_RESET_LIMITS``, in the cache); a limited request gets the same
page and sends nothing. The link is Django's token, valid for ``PASSWORD_RESET_TIMEOUT``
and spent by the reset (it hashes the password). A new password ends every other session of
the person (Django's session hash), and two-factor sign-in stays as it was.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from openita.core import audit
from openita.core.mail import templated_message

from .models import AuditAction, User
from .security import normalise_email

log = logging.getLogger(__name__)
RESET = audit.SystemActor("password reset")
MAIL_THREAD = "openita-password-mail"


def _over_limit(kind: str, key: str) -> bool:
    """Count one more request for ``key``; whether it is over the limit of ``kind``."""
    limit, seconds = settings.OPENITA_PASSWORD_RESET_LIMITS[kind]
    name = f"password-reset:{kind}:{hashlib.sha256(key.encode()).hexdigest()}"
    cache.add(name, 0, seconds)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, seconds)
        count = 1
    return count > limit


def request_reset(email: str, *, address: str, site_url: str) -> None:
    """Mail a reset link if an active account has ``email``; the caller shows the same
    page whatever happened here."""
    email = normalise_email(email)
    limited = [_over_limit("address", address), _over_limit("email", email)]
    if any(limited):
        return
    user = User.objects.filter(email=email, is_active=True).first()
    if user is not None and not user.has_usable_password():
        user = None
    # The same message is made for an address without an account, and not sent.
    addressee = user or User(email=email)
    link = site_url.rstrip("/") + reverse("accounts:password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(addressee.pk or 0)),
        "token": default_token_generator.make_token(addressee)})
    message = templated_message("accounts/email/password_reset.txt", {
        "person": addressee, "link": link,
        "minutes": settings.PASSWORD_RESET_TIMEOUT // 60}, [email])
    with transaction.atomic():
        audit.record(AuditAction.PASSWORD_RESET_REQUEST, actor=RESET,
                     object_type="accounts.user", object_id=str(user.pk if user else ""),
                     after={"email": email, "address": address})
        if user is not None:
            transaction.on_commit(lambda: _send_apart(message))


def _send_apart(message: EmailMessage) -> None:
    """Send on a thread of its own, so the answer does not wait for the mail server."""
    threading.Thread(target=_send, args=(message,), name=MAIL_THREAD).start()


def _send(message: EmailMessage) -> None:
    try:
        message.send()
    except Exception:  # a mail server that is down: logged, the person may ask again
        log.exception("the password reset mail could not be sent")


def complete_reset(user: User, new_password: str) -> User:
    """Set the new password from a valid reset link (the form checked the password rules);
    audited, never the password itself."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit.record(AuditAction.PASSWORD_RESET, actor=user, obj=user)
    return user
