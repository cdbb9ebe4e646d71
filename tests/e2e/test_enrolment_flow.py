"""In Thai, in a real browser: the admin enrols the agency and enters the headcount; the
executive signs in and approves it."""

from __future__ import annotations

from base64 import b32decode
from pathlib import Path

import pytest

from openita.calendars.models import Enrolment, EnrolmentState
from tests.accounts.signin_helpers import app_code
from tests.personas import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state()
    if "/two-factor/set-up/" in page.url:  # an executive sets up an authenticator app first
        secret = page.inner_text("#totp-secret").replace(" ", "")
        page.fill("#id_code", app_code(b32decode(secret).hex()))
        page.click("form.stacked button[type=submit]")
        page.click("#recovery-codes ~ p a.button")  # the codes are kept; continue
    page.wait_for_url(f"{base}/")


def sign_out(page) -> None:
    page.click("header form[action$='/logout/'] button")


def test_admin_enrols_and_enters_headcount_then_executive_approves(live_server, page):
    world = build_world()
    base = live_server.url
    agency_url = f"{base}/agencies/{world.agency_a.pk}/"

    sign_in(page, base, world.admin_a.email)
    assert page.get_attribute("html", "lang") == "th"
    assert "ยินดีต้อนรับ" in page.inner_text("h1")
    page.goto(agency_url)
    assert page.inner_text("#enrolment-state") == "ยังไม่ลงทะเบียน"
    page.click("form[action$='/enrol/'] button")
    page.wait_for_load_state()
    assert page.inner_text("#enrolment-state") == "ลงทะเบียนแล้ว"

    page.click(f"a[href$='/years/{world.year.fiscal_year}/headcount/']")
    page.fill("#id_headcount", "0")
    page.click("form.stacked button[type=submit]")
    assert page.locator(".errorlist").count() >= 1  # 0 is refused next to the field
    page.fill("#id_headcount", "120")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(agency_url)
    assert page.inner_text("#headcount") == "120"
    sign_out(page)

    sign_in(page, base, world.executive_a.email)
    page.goto(agency_url)
    page.click("form[action$='/headcount/approve/'] button")
    page.wait_for_load_state()
    assert page.inner_text("#enrolment-state") == "อนุมัติข้อมูลจำนวนบุคลากรแล้ว"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "enrolment-approved-th.png"), full_page=True)

    enrolment = Enrolment.objects.get(agency=world.agency_a, year=world.year)
    assert enrolment.state == EnrolmentState.HEADCOUNT_APPROVED
    assert enrolment.headcount == 120
    assert enrolment.headcount_approved_by == world.executive_a
