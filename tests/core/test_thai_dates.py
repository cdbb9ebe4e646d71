"""Dates as Thai readers expect them: Buddhist Era, Thai months, Bangkok time, fiscal years.

English pages show the same days in the Gregorian calendar.
"""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from openita.calendars.models import Phase, PhaseWindow
from openita.core import thaidates
from openita.core.templatetags import thai

UTC = dt.UTC


def _text(response) -> str:
    return html.unescape(response.content.decode())


# --- formatting ------------------------------------------------------------------------


def test_a_day_is_written_short_in_thai_with_the_buddhist_year():
    assert thaidates.format_date(dt.date(2025, 1, 3), "th") == "3 ม.ค. 2568"


def test_a_day_is_written_long_in_thai_with_the_full_month_name():
    assert thaidates.format_date(dt.date(2025, 1, 3), "th", long=True) == "3 มกราคม 2568"


def test_a_day_is_written_in_english_with_the_gregorian_year():
    assert thaidates.format_date(dt.date(2025, 1, 3), "en") == "3 Jan 2025"
    assert thaidates.format_date(dt.date(2025, 1, 3), "en", long=True) == "3 January 2025"


@pytest.mark.parametrize(
    ("day", "thai"),
    [
        (dt.date(2024, 2, 29), "29 ก.พ. 2567"),
        (dt.date(2025, 10, 1), "1 ต.ค. 2568"),
        (dt.date(2025, 12, 31), "31 ธ.ค. 2568"),
    ],
)
def test_every_month_and_day_keeps_its_own_number(day, thai):
    assert thaidates.format_date(day, "th") == thai


def test_a_regional_language_code_counts_as_its_language():
    assert thaidates.format_date(dt.date(2025, 1, 3), "th-th") == "3 ม.ค. 2568"
    assert thaidates.format_date(dt.date(2025, 1, 3), "en-us") == "3 Jan 2025"


def test_nothing_is_written_as_an_empty_string():
    assert thaidates.format_date(None, "th") == ""
    assert thaidates.format_datetime(None, "th") == ""


def test_an_aware_utc_moment_shows_as_its_bangkok_day():
    evening_in_utc = dt.datetime(2025, 1, 2, 18, 0, tzinfo=UTC)  # 01:00 on 3 Jan in Bangkok
    assert thaidates.format_date(evening_in_utc, "th") == "3 ม.ค. 2568"
    assert thaidates.format_date(evening_in_utc, "en") == "3 Jan 2025"


def test_an_aware_moment_is_written_with_bangkok_time():
    evening_in_utc = dt.datetime(2025, 1, 2, 18, 0, tzinfo=UTC)
    assert thaidates.format_datetime(evening_in_utc, "th") == "3 ม.ค. 2568 01:00 น."
    assert thaidates.format_datetime(evening_in_utc, "en") == "3 Jan 2025 01:00"


def test_a_moment_just_before_midnight_in_bangkok_stays_on_its_day():
    late = dt.datetime(2025, 1, 3, 16, 59, tzinfo=UTC)  # 23:59 in Bangkok
    assert thaidates.format_datetime(late, "th") == "3 ม.ค. 2568 23:59 น."


# --- years -----------------------------------------------------------------------------


def test_buddhist_and_gregorian_years_differ_by_543():
    assert thaidates.to_buddhist_year(2025) == 2568
    assert thaidates.to_gregorian_year(2568) == 2025


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [
        (dt.date(2024, 10, 1), 2568),
        (dt.date(2024, 9, 30), 2567),
        (dt.date(2025, 1, 1), 2568),
        (dt.date(2025, 9, 30), 2568),
        (dt.date(2024, 12, 31), 2568),
    ],
)
def test_october_starts_the_next_fiscal_year(day, fiscal_year):
    assert thaidates.fiscal_year_of(day) == fiscal_year


def test_a_fiscal_year_runs_from_october_to_september():
    assert thaidates.fiscal_year_bounds(2568) == (dt.date(2024, 10, 1), dt.date(2025, 9, 30))
    first, last = thaidates.fiscal_year_bounds(2570)
    assert thaidates.fiscal_year_of(first) == thaidates.fiscal_year_of(last) == 2570
    assert thaidates.fiscal_year_of(first - dt.timedelta(days=1)) == 2569


# --- template filters ------------------------------------------------------------------


def test_the_date_filters_follow_the_active_language():
    day = dt.date(2025, 1, 3)
    moment = dt.datetime(2025, 1, 2, 18, 0, tzinfo=UTC)
    with translation.override("th"):
        assert (thai.bedate(day), thai.bedate_long(day)) == ("3 ม.ค. 2568", "3 มกราคม 2568")
        assert thai.bedatetime(moment) == "3 ม.ค. 2568 01:00 น."
        assert thai.fiscal_year(2568) == "2568"
    with translation.override("en"):
        assert (thai.bedate(day), thai.bedate_long(day)) == ("3 Jan 2025", "3 January 2025")
        assert thai.bedatetime(moment) == "3 Jan 2025 01:00"
        assert thai.fiscal_year(2568) == "FY2568"
    assert thai.fiscal_year(None) == ""


def test_the_filters_are_builtins_every_template_can_use():
    template = Template("{{ day|bedate }} · {{ day|bedate_long }} · {{ fy|fiscal_year }}")
    context = Context({"day": dt.date(2025, 1, 3), "fy": 2568})
    with translation.override("th"):
        assert template.render(context) == "3 ม.ค. 2568 · 3 มกราคม 2568 · 2568"
    with translation.override("en"):
        assert template.render(context) == "3 Jan 2025 · 3 January 2025 · FY2568"


def test_localized_names_fall_back_to_thai_in_english(world):
    template = Template('{% localized agency "name" %}')
    with translation.override("en"):
        assert template.render(Context({"agency": world.agency_a})) == "Nong Bua SAO"
        assert template.render(Context({"agency": world.dla})) == world.dla.name_th
    with translation.override("th"):
        assert template.render(Context({"agency": world.agency_a})) == world.agency_a.name_th


# --- pages -----------------------------------------------------------------------------


def _registration(world) -> PhaseWindow:
    return PhaseWindow.objects.get(year=world.year, phase=Phase.REGISTRATION)


def test_pages_show_buddhist_era_dates_in_thai_by_default(world, client_for):
    window = _registration(world)
    response = client_for(world.nacc).get(reverse("calendars:detail", args=[2570]))
    assert response.status_code == 200
    assert response["Content-Language"] == "th"
    text = _text(response)
    assert thaidates.format_date(window.opens_on, "th") in text
    assert thaidates.format_date(window.closes_on, "th") in text
    assert thaidates.format_date(window.opens_on, "en") not in text
    assert '<html lang="th">' in text


def test_pages_show_gregorian_dates_with_the_english_language_cookie(world, client_for):
    window = _registration(world)
    client = client_for(world.nacc)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("calendars:detail", args=[2570]))
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    text = _text(response)
    assert thaidates.format_date(window.opens_on, "en") in text
    assert thaidates.format_date(window.closes_on, "en") in text
    assert thaidates.format_date(window.opens_on, "th") not in text
    assert "Registration and headcounts" in text


def test_an_unknown_language_cookie_keeps_the_pages_in_thai(world, client_for):
    window = _registration(world)
    client = client_for(world.nacc)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.get(reverse("calendars:detail", args=[2570]))
    assert response["Content-Language"] == "th"
    assert thaidates.format_date(window.opens_on, "th") in _text(response)


def test_the_language_switch_changes_the_dates_and_switches_back(world, client_for):
    window = _registration(world)
    client = client_for(world.admin_a)
    page = reverse("calendars:detail", args=[2570])

    switched = client.post(reverse("set_language"), {"language": "en", "next": page})
    assert switched.status_code == 302
    assert switched["Location"] == page
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    english = _text(client.get(page))
    assert thaidates.format_date(window.opens_on, "en") in english
    assert thaidates.format_date(window.opens_on, "th") not in english

    client.post(reverse("set_language"), {"language": "th", "next": page})
    thai_text = _text(client.get(page))
    assert thaidates.format_date(window.opens_on, "th") in thai_text
    assert thaidates.format_date(window.opens_on, "en") not in thai_text


def test_the_agency_page_shows_the_registration_window_in_the_readers_calendar(
    world, client_for
):
    window = _registration(world)
    client = client_for(world.admin_a)
    url = reverse("agencies:detail", args=[world.agency_a.pk])
    assert thaidates.format_date(window.closes_on, "th") in _text(client.get(url))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert thaidates.format_date(window.closes_on, "en") in _text(client.get(url))
