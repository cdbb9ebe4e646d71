"""Headers every response carries: a strict Content-Security-Policy, and no caching of
signed-in pages, exports, code slips or survey pages; cookies that travel only over https
in production.

The attacks: an injected inline script or style attribute runs (none may, as the policy
forbids both and no template relies on them); a shared office PC shows the previous
person's signed-in page, export or printed codes from its cache.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from openita.surveys.models import Instrument
from tests.core.test_settings import _key, _settings
from tests.surveys.conftest import open_collection

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "openita" / "templates"
INLINE = [
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event-handler attribute"),
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline script"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"<style(?![^>]*\bnonce=\"\{\{ request\.csp_nonce \}\}\")[^>]*>", re.I),
     "a style element without the response's nonce"),
]


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in
            (part.split() for part in header.split(";") if part.strip())}


# Sources of PDFs (WeasyPrint reads them on the server; no browser ever loads them).
PDF_SOURCES = {"surveys/announcement.html", "surveys/slips_pdf.html", "results/report_pdf.html",
               "results/awards_pdf.html", "planning/document_pdf.html"}


def test_no_template_has_inline_script_or_style_attributes():
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        checks = INLINE[:-1] if str(template.relative_to(TEMPLATES)) in PDF_SOURCES else INLINE
        for pattern, what in checks:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{template.relative_to(TEMPLATES)}:{line}: {what}")
    assert not found, "\n".join(found)


def test_every_page_forbids_inline_script_and_style_attributes(world, client_for):
    client = client_for(world.nacc)
    for url in (reverse("site:home"), reverse("agencies:list"), reverse("accounts:login")):
        policy = _policy(client.get(url))
        assert policy["script-src"] == ["'self'"]
        assert "'unsafe-inline'" not in policy["style-src"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'self'"]


def test_the_survey_page_style_carries_the_nonce_of_its_own_response(world, client):
    collecting = open_collection(world)
    url = reverse("surveys:start", args=["iit", collecting.link.code])
    response = client.get(url)
    nonce = re.search(r'<style nonce="([^"]+)">', response.content.decode())
    assert nonce, "the inline stylesheet has no nonce"
    assert f"'nonce-{nonce.group(1)}'" in _policy(response)["style-src"]
    again = client.get(url)
    assert nonce.group(1) not in again.content.decode()  # a new nonce on every response


@pytest.mark.parametrize("page", ["home", "agency list", "export", "survey page"])
def test_signed_in_pages_and_exports_are_never_stored(world, client_for, page):
    open_collection(world)
    client = client_for(world.nacc)
    url = {"home": reverse("site:home"), "agency list": reverse("agencies:list"),
           "export": reverse("agencies:export", args=["xlsx"]),
           "survey page": reverse("agencies:surveys", args=[world.agency_a.pk])}[page]
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]


def test_the_code_slips_page_is_never_stored(world, client_for):
    collecting = open_collection(world)
    client = client_for(collecting.admin_a)
    response = client.post(reverse("agencies:surveys", args=[collecting.agency_a.pk]),
                           {"count": "3"})
    assert response.status_code == 200 and b"-" in response.content
    assert "no-store" in response.headers["Cache-Control"]


def test_anonymous_survey_pages_are_not_stored_either(world, client):
    collecting = open_collection(world)
    response = client.get(reverse("surveys:start", args=["eit", collecting.link.code]))
    assert "no-store" in response.headers["Cache-Control"]


def test_cookies_travel_only_over_https_in_production(tmp_path):
    seen = _settings(tmp_path, OPENITA_ENV="production", SECRET_KEY=_key())
    assert seen["SESSION_COOKIE_SECURE"] and seen["CSRF_COOKIE_SECURE"]


def test_the_survey_progress_cookie_is_secure_in_production(world, client, settings):
    collecting = open_collection(world)
    settings.SESSION_COOKIE_SECURE = True
    response = client.post(reverse("surveys:start", args=["eit", collecting.link.code]),
                           {"respondent_type": "person"})
    progress = [c for c in response.cookies.values() if c.key.startswith("ita_")]
    assert progress and all(c["secure"] and c["httponly"] for c in progress)


def test_instrument_choices_are_what_the_survey_urls_expect():
    assert {i.lower() for i in Instrument.values} == {"iit", "eit"}


def test_the_policy_built_once_is_the_one_django_csp_builds(world, client_for):
    from csp.utils import build_policy

    response = client_for(world.nacc).get(reverse("agencies:list"))
    assert response.headers["Content-Security-Policy"] == build_policy()
