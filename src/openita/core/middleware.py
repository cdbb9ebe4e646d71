"""Thai first: the interface is Thai unless the person chose another language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers


class ThaiFirstLocaleMiddleware:
    """Activate the language from the language cookie, else the site default (Thai).

    Django's LocaleMiddleware would follow the browser's Accept-Language, which on most
    government PCs says English; users expect Thai until they switch.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        translation.deactivate()
        return response


class PrivatePagesMiddleware:
    """No page of openita is kept by a browser's or a proxy's cache unless its view says so.

    Signed-in pages, exports, PDFs with access codes and the slips page carry personal or
    secret content: on a shared office PC the back button or the disk cache must not show
    them to the next person, whatever the view set. Other dynamic pages (survey pages with
    a form token and answers, the sign-in page) default to the same; a public page that may
    be cached says so with its own Cache-Control. Static files never reach this middleware
    (WhiteNoise answers them first).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers.pop("Cache-Control", None)
            response.headers.pop("Expires", None)
            patch_cache_control(response, private=True, no_store=True)
        elif not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy of the common response built once.

    django-csp builds the header text anew for every response (twice, with the report-only
    policy), about a tenth of the CPU of a survey submission on deadline day. Without a
    nonce, a per-view override, an exemption or a report-only policy, the header is always
    the same text: it is built once per process and reused; every other response takes
    django-csp's own path.
    """

    _OVERRIDES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
                  "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain = ""
        self._plain_applies = not (
            settings.DEBUG or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get(
                "EXCLUDE_URL_PREFIXES"))

    def process_response(self, request: HttpRequest, response: HttpResponseBase
                         ) -> HttpResponseBase:
        if (not self._plain_applies or getattr(request, "_csp_nonce", None) is not None
                or HEADER in response
                or any(hasattr(response, name) for name in self._OVERRIDES)):
            return super().process_response(request, response)
        if not self._plain:
            self._plain = build_policy()
        response[HEADER] = self._plain
        # As django-csp does: a nonce asked for after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
