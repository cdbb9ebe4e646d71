"""The OIT from start to end in a real browser, each person at their own desk (a browser
context of their own), with the evidence fetched by a real Celery worker in the background.

The agency's administrator answers the four items of the mini framework (three on the
agency's website, a local HTTP server on 127.0.0.1; one not published), checks the links
and watches the results arrive (htmx polls the page), and sends the OIT to the executive,
who approves it. In the review window a consultant decides each item from the copy kept at
approval, going from item to item. The decisions are released and the agency sees its
provisional OIT; in the clarification window it disputes the failed item by pointing into
its original page, and the executive files the clarification; the consultant changes the
decision. In the confirmation window the team lead confirms, and the agency sees its final
OIT indicators. The test code only moves the calendar between the steps, and runs the
scheduled release as the worker's schedule would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from openita.calendars.models import Phase
from openita.core import thaidates
from openita.disclosure.models import (
    Answer,
    Capture,
    CapturePurpose,
    ClarificationState,
    DecisionRound,
    DisputeOutcome,
    ItemState,
    Submission,
    SubmissionState,
)
from tests.disclosure.conftest import enter, only_open
from tests.disclosure.servers import Handler, serve
from tests.e2e.test_enrolment_flow import sign_in
from tests.personas import build_world

pytestmark = [pytest.mark.browser, pytest.mark.heavy, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

TIMEOUT = 15_000  # ms, for every wait on the page
expect.set_options(timeout=TIMEOUT)

# The agency's pages, as its website serves them (Thai, as such pages are).
PAGES = {
    "/ita/o1": ("โครงสร้างหน่วยงาน",
                "<h1>โครงสร้างหน่วยงาน องค์การบริหารส่วนตำบลหนองบัว</h1>"
                "<p>แผนผังโครงสร้างส่วนราชการ สำนักปลัด กองคลัง และกองช่าง พร้อมชื่อและ"
                "ตำแหน่งของผู้บริหารทุกคน</p>"),
    "/ita/o2": ("แผนดำเนินงานประจำปี",
                "<h1>แผนดำเนินงานและการใช้งบประมาณ</h1>"
                "<table><tr><td>แผนพัฒนาท้องถิ่น พ.ศ. 2566-2570</td></tr></table>"
                "<table><tr><td>แผนดำเนินงานประจำปีงบประมาณ พ.ศ. 2570</td>"
                "<td>โครงการซ่อมถนนหมู่ 3</td></tr></table>"),
    "/ita/o4": ("รายงานผลการดำเนินงาน",
                "<h1>รายงานผลการดำเนินงานประจำปี</h1>"
                "<p>รายงานผลการดำเนินงานรอบ 6 เดือน ปีงบประมาณ พ.ศ. 2570</p>"),
}
O2_FAILS = "ไม่พบแผนดำเนินงานประจำปี พ.ศ. 2570 บนหน้าที่ให้ไว้"
DISPUTE = "แผนดำเนินงานประจำปี พ.ศ. 2570 อยู่ในตารางที่สองของหน้านี้ แถวแรก"
REPLY = "ตรวจสอบตารางที่สองแล้ว พบแผนดำเนินงานประจำปี พ.ศ. 2570 จึงเปลี่ยนผลเป็นผ่าน"


# --- the agency's website and the background worker -------------------------------------


class Website:
    """The agency's website on 127.0.0.1; every page waits until ``opened`` is set, so the
    test can see the link check waiting before any result arrives."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.requests: list[str] = []

    def route(self, path: str) -> Callable[[Handler], None]:
        title, body = PAGES[path]
        html = (f"<!doctype html><html lang='th'><head><meta charset='utf-8'>"
                f"<title>{title}</title></head><body>{body}</body></html>").encode()

        def answer(handler: Handler) -> None:
            self.opened.wait(TIMEOUT / 1000)
            self.requests.append(path)
            handler.send_body(html, content_type="text/html; charset=utf-8")

        return answer


@pytest.fixture
def website() -> Iterator[tuple[Website, str]]:
    site = Website()
    with serve({path: site.route(path) for path in PAGES}) as server:
        yield site, server.url("").rstrip("/")


class Worker:
    """A real Celery worker in a thread of this process, on an in-memory broker."""

    def __init__(self, app) -> None:
        self.app = app

    def waiting(self) -> int:
        """Messages in the queue that the worker has not taken yet."""
        with self.app.connection_for_read() as connection:
            queue = self.app.conf.task_default_queue
            return connection.default_channel.queue_declare(queue, passive=True).message_count

    def settle(self, seconds: float = 30) -> None:
        """Wait till the worker has nothing left to do (a task may queue another: the
        picture of a kept page is drawn after it is kept)."""
        from celery.worker import state

        quiet = 0
        deadline = time.monotonic() + seconds
        while quiet < 3:
            if time.monotonic() > deadline:
                raise AssertionError(f"the worker is still busy after {seconds:g} s")
            busy = state.active_requests or state.reserved_requests or self.waiting()
            quiet = 0 if busy else quiet + 1
            time.sleep(0.1)


@pytest.fixture
def shared_connections(live_server, transactional_db) -> Iterator[dict]:
    """On SQLite the test database lives in memory, and threads with connections of their
    own to it fail with "database table is locked" as soon as one writes while another
    reads (the worker keeping a capture while the page polls for it). Django's live server
    then shares the test's connection with its threads; pytest-django's session-wide
    server shares nothing when it was started before the test database was made, so the
    sharing is set up here for this test: the live server's threads and the worker use
    the test's connection. PostgreSQL needs none of this: each thread has its own."""
    from django.db import connections

    connection = connections["default"]
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield {}
        return
    server = live_server.thread.httpd
    before = server.connections_override
    shared = {**(before or {}), "default": connection}
    connection.inc_thread_sharing()
    server.connections_override = shared
    try:
        yield shared
    finally:
        server.connections_override = before
        connection.dec_thread_sharing()


@pytest.fixture
def worker(shared_connections) -> Iterator[Worker]:
    """The tasks run in the background, after the request that queued them has answered,
    as in production (the root conftest's eager mode is off here)."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import setup_logging, task_prerun
    from django.db import connections

    from openita.celery import app

    def use_shared_connections(**_kwargs) -> None:
        for alias, connection in shared_connections.items():
            connections[alias] = connection

    def keep_pytest_logging(**_kwargs) -> None:
        pass  # a receiver here stops Celery from taking over the root logger

    before = {key: app.conf[key] for key in (
        "broker_url", "broker_transport_options", "task_always_eager", "task_eager_propagates")}
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False
    app.conf.broker_url = "memory://"
    app.conf.broker_transport_options = {"polling_interval": 0.05}  # not once a second
    app._pool = None  # the broker's connections are made anew, for memory://
    app.amqp._producer_pool = None
    task_prerun.connect(use_shared_connections, weak=False)
    setup_logging.connect(keep_pytest_logging, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield Worker(app)
    finally:
        setup_logging.disconnect(keep_pytest_logging)
        task_prerun.disconnect(use_shared_connections)
        app.conf.update(before)
        app._pool = None
        app.amqp._producer_pool = None


# --- the people at their desks ----------------------------------------------------------


@pytest.fixture
def desk(browser, live_server) -> Iterator[Callable[..., Page]]:
    """``desk(user)``: a browser of the person's own, signed in through the sign-in page
    (setting up an authenticator app where the person's role requires it)."""
    contexts = []

    def open_desk(user) -> Page:
        context = browser.new_context(locale="th-TH", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server.url, user.email)
        return page

    yield open_desk
    for context in contexts:
        context.close()


def press(page: Page, selector: str) -> None:
    """Click a button that posts a form, wait for the page it leads to, and fail with the
    page's message if the action was refused."""
    with page.expect_navigation():
        page.click(selector)
    errors = page.locator("ul.messages li.error")
    if errors.count():
        raise AssertionError(f"{selector} was refused: {errors.all_inner_texts()}")


def shot(page: Page, name: str) -> None:
    """A picture of the page for people to look at (test-artifacts/, not compared)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def scores(page: Page) -> dict[str, str]:
    return {code: page.inner_text(f"#score-{code}") for code in ("41", "42", "4", "oit")}


def answer(world, code: str) -> Answer:
    return Answer.objects.get(submission__enrolment__agency=world.agency_a, item_code=code)


# --- the journey --------------------------------------------------------------------------


def test_an_oit_from_the_agency_s_answers_to_its_final_indicators(
        live_server, settings, desk, website, worker):
    site, site_url = website
    settings.OPENITA_FETCH_ALLOW_LOOPBACK = True  # the agency's website is this machine
    world = enter(build_world())  # registered, the OIT entry open
    # No second review here (its steps have their own tests): confirmation waits for one.
    world.year.oit_second_review_percent = 0
    world.year.save(update_fields=["oit_second_review_percent"])
    world.agency_a.website = site_url
    world.agency_a.save()
    base = live_server.url
    oit_url = f"{base}/agencies/{world.agency_a.pk}/oit/"

    # The administrator answers every item from its page, one after the other.
    admin = desk(world.admin_a)
    admin.goto(f"{base}/agencies/{world.agency_a.pk}/")
    admin.click("#oit-link")
    expect(admin.locator("main progress")).to_have_attribute("value", "0")  # items answered
    admin.click("#oit-items a[href$='/oit/O1/']")
    for code in ("O1", "O2", "O3", "O4"):
        admin.wait_for_url(f"**/oit/{code}/")
        if code == "O3":
            admin.check("input[name=publishes][value=no]")
        else:
            admin.check("input[name=publishes][value=yes]")
            admin.fill("#id_url_1", f"{site_url}/ita/{code.lower()}")
            admin.fill("#id_explanation", f"เมนู ITA หัวข้อ {code}")
        press(admin, "button[name=next]")  # "save and go to the next item"
    admin.wait_for_url(oit_url)  # after the last item, back to the list
    expect(admin.locator("main progress")).to_have_attribute("value", "4")

    # "Check my links": the results arrive on the page by themselves.
    polls: list[str] = []
    admin.on("request", lambda r: polls.append(r.url)
             if r.url.endswith("/oit/checks/") and r.headers.get("hx-request") else None)
    press(admin, "#check-links")
    checks = admin.locator("#link-checks")
    expect(checks).to_have_attribute("hx-get", f"/agencies/{world.agency_a.pk}/oit/checks/")
    expect(checks.locator("tbody tr")).to_have_count(3)  # the item not published has none
    expect(checks.locator(".badge.draft")).to_have_count(3)  # waiting
    site.opened.set()  # the website answers
    expect(checks.locator(".finding-ok")).to_have_count(3)  # each address opens
    expect(admin.locator("#link-checks[hx-get]")).to_have_count(0)  # no more polling
    expect(checks).to_contain_text("HTTP 200")
    assert polls, "the results came without the page polling for them"
    shot(admin, "oit-link-check-th.png")
    assert Capture.objects.filter(purpose=CapturePurpose.CHECK).count() == 3

    press(admin, "#send-to-executive")
    expect(admin.locator("#oit-state")).to_have_class("badge awaiting_approval")

    # The executive approves: the OIT is locked and its evidence kept in the background.
    executive = desk(world.executive_a)
    executive.goto(f"{base}/agencies/{world.agency_a.pk}/")
    executive.click("#oit-link")
    press(executive, "#approve-oit")
    expect(executive.locator("#oit-state")).to_have_class("badge approved")
    assert Submission.objects.get().state == SubmissionState.APPROVED
    worker.settle()  # the evidence is kept long before the review window opens
    assert Capture.objects.filter(purpose=CapturePurpose.SUBMISSION).count() == 3

    # The review window: the consultant decides each item from the copy kept at approval.
    only_open(world, Phase.OIT_REVIEW)
    consultant = desk(world.consultant_x)
    consultant.click("header nav a[href='/oit/review/']")
    queue = consultant.locator("#queue tbody tr")
    expect(queue).to_have_count(4)
    consultant.click("#queue a:text-is('O1')")
    expect(consultant.locator("#evidence-1 blockquote.excerpt")).to_contain_text(
        "แผนผังโครงสร้างส่วนราชการ")  # the text of the copy kept at approval
    expect(consultant.locator("#evidence-1 .finding-ok")).to_be_visible()
    consultant.click("#evidence-1 a[href*='/text/']")  # the whole text as kept
    expect(consultant.locator("body")).to_contain_text("สำนักปลัด กองคลัง และกองช่าง")
    consultant.go_back()
    shot(consultant, "oit-review-th.png")
    consultant.check("#id_criterion_1")
    consultant.check("input[name=decision][value=pass]")
    consultant.fill("#id_comment", "ครบถ้วนตามเกณฑ์")
    press(consultant, "#save-decision")  # saved, and on to the next item

    expect(consultant.locator("h1")).to_contain_text("O2")
    expect(consultant.locator("#evidence-1 blockquote.excerpt")).to_contain_text(
        "แผนดำเนินงานประจำปีงบประมาณ พ.ศ. 2570")
    consultant.check("input[name=decision][value=fail]")  # the plan was not seen
    consultant.fill("#id_comment", O2_FAILS)
    press(consultant, "#save-decision")

    expect(consultant.locator("h1")).to_contain_text("O3")  # not published: failed already
    expect(consultant.locator("#save-decision")).to_have_count(0)
    expect(consultant.locator("#decide .badge.closed")).to_be_visible()
    consultant.click("#next-item")
    expect(consultant.locator("h1")).to_contain_text("O4")
    consultant.check("#id_criterion_1")
    consultant.check("input[name=decision][value=pass]")
    press(consultant, "#save-decision")  # the last item: back to the queue
    expect(consultant.locator("#queue")).to_be_visible()
    expect(consultant.locator(f"#state-counts a[href$='state={ItemState.REVIEWED}'] + strong"
                              )).to_have_text("4")
    assert {a.item_code: a.passed for a in Answer.objects.all()} == {
        "O1": True, "O2": False, "O3": False, "O4": True}

    # The preliminary release: the worker's schedule releases the decisions.
    only_open(world, Phase.PRELIMINARY_RELEASE)
    from openita.disclosure.tasks import release_due

    release_due.delay()
    worker.settle()
    assert set(Answer.objects.values_list("state", flat=True)) == {ItemState.RELEASED}
    admin.goto(oit_url)
    expect(admin.locator("html")).to_have_attribute("lang", "th")
    provisional = admin.inner_text("#oit-result h2")
    assert scores(admin) == {"41": "33.33", "42": "100.00", "4": "66.67", "oit": "66.67"}
    expect(admin.locator("#oit-items tbody tr:has(a:text-is('O2')) .badge.closed")
           ).to_be_visible()  # fails

    # The clarification: the agency disputes O2, pointing into its original page.
    only_open(world, Phase.CLARIFICATION)
    admin.click("#oit-items a[href$='/oit/O2/']")
    expect(admin.locator("#decision-comment")).to_have_text(O2_FAILS)
    admin.fill("#id_reason", DISPUTE)
    admin.select_option("#id_url_position", "1")
    admin.fill("#id_where", "ตารางที่ 2 แถวที่ 1")
    press(admin, "#save-dispute")
    admin.wait_for_url(oit_url)
    press(admin, "#send-clarification")
    assert Submission.objects.get().clarification == ClarificationState.AWAITING_APPROVAL

    executive.goto(oit_url)
    press(executive, "#file-clarification")
    expect(executive.locator("#file-clarification")).to_have_count(0)
    assert Submission.objects.get().clarification == ClarificationState.FILED

    # The consultant answers it: the decision changes, with a reply the agency reads.
    consultant.click("header nav a[href='/oit/review/']")
    consultant.click(f"#state-counts a[href$='state={ItemState.DISPUTED}']")
    expect(queue).to_have_count(1)
    consultant.click("#queue a:text-is('O2')")
    expect(consultant.locator("#dispute-reason")).to_have_text(DISPUTE)
    consultant.check(f"input[name=outcome][value={DisputeOutcome.CHANGED}]")
    consultant.check("#id_criterion_1")
    consultant.fill("#id_reply", REPLY)
    press(consultant, "#answer-dispute")
    expect(consultant.locator("#answer-dispute")).to_have_count(0)
    changed = answer(world, "O2")
    assert changed.state == ItemState.ANSWERED and changed.passed is True
    assert changed.decisions.last().round == DecisionRound.CLARIFICATION

    # The confirmation: the team lead confirms, and the decisions become final.
    only_open(world, Phase.CONFIRMATION)
    lead = desk(world.lead_x)
    lead.click("header nav a[href='/oit/confirmation/']")
    press(lead, f"#confirm-{world.agency_a.code}")
    row = lead.locator("#confirmations tbody tr", has_text=world.agency_a.code)
    expect(row.locator(".badge.open")).to_be_visible()  # confirmed
    expect(row).to_contain_text("OIT 83.33")

    # The agency sees its final OIT indicators.
    admin.goto(oit_url)
    final = Submission.objects.get()
    expect(admin.locator("#oit-result h2")).not_to_have_text(provisional)  # final now
    expect(admin.locator("#oit-result")).to_contain_text(  # confirmed on …
        thaidates.format_datetime(final.confirmed_at, "th"))
    assert scores(admin) == {"41": "66.67", "42": "100.00", "4": "83.33", "oit": "83.33"}
    shot(admin, "oit-final-th.png")
    admin.click("#oit-items a[href$='/oit/O2/']")
    expect(admin.locator("#dispute-reply")).to_have_text(REPLY)
    expect(admin.locator("#decision .badge.open")).to_be_visible()  # passes now
    assert final.scores == {"4.1": "66.67", "4.2": "100.00", "4": "83.33", "OIT": "83.33"}
    assert set(Answer.objects.values_list("state", flat=True)) == {ItemState.FINAL}
    kept_copies = Capture.objects.filter(purpose=CapturePurpose.SUBMISSION)
    assert sorted(c.requested_url for c in kept_copies) == [
        f"{site_url}/ita/{code}" for code in ("o1", "o2", "o4")]
    assert sorted(site.requests) == sorted(["/ita/o1", "/ita/o2", "/ita/o4"] * 2)
