"""The request that must be fast on deadline day: a respondent sending a finished survey.

``POST /go/<iit|eit>/<code>/review/`` is most of the load in the last hours before a
collection window closes. Django's full request cycle (URL resolution, ten middlewares, the
view's decorators) costs more CPU than storing the response itself, so this WSGI wrapper
answers that one request when it can be stored as it is, using the same functions as the
view (respondent.send → services.submit), and hands every other case to Django untouched:
a survey that is closed, unfinished or refused, a bad host, a failed CSRF check, any
surprise. Handing over is safe: storing is idempotent by the submission key, and a failed
INSERT gives back the access code and the quality marks it used (services.submit,
respondent.send). The request passes the same host, HTTPS and CSRF checks as in Django.
"""

from __future__ import annotations

import functools
import io
import logging
import re
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponseRedirect
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.http import http_date

from openita.core.errors import ActionRefused

from . import respondent, services
from .models import Instrument

REVIEW = re.compile(r"/go/(iit|eit)/([A-Za-z0-9]{1,16})/review/")
INSTRUMENTS = {"iit": Instrument.IIT, "eit": Instrument.EIT}
MAX_BODY = 16 * 1024  # the review form posts almost nothing; the answers are in the cookie

log = logging.getLogger(__name__)


class SubmissionFastPath:
    """WSGI middleware in front of Django (see openita.wsgi)."""

    def __init__(self, application: Callable) -> None:
        self.application = application
        # The headers every Django response gets from these two middlewares.
        self.header_middlewares = [SecurityMiddleware(_unused), XFrameOptionsMiddleware(_unused)]
        self.csrf = CsrfViewMiddleware(_unused)
        self.languages = {code for code, _name in settings.LANGUAGES}  # as ThaiFirstLocale

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        match = (REVIEW.fullmatch(environ.get("PATH_INFO", ""))
                 if environ.get("REQUEST_METHOD") == "POST" else None)
        if match:
            body = _buffered_body(environ)
            if body is not None:
                headers = self.store(environ, match.group(1), match.group(2).lower())
                if headers is not None:
                    start_response("302 Found", headers)
                    return _Finished()
                environ["wsgi.input"] = io.BytesIO(body)  # Django reads the form again
        return self.application(environ, start_response)

    def store(self, environ: dict, slug: str, code: str) -> list[tuple[str, str]] | None:
        """The headers of the redirect to the thank-you page once the response is stored;
        None to let Django answer."""
        try:
            request = self._checked(environ)
        except Exception:  # a malformed request: Django answers it as it would any other
            return None
        if request is None:
            return None
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            return self._store(request, INSTRUMENTS[slug], slug, code)
        except Exception:  # Django answers instead, and its page tells what went wrong
            log.exception("submission fast path handed over to Django")
            return None

    def _checked(self, environ: dict) -> WSGIRequest | None:
        """The request if it passes Django's host, HTTPS and CSRF checks, else None."""
        request = WSGIRequest(environ)
        try:
            request.get_host()  # ALLOWED_HOSTS, as Django checks it
        except DisallowedHost:
            return None
        if self.header_middlewares[0].process_request(request) is not None:
            return None  # Django redirects plain HTTP to HTTPS when so configured
        self.csrf.process_request(request)
        if self.csrf.process_view(request, None, (), {}) is not None:
            return None  # Django answers with its CSRF failure page
        return request

    def _store(self, request: WSGIRequest, instrument: str, slug: str, code: str
               ) -> list[tuple[str, str]] | None:
        try:
            enrolment, framework = services.open_survey(code, instrument)
        except ActionRefused:
            return None
        progress = respondent.read(request, instrument, code)
        if not respondent.is_ready(progress, instrument) or respondent.first_unanswered_page(
                framework, instrument, progress.answers) is not None:
            return None
        try:
            respondent.send(enrolment, instrument, framework, progress,
                            respondent.network(request.META))
        except ActionRefused:
            return None  # the review page shows the reason in the respondent's language
        # The thank-you page is reached only after the response has committed.
        return self.thanks(request, instrument, slug, code)

    def thanks(self, request: WSGIRequest, instrument: str, slug: str, code: str
               ) -> list[tuple[str, str]]:
        """The redirect Django's view gives (never cached, the progress cookie deleted, the
        headers of the security middlewares); built once per survey and scheme, as
        building it per request costs a tenth of the whole submission."""
        script = request.META.get("SCRIPT_NAME", "")
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        return [*self._thanks(script, slug, code, instrument, request.is_secure()),
                ("Expires", http_date()), ("Content-Language", language)]

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one instance per process, kept for good
    def _thanks(self, script: str, slug: str, code: str, instrument: str, secure: bool
                ) -> tuple[tuple[str, str], ...]:
        request = HttpRequest()
        request.is_secure = lambda: secure  # type: ignore[method-assign]
        response = HttpResponseRedirect(f"{script}/go/{slug}/{code}/thanks/")
        respondent.forget(response, instrument, code)
        add_never_cache_headers(response)
        patch_vary_headers(response, ["Cookie"])
        for middleware in self.header_middlewares:
            response = middleware.process_response(request, response)
        response["Content-Length"] = "0"
        return (*((k, v) for k, v in response.items() if k not in ("Expires",
                                                                   "Content-Language")),
                *(("Set-Cookie", c.output(header="")) for c in response.cookies.values()))


def _buffered_body(environ: dict) -> bytes | None:
    """Read the (small) form into memory so that Django can read it again if it answers;
    None when it is too large or malformed for this path."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length > MAX_BODY:
        return None
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


class _Finished(list):
    """An empty body whose close() ends the request as Django's responses do."""

    def close(self) -> None:
        signals.request_finished.send(sender=SubmissionFastPath)


def _unused(request):  # pragma: no cover - the middlewares are only asked for headers
    raise AssertionError("not called")
