"""Thai first: the interface is Thai unless the person chose another language."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
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
