"""On a phone, in Thai, with and without JavaScript: a staff member answers the IIT with a
one-time code, and a service user answers the EIT after an SMS code (console gateway).

The live server runs Django as in production: every request, the one that stores the
answers included, passes the whole middleware chain."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from openita.calendars.models import Enrolment, EnrolmentState, Phase, PhaseWindow
from openita.surveys import codes, services, sms
from openita.surveys.models import Response
from tests.personas import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "th-TH",
         "java_script_enabled": False}


@pytest.fixture
def survey(settings):
    settings.SMS_GATEWAY = "console"
    world = build_world()
    today = timezone.localdate()
    PhaseWindow.objects.filter(year=world.year, phase__in=[
        Phase.IIT_COLLECTION, Phase.EIT_COLLECTION]).update(
        opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=9))
    enrolment = Enrolment.objects.create(agency=world.agency_a, year=world.year,
                                         state=EnrolmentState.HEADCOUNT_APPROVED, headcount=40,
                                         headcount_approved_at=timezone.now())
    world.code = services.link_for(enrolment).code
    world.access = codes.issue_access_codes(enrolment, 1, acting_user=world.admin_a)[0]
    return world


def phone(browser, javascript: bool = False):
    """A fresh phone (a browser context), left open as the other browser tests leave theirs:
    the session's browser closes them all at the end."""
    context = browser.new_context(**{**PHONE, "java_script_enabled": javascript})
    context.set_default_timeout(15_000)
    return context


def _answer_every_page(page) -> None:
    while "/page/" in page.url:
        for group in page.locator("div[role=radiogroup]").all():
            group.locator("input[type=radio]").last.check()
        page.click("button.go")
    assert page.url.endswith("/review/")
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.click("button.go")
    page.wait_for_url("**/thanks/")
    assert "ขอบคุณ" in page.inner_text("h1")
    assert sent.value.status == 302


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_a_staff_member_answers_the_iit_with_a_code_on_a_phone(live_server, browser,
                                                              survey, javascript):
    page = phone(browser, javascript).new_page()
    page.goto(f"{live_server.url}/go/iit/{survey.code}/")
    assert "ไม่ระบุตัวตน" in page.inner_text("main")
    page.check("input[name=eligible]")
    page.fill("#access_code", survey.access.lower())
    page.click("button.go")
    _answer_every_page(page)
    stored = Response.objects.get()
    assert stored.instrument == "IIT" and len(stored.answers) == 5


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_a_service_user_answers_the_eit_after_an_sms_code(live_server, browser, survey,
                                                          javascript):
    page = phone(browser, javascript).new_page()
    page.goto(f"{live_server.url}/go/eit/{survey.code}/")
    page.check("input[name=eligible]")
    page.check("input[name=respondent_type][value=person]")
    page.click("button.go")
    page.fill("#phone", "0812345678")
    page.click("button.go")
    code = sms.SENT[-1][1].split(": ")[1].split(" ")[0]
    page.fill("#code", code)
    page.click("button.go")
    _answer_every_page(page)
    assert Response.objects.get().respondent_type == "person"


def test_leaving_and_coming_back_on_the_same_phone_keeps_the_answers(live_server,
                                                                       browser, survey):
    context = phone(browser)
    page = context.new_page()
    page.goto(f"{live_server.url}/go/iit/{survey.code}/")
    page.check("input[name=eligible]")
    page.fill("#access_code", survey.access)
    page.click("button.go")
    for group in page.locator("div[role=radiogroup]").all():
        group.locator("input[type=radio]").first.check()
    page.click("button.go")
    page.goto("about:blank")  # the respondent leaves … (page.close() can hang headless)
    later = context.new_page()  # … and comes back on the same phone
    later.goto(f"{live_server.url}/go/iit/{survey.code}/page/1/")
    checked = later.locator("input[type=radio]:checked")
    assert checked.count() == later.locator("div[role=radiogroup]").count() > 0
    later.goto(f"{live_server.url}/go/iit/{survey.code}/page/2/")
    _answer_every_page(later)
    assert Response.objects.count() == 1


def test_sending_twice_stores_one_response(live_server, browser, survey):
    context = phone(browser)
    page = context.new_page()
    page.goto(f"{live_server.url}/go/iit/{survey.code}/")
    page.check("input[name=eligible]")
    page.fill("#access_code", survey.access)
    page.click("button.go")
    while "/page/" in page.url:
        for group in page.locator("div[role=radiogroup]").all():
            group.locator("input[type=radio]").last.check()
        page.click("button.go")
    cookies = context.cookies()
    page.click("button.go")  # the first tap is stored …
    page.wait_for_url("**/thanks/")
    second = phone(browser)  # … a second tap still carries the old cookie
    second.add_cookies(cookies)
    again = second.new_page()
    again.goto(f"{live_server.url}/go/iit/{survey.code}/review/")
    again.click("button.go")
    again.wait_for_url("**/thanks/")
    assert Response.objects.count() == 1
