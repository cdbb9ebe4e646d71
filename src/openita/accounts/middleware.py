"""Sign-in rules that hold on every request of a signed-in person.

Both middlewares look at nothing for a request without a session cookie, so the
respondents' survey pages never load a session because of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import ngettext

from . import twofactor
from .models import User

# When the session last saw a request (seconds since the epoch); noted at most every
# TOUCH_SECONDS, so most requests write nothing to the session table.
SEEN_KEY = "openita_seen"
TOUCH_SECONDS = 300


def _signed_in_with_cookie(request: HttpRequest) -> bool:
    return (settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.user.is_authenticated)


class SessionIdleMiddleware:
    """Sign a person out after ``SESSION_COOKIE_AGE`` seconds without a request.

    The session's expiry in the store is pushed on only when the session is saved, so the
    time of the last request is noted every few minutes (a save), instead of saving the
    session on every request (``SESSION_SAVE_EVERY_REQUEST``). A session idle for longer
    than the limit is ended here even where the store would still hold it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _signed_in_with_cookie(request):
            now = int(time.time())
            seen = request.session.get(SEEN_KEY)
            idle = settings.SESSION_COOKIE_AGE
            if isinstance(seen, int) and now - seen > idle:
                logout(request)
                hours = max(1, round(idle / 3600))
                messages.info(request, ngettext(
                    "You were signed out after %(hours)d hour without activity. Sign in again.",
                    "You were signed out after %(hours)d hours without activity. Sign in again.",
                    hours) % {"hours": hours})
                return redirect_to_login(request.get_full_path())
            if not isinstance(seen, int) or now - seen >= min(TOUCH_SECONDS, idle // 10):
                request.session[SEEN_KEY] = now
        return self.get_response(request)


# Pages a signed-in person may reach before entering a code.
OPEN_BEFORE_CODE = frozenset({"accounts:two_factor_verify", "accounts:logout", "set_language"})


class TwoFactorMiddleware:
    """Until a person who needs a second factor has entered a code, every page but the
    code page (or, without an app yet, the set-up page) and signing out redirects there.

    Placed after django-otp's OTPMiddleware, which tells whether the session is verified.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args: Any,
                     view_kwargs: Any) -> HttpResponse | None:
        if not _signed_in_with_cookie(request):
            return None
        step = twofactor.pending_step(request)
        if step is None:
            return None
        if twofactor.required(cast(User, request.user)) and (
                not request.session.get_expire_at_browser_close()):
            # A privileged role granted since sign-in: the session ends with the browser too.
            request.session.set_expiry(0)
        name = request.resolver_match.view_name if request.resolver_match else ""
        if name in OPEN_BEFORE_CODE or name == f"accounts:two_factor_{step}":
            return None
        target = reverse(f"accounts:two_factor_{step}")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
