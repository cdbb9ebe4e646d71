"""The public portal on a phone (390 × 844), in Thai then English: a citizen finds an
agency by part of its Thai name, reads its page, and nothing is wider than the screen.

The live server runs Django as in production (the whole middleware chain), with a year
published the way the portal reads it: final results and the year's publication."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from openita.results.models import AgencyResult, Publication, ResultKind
from tests.personas import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "th-TH",
         "is_mobile": True, "has_touch": True}

OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"
# Every picture of data names what it shows: an <img> by its alt text, an <svg> or a
# <canvas> by its label or title (or is marked as decoration beside its table).
UNNAMED_CHARTS = """() => [...document.querySelectorAll(
    'main img, main svg, main canvas, main [role=img]')]
  .filter(e => e.closest('[aria-hidden=true]') === null)
  .filter(e => !((e.getAttribute('alt') || '').trim()
                 || (e.getAttribute('aria-label') || '').trim()
                 || e.getAttribute('aria-labelledby')
                 || (e.querySelector && e.querySelector(':scope > title'))))
  .map(e => e.outerHTML.slice(0, 120))"""
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
               && e.closest('.table-wrap') === null)
  .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40))"""


@pytest.fixture
def published_year():
    world = build_world()
    for agency, total, rating in ((world.agency_a, "91.25", "good"),
                                  (world.agency_b, "72.40", "improve")):
        AgencyResult.objects.create(
            year=world.year, agency=agency, kind=ResultKind.FINAL, framework="mini",
            inputs_digest="0" * 64, indicators={"1": "90.00", "2": "88.50", "3": "93.00",
                                               "4": "95.00"},
            instruments={"IIT": "89.25", "EIT": "93.00", "OIT": "95.00"},
            total=Decimal(total), rating=rating, computed_at=timezone.now())
    Publication.objects.create(year=world.year, published_at=timezone.now(),
                               published_by=world.nacc)
    return world


def _fits(page) -> None:
    assert page.evaluate(OVERFLOW), (page.url, page.evaluate(WIDE))


def test_a_citizen_finds_an_agency_on_a_phone_and_reads_it_in_english(
        live_server, browser, published_year):
    context = browser.new_context(**PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/ita/")
    assert "2570" in page.inner_text("h1")
    _fits(page)

    page.fill("#portal-q", "หนองบ")  # part of the Thai name, no type prefix
    page.click("form.portal-search button[type=submit]")
    page.wait_for_url("**/ita/agency/SAO-A/")
    assert "องค์การบริหารส่วนตำบลหนองบัว" in page.inner_text("h1")
    assert "91.25" in page.inner_text("main")
    assert page.locator("a[href$='/ita/agency/SAO-A/history.xlsx']").count() == 1
    _fits(page)
    assert page.locator("main figure.chart img").count() >= 1  # the indicators drawn
    assert page.evaluate(UNNAMED_CHARTS) == []
    # The chart is drawn 800 px wide and shrinks to the phone's width.
    assert page.evaluate("document.querySelector('main figure.chart img')"
                         ".getBoundingClientRect().width") <= 390

    page.click("form.lang button[name=language]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith("/ita/agency/SAO-A/")
    main = page.inner_text("main")
    assert "Every year" in main and "Good" in main and "Chiang Mai" in main
    _fits(page)
    assert page.locator("main figure.chart img").count() >= 1  # the indicators drawn
    assert page.evaluate(UNNAMED_CHARTS) == []
    # The chart is drawn 800 px wide and shrinks to the phone's width.
    assert page.evaluate("document.querySelector('main figure.chart img')"
                         ".getBoundingClientRect().width") <= 390
    context.close()
