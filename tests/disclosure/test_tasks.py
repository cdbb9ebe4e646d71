"""Background work: evidence captured from a real (local) server, tasks that run twice or
die half-way, retries, and work that never runs inside the request."""

from __future__ import annotations

import threading
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import TestCase
from django.urls import reverse

from openita.celery import app
from openita.disclosure import capture, services, tasks
from openita.disclosure.models import Capture, CapturePurpose
from tests.disclosure.conftest import answer_of, fill
from tests.disclosure.servers import serve

PAGE = ("<html><head><title>โครงสร้างองค์กร</title></head><body><h1>แผนผังโครงสร้าง</h1>"
        "<p>สำนักปลัด กองคลัง กองช่าง</p></body></html>").encode()


def _pdf() -> bytes:
    """A Thai PDF as agencies post them (in Sarabun, as a Thai official document is set)."""
    from pathlib import Path

    import fontpkg_sarabun
    import weasyprint

    font = Path(fontpkg_sarabun.__file__).parent / "files" / "Sarabun-Regular.ttf"
    return weasyprint.HTML(string=(
        f"<style>@font-face {{font-family: S; src: url('{font.as_uri()}')}}"
        "p {font-family: S}</style><p>แผนปฏิบัติการประจำปี 2569</p>")).write_pdf()


def run_like_a_worker(task, kwargs: dict, tries: int = 10) -> None:
    """Run ``task`` as a worker would: again, with its count of retries, while it asks to
    be retried (Celery's eager mode runs a task once and only reports the retry)."""
    from celery.exceptions import Retry

    for attempt in range(tries):
        try:
            if task.apply(kwargs=kwargs, retries=attempt, throw=False).state != "RETRY":
                return
        except Retry:
            continue
    raise AssertionError(f"still retrying after {tries} tries")


class Counter:
    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()

    def count(self, path: str) -> int:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            return self.hits[path]


@pytest.fixture
def site(settings):
    """A local agency website: a page, a PDF, and a page that fails twice with 503."""
    settings.OPENITA_FETCH_ALLOW_LOOPBACK = True
    hits = Counter()
    pdf = _pdf()

    def page(h):
        hits.count("/o1")
        h.send_body(PAGE, content_type="text/html; charset=utf-8")

    def document(h):
        hits.count("/o2.pdf")
        h.send_body(pdf, content_type="application/pdf")

    def flaky(h):
        if hits.count("/o3") <= 2:
            h.send_body(b"busy", 503)
        else:
            h.send_body(PAGE, content_type="text/html; charset=utf-8")

    with serve({"/o1": page, "/o2.pdf": document, "/o3": flaky}) as server:
        server.hits = hits
        yield server


def _answer_with(world, code, url):
    return services.save_answer(answer_of(world, code), publishes=True, urls=[url],
                                explanation="", acting_user=world.admin_a)


def _job(answer, purpose="submission", key=None):
    return {"answer_id": answer.pk, "url": answer.urls[0], "purpose": purpose,
            "job_key": key or f"test:{answer.pk}"}


def test_approval_keeps_each_page_and_the_text_of_a_pdf(entering, site):
    entering.agency_a.website = site.url("/")
    entering.agency_a.save()
    _answer_with(entering, "O1", site.url("/o1"))
    _answer_with(entering, "O2", site.url("/o2.pdf"))
    fill(entering, ["O3", "O4"])
    services.submit(entering.submission, acting_user=entering.admin_a)
    with mock.patch.object(tasks.capture_url, "apply_async",
                           side_effect=lambda kwargs: run_like_a_worker(tasks.capture_url,
                                                                        kwargs)):
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.approve(entering.submission, acting_user=entering.executive_a)
    page = Capture.objects.get(answer__item_code="O1", purpose=CapturePurpose.SUBMISSION)
    assert (page.status, page.title, page.findings) == (200, "โครงสร้างองค์กร", [])
    assert "กองคลัง" in page.text and page.sha256 and page.final_url == site.url("/o1")
    with default_storage.open(page.stored_name, "rb") as kept:
        assert kept.read() == PAGE  # the copy, byte for byte, in Django's storage
    document = Capture.objects.get(answer__item_code="O2", purpose=CapturePurpose.SUBMISSION)
    assert document.kind == "pdf" and "แผนปฏิบัติการ" in document.text


def test_a_task_run_twice_writes_one_capture_and_fetches_once(entering, site):
    answer = _answer_with(entering, "O1", site.url("/o1"))
    tasks.capture_url.apply(kwargs=_job(answer))
    tasks.capture_url.apply(kwargs=_job(answer))
    assert Capture.objects.filter(job_key=f"test:{answer.pk}").count() == 1
    assert site.hits.hits["/o1"] == 1


def test_a_task_killed_before_its_row_leaves_nothing_half_written(entering, site):
    answer = _answer_with(entering, "O1", site.url("/o1"))

    class Killed(BaseException):  # what a worker's death looks like to the code in flight
        pass

    with mock.patch.object(Capture, "save", side_effect=Killed), pytest.raises(Killed):
        tasks.capture_url.apply(kwargs=_job(answer), throw=True)
    assert not Capture.objects.exists()  # no row: the job counts as not done
    tasks.capture_url.apply(kwargs=_job(answer))  # the message comes back (acks_late)
    kept = Capture.objects.get()
    with default_storage.open(kept.stored_name, "rb") as copy:
        assert copy.read() == PAGE


def test_a_copy_cut_short_by_a_dying_worker_is_written_again(entering, site):
    answer = _answer_with(entering, "O1", site.url("/o1"))
    import hashlib

    name = capture.stored_name(hashlib.sha256(PAGE).hexdigest())
    default_storage.save(name, __import__("io").BytesIO(PAGE[:10]))  # half a file
    tasks.capture_url.apply(kwargs=_job(answer))
    with default_storage.open(Capture.objects.get().stored_name, "rb") as copy:
        assert copy.read() == PAGE


def test_a_busy_page_is_tried_again_and_the_capture_is_the_good_answer(entering, site):
    answer = _answer_with(entering, "O3", site.url("/o3"))
    run_like_a_worker(tasks.capture_url, _job(answer))
    kept = Capture.objects.get()
    assert kept.status == 200 and site.hits.hits["/o3"] == 3


def test_a_link_check_gives_up_sooner_and_says_why(entering, site):
    answer = _answer_with(entering, "O3", site.url("/o3"))
    run_like_a_worker(tasks.capture_url, _job(answer, purpose="check"))
    kept = Capture.objects.get()
    assert kept.status == 503 and "dead" in kept.findings
    assert site.hits.hits["/o3"] == 1 + tasks.RETRIES["check"]


def test_the_request_only_queues_the_work_after_commit(entering, client_for):
    fill(entering)
    app.conf.task_always_eager = False
    sent = []
    with mock.patch.object(tasks.capture_url, "apply_async",
                           side_effect=lambda **kw: sent.append(kw)):
        with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
            response = client_for(entering.admin_a).post(
                reverse("agencies:oit_check", args=[entering.agency_a.pk]))
            assert not sent  # nothing was sent while the request ran
        assert response.status_code == 302 and len(callbacks) == 1
    assert len(sent) == 4 and not Capture.objects.exists()  # fetched by a worker, not here


def test_work_of_a_change_that_rolled_back_is_never_queued(entering):
    fill(entering)
    sent = []
    with mock.patch.object(tasks.capture_url, "apply_async",
                           side_effect=lambda **kw: sent.append(kw)):
        with TestCase.captureOnCommitCallbacks(execute=True):
            try:
                with transaction.atomic():
                    services.request_link_check(entering.submission,
                                                acting_user=entering.admin_a)
                    raise RuntimeError("the rest of the change failed")
            except RuntimeError:
                pass
    assert sent == []


def test_a_capture_is_never_changed_once_written(entering, site):
    answer = _answer_with(entering, "O1", site.url("/o1"))
    tasks.capture_url.apply(kwargs=_job(answer))
    kept = Capture.objects.get()
    kept.title = "แก้แล้ว"
    with pytest.raises(ValueError, match="never changed"):
        kept.save()


def test_a_kept_page_gets_a_picture_and_nothing_it_links_to_is_fetched(entering, site):
    answer = _answer_with(entering, "O1", site.url("/o1"))
    hostile = (b"<html><title>t</title><link rel=stylesheet href='" + site.url("/o1").encode()
               + b"'><img src='file:///etc/passwd'><img src='http://169.254.169.254/x'>"
               b"<script>document.write('x')</script><p>\xe0\xb8\x9c\xe0\xb8\xb1\xe0\xb8\x87</p>"
               b"</html>")
    from tests.disclosure.conftest import page_result

    result = page_result(answer.urls[0], "")
    result = type(result)(**{**result.__dict__, "body": hostile, "size": len(hostile),
                             "sha256": __import__("hashlib").sha256(hostile).hexdigest()})
    kept = capture.store(answer.pk, "submission", "hostile", result)
    before = dict(site.hits.hits)
    from openita.disclosure import snapshots

    made = snapshots.make(kept)
    assert made.stored_name and site.hits.hits == before  # drawn, and nothing fetched
    with default_storage.open(made.stored_name, "rb") as image:
        assert image.read(8) == b"\x89PNG\r\n\x1a\n"
    assert snapshots.make(kept) == made  # once per capture


def test_a_host_that_stays_busy_ends_as_a_timeout_not_as_a_lost_job(entering, settings):
    answer = _answer_with(entering, "O1", "https://busy.example.test/o1")
    from openita.disclosure import fetcher

    with mock.patch.object(fetcher, "fetch", side_effect=fetcher.HostBusy("busy")):
        run_like_a_worker(tasks.capture_url, _job(answer), tries=tasks.BUSY_RETRIES + 1)
    kept = Capture.objects.get()
    assert kept.problem == "timeout" and "dead" in kept.findings
