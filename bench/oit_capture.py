"""Benchmark: OIT evidence capture throughput through openita's real path.

Run:  .venv/bin/python bench/oit_capture.py [--urls 2000] [--hosts 200] [--concurrency 16]
          [--workers 1] [--order grouped|interleaved|both] [--snapshots held|inline]
          [--database-url URL]

What it does, all on this machine (about 3 minutes with the defaults):

* a threaded HTTP server on 127.0.0.1 (a child process) serves, for every URL, a page of
  realistic size: HTML of 30–300 KB (a Thai municipal page: title, menu, CSS and script,
  Thai paragraphs, a procurement table) or, for one URL in seven, a PDF of 50–400 KB with a
  text layer and a scanned image. Each answer waits 50–200 ms first (the agency's server
  thinking). Every body is unique (the URL is written into it), so the evidence store
  cannot share copies. The server counts the requests inside their wait at once, per Host
  header;
* the URLs are spread over ``--hosts`` names ``agency1.bench.test`` …, all mapped to
  127.0.0.1 by ``bench/oit_settings.py`` (``OPENITA_FETCH_STATIC_HOSTS`` and
  ``OPENITA_FETCH_ALLOW_LOOPBACK``, the test setting; its guards refuse any connection
  that is not to loopback, and any name lookup);
* a country of ``--hosts`` agencies (``demo.generate``), each with an approved OIT of the
  ita-2569 framework whose answers carry its URLs (bulk_create);
* ``--workers`` real ``openita worker --concurrency N --no-beat`` processes on Redis
  (``--redis-url``, a database of its own that the benchmark empties), run
  ``openita.disclosure.tasks.capture_url`` for every URL, enqueued by
  ``tasks.enqueue_captures`` as an approval does. "grouped" enqueues each agency's URLs
  together (as an approval does); "interleaved" deals them out host by host;
* each kept copy queues a snapshot task (WeasyPrint and pdfium draw its first page). By
  default (``--snapshots held``) those wait in a queue of their own while the captures are
  timed, then a worker on that queue draws ``--snapshot-sample`` of them; with
  ``--snapshots inline`` they go where openita sends them, the default queue, so the
  captures of a later batch wait behind the snapshots of an earlier one;
* the CPU of one capture, in this process, one at a time, split into fetching, reading
  the text and storing;
* then the ceiling: the same URLs through one plain ``httpx.Client`` on a thread pool of
  the same size (N × workers), with no checks, no per-host limit and no storage.

Prints the URLs per minute, the time per capture (the task's run, and the fetch alone),
the most requests one host saw at once (must be <= OPENITA_FETCH_PER_HOST), what was
stored, the snapshots' cost, and the ratio to the ceiling. Every wait is bounded
(``--timeout``).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import math
import multiprocessing
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PDF_SHARE = 7  # one URL in seven is a PDF

# --- the pages --------------------------------------------------------------------------

THAI_WORDS = (
    "องค์การบริหารส่วนตำบล", "ประกาศ", "ข้อมูลพื้นฐาน", "โครงสร้างหน่วยงาน", "ผู้บริหาร",
    "อำนาจหน้าที่", "แผนยุทธศาสตร์", "แผนดำเนินงานประจำปี", "ข่าวประชาสัมพันธ์",
    "การจัดซื้อจัดจ้าง", "รายงานผลการดำเนินงาน", "งบประมาณรายจ่าย", "ประจำปีงบประมาณ",
    "พ.ศ. ๒๕๖๙", "การบริหารและพัฒนาทรัพยากรบุคคล", "การป้องกันการทุจริต",
    "ช่องทางแจ้งเรื่องร้องเรียน", "การมีส่วนร่วม", "ประชาชน", "คุณธรรมและความโปร่งใส",
    "ตำบล", "อำเภอ", "จังหวัด", "หมู่ที่", "ถนน", "โครงการ", "ก่อสร้าง", "ซ่อมแซม",
    "ถนนคอนกรีตเสริมเหล็ก", "วิธีเฉพาะเจาะจง", "ผู้ชนะการเสนอราคา", "จำนวนเงิน", "บาท",
    "เจ้าหน้าที่", "ปลัด", "นายก", "สมาชิกสภา", "ผลการพิจารณา", "เอกสารแนบ", "ดาวน์โหลด",
    "และ", "ของ", "เพื่อ", "ตาม", "ใน", "ที่", "ได้", "มี", "การ", "ให้", "โดย", "จาก",
)
MENU = ("หน้าหลัก", "ข้อมูลพื้นฐาน", "โครงสร้าง", "ผู้บริหาร", "ข่าวสาร", "จัดซื้อจัดจ้าง",
        "แผนงาน", "รายงาน", "ITA", "ติดต่อเรา", "กระดานสนทนา", "คู่มือประชาชน")


def _thai_sentence(rng: random.Random, words: int) -> str:
    return "".join(rng.choice(THAI_WORDS) for _ in range(words)) + " "


def html_template(rng: random.Random, size: int) -> tuple[bytes, bytes]:
    """(head, tail) of a page of about ``size`` bytes; the URL's own line goes between."""
    css = "".join(f".c{n}{{margin:{n % 9}px;padding:{n % 7}px;color:#{n * 4099 % 0xFFFFFF:06x}}}"
                  for n in range(rng.randint(200, 600)))
    script = "".join(f"var v{n}=document.getElementById('m{n}');" for n in range(300))
    menu = "".join(f'<li class="c{n % 50}"><a href="/menu/{n}">{rng.choice(MENU)}</a>'
                   f'<ul><li><a href="/menu/{n}/1">{_thai_sentence(rng, 2)}</a></li></ul></li>'
                   for n in range(rng.randint(30, 80)))
    head = (f'<!DOCTYPE html><html lang="th"><head><meta charset="utf-8">'
            f'<title>{_thai_sentence(rng, 4)}</title><style>{css}</style>'
            f'<script>{script}</script></head><body><header><nav><ul>{menu}</ul></nav>'
            f'</header><main><h1>{_thai_sentence(rng, 5)}</h1>').encode()
    parts: list[str] = []
    filled = len(head)
    row = 0
    while filled < size - 400:
        if rng.random() < 0.3:
            rows = "".join(f"<tr><td>{row + k}</td><td>{_thai_sentence(rng, 6)}</td>"
                           f"<td>{rng.randint(5000, 4_900_000):,}</td>"
                           f"<td>{_thai_sentence(rng, 2)}</td></tr>" for k in range(10))
            row += 10
            block = f'<table class="c{row % 50}"><tbody>{rows}</tbody></table>'
        else:
            block = f'<p class="c{row % 50}">{_thai_sentence(rng, rng.randint(20, 80))}</p>'
        parts.append(block)
        filled += len(block.encode())
    tail = ("".join(parts) + "</main><footer>องค์การบริหารส่วนตำบล โทร 0 4400 0000</footer>"
            "</body></html>").encode()
    return head, tail


def pdf_document(rng: random.Random, size: int, unique: str) -> bytes:
    """A valid PDF of about ``size`` bytes: pages of text (Helvetica) and a scanned image."""
    pages = rng.randint(1, 6)
    side = max(16, int(max(size - pages * 3000, 4096) ** 0.5))
    image = rng.randbytes(side * side)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n" % (side, side, len(image))
        + image + b"\nendstream",
    ]
    kids = []
    for page in range(pages):
        lines = [f"Announcement {page + 1} of {unique}"] + [
            f"Item {n}: procurement of road repair, village {rng.randint(1, 20)}, "
            f"amount {rng.randint(5000, 900000)} baht, method: specific"
            for n in range(40)]
        text = "BT /F1 9 Tf 40 800 Td 11 TL " + " ".join(
            f"({line}) Tj T*" for line in lines) + " ET"
        if page == 0:
            text = "q 500 0 0 300 40 40 cm /Im1 Do Q " + text
        content = text.encode()
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content
                       + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                       b"/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >> >> "
                       b"/Contents %d 0 R >>" % (len(objects)))
        kids.append(len(objects))
    objects[1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
                  + b"] /Count %d >>" % len(kids))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info << /Title (%s) >> >>\nstartxref\n%d\n"
              b"%%%%EOF\n" % (len(objects) + 1, unique.encode(), xref))
    return out.getvalue()


class Pages:
    """Every URL's body and delay, drawn reproducibly from its path."""

    def __init__(self, seed: int, templates: int = 48) -> None:
        rng = random.Random(seed)
        # Sizes log-uniform over 30–300 KB: most pages small, some heavy.
        self.html = [html_template(rng, int(30_000 * 10 ** rng.random()))
                     for _ in range(templates)]
        self.seed = seed

    def _rng(self, host: str, path: str) -> random.Random:
        digest = hashlib.sha256(f"{self.seed}:{host}{path}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def page(self, host: str, target: str) -> tuple[float, str, bytes]:
        """(delay in seconds, content type, body) for ``host`` + ``target``: the path draws
        the size and the delay, the whole target (with the query) makes the body unique."""
        path = target.split("?", 1)[0]
        rng = self._rng(host, path)
        delay = rng.uniform(0.05, 0.2)
        unique = f"{host}{target}"
        if path.endswith(".pdf"):
            return delay, "application/pdf", pdf_document(
                rng, int(50_000 * 8 ** rng.random()), unique)
        head, tail = self.html[rng.randrange(len(self.html))]
        line = f'<p class="ref">เอกสารอ้างอิง {unique}</p>'.encode()
        return delay, "text/html; charset=utf-8", head + line + tail


# --- the server (a child process) -------------------------------------------------------


class Counter:
    """Requests inside their wait at once, per host and in all."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.current: dict[str, int] = {}
            self.peak: dict[str, int] = {}
            self.total = self.total_peak = self.requests = 0
            self.bytes = 0

    def enter(self, host: str) -> None:
        with self.lock:
            self.current[host] = self.current.get(host, 0) + 1
            self.peak[host] = max(self.peak.get(host, 0), self.current[host])
            self.total += 1
            self.total_peak = max(self.total_peak, self.total)
            self.requests += 1

    def leave(self, host: str, sent: int) -> None:
        with self.lock:
            self.current[host] -= 1
            self.total -= 1
            self.bytes += sent

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"peak": dict(self.peak), "total_peak": self.total_peak,
                    "requests": self.requests, "bytes": self.bytes}


def _serve(conn: Any, seed: int, ready: Any) -> None:
    pages = Pages(seed)
    counter = Counter()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as agencies' servers do

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            host = self.headers.get("Host", "").rsplit(":", 1)[0].lower()
            if not host.endswith(".bench.test"):
                self.send_error(404)
                return
            delay, kind, body = pages.page(host, self.path)
            # Counted over the wait only: inside the time the client holds its host slot
            # (taken before connecting, given back after the last byte is read), so a
            # count above the limit is a real overlap, never a race of the bookkeeping.
            counter.enter(host)
            time.sleep(delay)
            counter.leave(host, len(body))
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass

    httpd = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    ready.send(httpd.server_address[1])
    while conn.poll(3600):
        command = conn.recv()
        if command == "reset":
            counter.reset()
            conn.send(True)
        elif command == "stats":
            conn.send(counter.stats())
        else:
            break
    httpd.shutdown()
    httpd.server_close()


class PageServer:
    def __init__(self, seed: int) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        ready_in, ready_out = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, seed, ready_out),
                                       daemon=True)
        self.process.start()
        if not ready_in.poll(60):
            raise RuntimeError("the page server did not start")
        self.port = int(ready_in.recv())

    def reset(self) -> None:
        self.conn.send("reset")
        self.conn.recv()

    def stats(self) -> dict[str, Any]:
        self.conn.send("stats")
        return self.conn.recv()

    def stop(self) -> None:
        try:
            self.conn.send("stop")
        except OSError:
            pass
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()


# --- helpers ------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)  # nearest rank
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def bench_urls(hosts: int, count: int, port: int) -> list[tuple[int, str]]:
    """(host number, URL) grouped by host: agency n's URLs together, PDFs among them."""
    per_host = [count // hosts + (1 if n < count % hosts else 0) for n in range(hosts)]
    urls = []
    for n, how_many in enumerate(per_host, start=1):
        for k in range(how_many):
            ext = "pdf" if (n * 31 + k) % PDF_SHARE == 0 else "html"
            urls.append((n, f"http://agency{n}.bench.test:{port}/ita/o{k % 26 + 1}-{k}.{ext}"))
    return urls


def interleave(urls: list[tuple[int, str]]) -> list[tuple[int, str]]:
    by_host: dict[int, list[tuple[int, str]]] = {}
    for entry in urls:
        by_host.setdefault(entry[0], []).append(entry)
    out = []
    lists = list(by_host.values())
    for k in range(max(len(v) for v in lists)):
        out += [v[k] for v in lists if k < len(v)]
    return out


# --- the benchmark ------------------------------------------------------------------------
# --- the benchmark ------------------------------------------------------------------------

HELD = "openita-bench-held-snapshots"  # where --snapshots held parks the snapshot tasks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16, help="threads per worker")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--order", choices=["grouped", "interleaved", "both"], default="grouped")
    parser.add_argument(
        "--snapshots", choices=["held", "inline"], default="held",
        help="held: the snapshot tasks wait in a queue of their own during the captures, "
             "then a sample of them is timed; inline: they go where openita sends them (the "
             "default queue, behind the captures) and each phase waits for them too")
    parser.add_argument("--snapshot-sample", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2569)
    parser.add_argument("--timeout", type=float, default=600, help="seconds per phase, at most")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12",
                        help="broker and cache; the benchmark empties this database")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    if not 1 <= args.hosts <= 10_000 or not 1 <= args.urls <= 200_000:
        parser.error("--hosts 1..10000, --urls 1..200000")
    if not 1 <= args.concurrency * args.workers <= 256:
        parser.error("--concurrency x --workers: 1..256 threads")

    data_dir = Path(tempfile.mkdtemp(prefix="openita-bench-capture-"))
    env = {
        "OPENITA_DATA_DIR": str(data_dir), "OPENITA_PLAIN_STATIC": "1",
        "OPENITA_BENCH_HOSTS": str(args.hosts), "REDIS_URL": args.redis_url,
        "CELERY_BROKER_URL": args.redis_url, "DJANGO_SETTINGS_MODULE": "oit_settings",
        "OPENITA_ENV": "development", "LOG_LEVEL": "WARNING",
    }
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    os.environ.update(env)
    sys.path.insert(0, str(BENCH))
    server = PageServer(args.seed)  # forked before Django and its connections exist
    workers: list[subprocess.Popen] = []
    try:
        run(args, env, data_dir, server, workers)
    finally:
        for worker in workers:
            stop_worker(worker)
        server.stop()
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
        if args.keep:
            print(f"data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def start_worker(args: argparse.Namespace, env: dict[str, str], data_dir: Path, name: str,
                 extra: dict[str, str]) -> subprocess.Popen:
    worker_env = {**os.environ, **env, **extra, "OPENITA_BENCH_TIMINGS": "1",
                  "PYTHONPATH": os.pathsep.join(
                      [str(BENCH), *filter(None, [os.environ.get("PYTHONPATH")])])}
    log = open(data_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/openita"), "worker", "--concurrency", str(args.concurrency),
         "--no-beat", "--loglevel", "warning"],
        env=worker_env, cwd=str(data_dir), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)


def stop_worker(worker: subprocess.Popen, *, warm: bool = True) -> None:
    if worker.poll() is not None:
        return
    if warm:
        worker.send_signal(signal.SIGTERM)  # Celery's warm shutdown: running tasks finish
        try:
            worker.wait(30)
            return
        except subprocess.TimeoutExpired:
            pass
    worker.kill()
    worker.wait(10)


def run(args: argparse.Namespace, env: dict[str, str], data_dir: Path, server: PageServer,
        workers: list[subprocess.Popen]) -> None:
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    import openita.celery  # noqa: F401 - binds the tasks to the app on the broker
    from openita.site import demo

    broker = redis.Redis.from_url(args.redis_url)
    broker.flushdb()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    demo.generate(args.hosts + 20, args.seed)
    broker.flushdb()  # the demo's own OITs queued captures of its .invalid sites: not ours
    answers_by_host = build_oits(args.hosts)
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores)")
    print(f"database: {connection.vendor}; redis {args.redis_url}; "
          f"per-host limit OPENITA_FETCH_PER_HOST={settings.OPENITA_FETCH_PER_HOST}")
    print(f"data: {args.hosts} agencies with an approved OIT (ita-2569, 26 items) "
          f"in {time.perf_counter() - started:.1f} s")

    urls = bench_urls(args.hosts, args.urls, server.port)
    pdfs = sum(url.endswith(".pdf") for _, url in urls)
    threads = args.concurrency * args.workers
    print(f"{len(urls)} URLs over {args.hosts} hosts ({pdfs} PDFs); server delay 50–200 ms; "
          f"{args.workers} worker process(es) x {args.concurrency} threads; snapshots "
          f"{args.snapshots}")
    held = {"OPENITA_BENCH_SNAPSHOT_QUEUE": HELD} if args.snapshots == "held" else {}
    capturers = [start_worker(args, env, data_dir, f"worker{n}", held)
                 for n in range(args.workers)]
    workers += capturers
    warm_up(args, answers_by_host, server.port, threads)

    orders = ["grouped", "interleaved"] if args.order == "both" else [args.order]
    results = {}
    for order in orders:
        ordered = urls if order == "grouped" else interleave(urls)
        results[order] = capture_phase(args, order, ordered, answers_by_host, server, broker)
    if args.snapshots == "inline":
        inline_snapshots(args, broker, time.time())
    for worker in capturers:
        stop_worker(worker)
    cpu_phase(args, answers_by_host, server.port)
    if args.snapshots == "held":
        drawer = start_worker(args, env, data_dir, "snapshots", {"OPENITA_BENCH_CONSUME": HELD})
        workers.append(drawer)
        snapshot_sample(args, broker, drawer)
    ceiling = ceiling_phase(args, urls, server, threads)
    for order, result in results.items():
        print(f"ratio openita ({order}) / ceiling: {result['rate'] / ceiling:.3f}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    sys.stdout.flush()


def build_oits(hosts: int) -> dict[int, list[int]]:
    """``hosts`` agencies without an OIT get the websites http://agency<n>.bench.test and an
    approved OIT with an answer row per item; the answers' ids by host number n."""
    from django.utils import timezone

    from openita.agencies.models import Agency
    from openita.calendars import services as calendar
    from openita.calendars.models import Enrolment, EnrolmentState
    from openita.disclosure.models import Answer, ItemState, Submission, SubmissionState

    year = calendar.current_year()
    codes = [item.code for item in calendar.framework_for(year).oit_items]
    taken = set(Submission.objects.filter(enrolment__year=year).values_list(
        "enrolment__agency_id", flat=True))
    agencies = [a for a in Agency.objects.order_by("pk") if a.pk not in taken][:hosts]
    if len(agencies) < hosts:
        raise SystemExit(f"only {len(agencies)} agencies without an OIT")
    for n, agency in enumerate(agencies, start=1):
        agency.website = f"http://agency{n}.bench.test"
    Agency.objects.bulk_update(agencies, ["website"])
    now = timezone.now()
    enrolled = {e.agency_id for e in Enrolment.objects.filter(year=year, agency__in=agencies)}
    Enrolment.objects.bulk_create(
        [Enrolment(agency=a, year=year, state=EnrolmentState.HEADCOUNT_APPROVED, headcount=50,
                   registered_at=now, headcount_approved_at=now)
         for a in agencies if a.pk not in enrolled])
    enrolments = {e.agency_id: e for e in Enrolment.objects.filter(year=year, agency__in=agencies)}
    submissions = Submission.objects.bulk_create(
        [Submission(enrolment=enrolments[a.pk], state=SubmissionState.APPROVED,
                    approval_round=1, submitted_at=now, approved_at=now) for a in agencies])
    Answer.objects.bulk_create(
        [Answer(submission=s, item_code=code, publishes=True, state=ItemState.AWAITING_REVIEW,
                explanation="หัวข้อ ITA ในเมนูหลัก") for s in submissions for code in codes],
        batch_size=5000)
    by_submission: dict[int, list[int]] = {}
    for answer_id, submission_id in Answer.objects.filter(
            submission__in=submissions).order_by("pk").values_list("pk", "submission_id"):
        by_submission.setdefault(submission_id, []).append(answer_id)
    return {n: by_submission[s.pk] for n, s in enumerate(submissions, start=1)}


def jobs_for(urls: list[tuple[int, str]], answers_by_host: dict[int, list[int]], prefix: str
             ) -> list[tuple[int, str, str]]:
    """(answer id, URL, job key) as ``services.approve`` makes them (item k of agency n)."""
    from openita.disclosure.services import url_key

    jobs = []
    for n, url in urls:
        item = int(url.split("?")[0].rsplit("/o", 1)[1].split("-")[0])
        answer_id = answers_by_host[n][item - 1]
        jobs.append((answer_id, url, f"{prefix}:{n}:1:{answer_id}:{url_key(url)}"))
    return jobs


def wait_until(count: Any, expected: int, timeout: float) -> int:
    """Poll ``count()`` until it reaches ``expected`` or the time is up; the last count."""
    deadline = time.monotonic() + timeout
    found = 0
    while time.monotonic() < deadline:
        found = count()
        if found >= expected:
            break
        time.sleep(0.25)
    return found


def warm_up(args: argparse.Namespace, answers_by_host: dict[int, list[int]], port: int,
            threads: int) -> None:
    """A capture per worker thread, HTML and PDF (imports, parsers, connections)."""
    from openita.disclosure import tasks
    from openita.disclosure.models import Capture

    count = max(threads, 4)
    urls = [(n % args.hosts + 1, f"http://agency{n % args.hosts + 1}.bench.test:{port}"
             f"/ita/o1-warm{n}.{'pdf' if n % 2 else 'html'}") for n in range(count)]
    begun = time.perf_counter()
    tasks.enqueue_captures(jobs_for(urls, answers_by_host, "warm"), purpose=tasks.CHECK)
    found = wait_until(Capture.objects.filter(job_key__startswith="warm:").count, count,
                       args.timeout)
    if found < count:
        raise SystemExit(f"warm-up: only {found} of {count} captures within {args.timeout:g} s "
                         f"(see the worker logs)")
    print(f"worker ready; warm-up of {count} captures took {time.perf_counter() - begun:.1f} s")


def timings(broker: Any, task: str) -> list[tuple[str, float, float, str]]:
    from oit_settings import TIMINGS_KEY

    rows = [line.decode().split("\t") for line in broker.lrange(TIMINGS_KEY, 0, -1)]
    return [(key, float(start), float(end), state) for name, key, start, end, state in rows
            if name == task]


def files_size(root: Path) -> int:
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) if root.exists() else 0


def capture_phase(args: argparse.Namespace, order: str, urls: list[tuple[int, str]],
                  answers_by_host: dict[int, list[int]], server: PageServer,
                  broker: Any) -> dict[str, Any]:
    from django.conf import settings
    from django.db.models import Count, Sum

    from openita.disclosure import tasks
    from openita.disclosure.models import Capture, CaptureSnapshot

    prefix = f"submission:{order}"
    # The same pages in every phase, but new bodies: no copy is already in the store.
    jobs = jobs_for([(n, f"{url}?v={order}") for n, url in urls], answers_by_host, prefix)
    server.reset()
    evidence = Path(settings.MEDIA_ROOT) / "evidence"
    copies_before = files_size(evidence) - files_size(evidence / "snapshots")
    captures = Capture.objects.filter(job_key__startswith=prefix + ":")
    t0 = time.time()
    tasks.enqueue_captures(jobs, purpose=tasks.SUBMISSION)
    enqueued = time.time() - t0
    found = wait_until(captures.count, len(jobs), args.timeout)
    t_seen = time.time()
    time.sleep(0.5)  # the last timings are written just after the last row
    runs = [r for r in timings(broker, "capture") if r[0].startswith(prefix + ":")]
    done = [r for r in runs if r[3] == "SUCCESS"]
    end = max([r[2] for r in done] or [t_seen])
    wall = end - t0
    task_ms = [(r[2] - r[1]) * 1000 for r in done]
    latency_ms = [(r[2] - t0) * 1000 for r in done]
    fetch_ms = list(captures.values_list("elapsed_ms", flat=True))
    totals = captures.aggregate(bytes=Sum("size"), n=Count("pk"))
    problems = dict(captures.exclude(problem="").values_list("problem").annotate(n=Count("pk")))
    kinds = dict(captures.values_list("kind").annotate(n=Count("pk")))
    copies = files_size(evidence) - files_size(evidence / "snapshots") - copies_before
    stats = server.stats()
    rate = found / wall * 60
    per_host = max(stats["peak"].values() or [0])
    at_limit = sum(1 for v in stats["peak"].values() if v >= settings.OPENITA_FETCH_PER_HOST)
    print(f"\nopenita, {order} order: {found}/{len(jobs)} captured in {wall:.1f} s "
          f"(enqueue {enqueued:.2f} s): {rate:.0f} URLs/min")
    print(f"  task run per capture  p50 {pct(task_ms, 50):7.0f} ms  p95 "
          f"{pct(task_ms, 95):7.0f} ms  max {max(task_ms or [0]):7.0f} ms")
    print(f"  fetch (elapsed_ms)    p50 {pct(fetch_ms, 50):7.0f} ms  p95 "
          f"{pct(fetch_ms, 95):7.0f} ms  (slot wait + server delay + transfer)")
    print(f"  enqueue to stored     p50 {pct(latency_ms, 50) / 1000:7.1f} s   p95 "
          f"{pct(latency_ms, 95) / 1000:7.1f} s")
    print(f"  task runs {len(runs)} for {len(done)} captures: {len(runs) - len(done)} retried "
          f"(host busy or transient)")
    print(f"  max concurrent requests per host {per_host} (limit "
          f"{settings.OPENITA_FETCH_PER_HOST}; {at_limit} of {len(stats['peak'])} hosts reached "
          f"it); all hosts at once {stats['total_peak']}; server saw {stats['requests']} "
          f"requests")
    print(f"  stored: {totals['bytes'] or 0:,} bytes fetched in {totals['n']} captures, "
          f"{copies:,} bytes of evidence copies; kinds {kinds}; problems {problems or 'none'}")
    if per_host > settings.OPENITA_FETCH_PER_HOST:
        print("  !! the per-host limit was exceeded")
    if args.snapshots == "inline":
        from openita.disclosure.models import CaptureSnapshot

        waiting = Capture.objects.exclude(stored_name="").filter(
            kind__in=["html", "pdf"], snapshot__isnull=True).count()
        print(f"  snapshots still to draw when the last capture was stored: {waiting} "
              f"(the next captures queue behind them); drawn so far "
              f"{CaptureSnapshot.objects.count()}")
    return {"rate": rate, "wall": wall}


def report_snapshots(snaps: list[tuple[str, float, float, str]]) -> None:
    from django.db.models import Count

    from openita.disclosure.models import Capture, CaptureSnapshot

    kind = dict(Capture.objects.filter(pk__in=[int(r[0]) for r in snaps]).values_list(
        "pk", "kind"))
    for label in ("html", "pdf"):
        ms = [(r[2] - r[1]) * 1000 for r in snaps if kind.get(int(r[0])) == label]
        if ms:
            print(f"  snapshot task run, {label:<4} p50 {pct(ms, 50):7.0f} ms  p95 "
                  f"{pct(ms, 95):7.0f} ms  ({len(ms)} drawn)")
    notes = dict(CaptureSnapshot.objects.filter(capture__in=kind).exclude(note="").values_list(
        "note").annotate(n=Count("pk"))) if kind else {}
    print(f"  snapshots without a picture: {notes or 'none'}")


def cpu_phase(args: argparse.Namespace, answers_by_host: dict[int, list[int]], port: int,
              count: int = 60) -> None:
    """The same task, one capture at a time in this process (no worker, no other thread):
    the CPU each part of a capture costs."""
    from openita.disclosure import capture, fetcher, reading, tasks

    urls = bench_urls(args.hosts, count, port)
    jobs = jobs_for([(n, f"{url}?v=cpu") for n, url in urls], answers_by_host, "cpu")
    spent = {"fetch": 0.0, "read": 0.0, "store": 0.0}
    originals = fetcher.fetch, reading.read, capture.store

    def timed(name: str, function: Any) -> Any:
        def run(*a: Any, **k: Any) -> Any:
            begun = time.process_time()
            try:
                return function(*a, **k)
            finally:
                spent[name] += time.process_time() - begun
        return run

    fetcher.fetch, reading.read, capture.store = (
        timed("fetch", originals[0]), timed("read", originals[1]), timed("store", originals[2]))
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        for answer_id, url, job_key in jobs:
            tasks.capture_url.run(answer_id=answer_id, url=url, purpose=tasks.SUBMISSION,
                                  job_key=job_key)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        fetcher.fetch, reading.read, capture.store = originals
    each = {k: v / len(jobs) * 1000 for k, v in spent.items()}
    total = cpu / len(jobs) * 1000
    print(f"\nin-process, one capture at a time ({len(jobs)} URLs): CPU {total:.1f} ms per "
          f"capture: fetch {each['fetch']:.1f}, reading (HTML/PDF text) {each['read']:.1f}, "
          f"storing {each['store'] - each['read']:.1f}, the rest "
          f"{total - each['fetch'] - each['store']:.1f}; wall "
          f"{wall / len(jobs) * 1000:.0f} ms each (the server's delay included)")


def inline_snapshots(args: argparse.Namespace, broker: Any, t0: float) -> None:
    """Wait (bounded) for the snapshots still queued behind the captures."""
    from openita.disclosure.models import Capture, CaptureSnapshot

    kept = Capture.objects.exclude(stored_name="").filter(kind__in=["html", "pdf"])
    expected = kept.count()
    made = wait_until(CaptureSnapshot.objects.filter(capture__in=kept).count, expected,
                      args.timeout)
    time.sleep(0.5)
    snaps = [r for r in timings(broker, "snapshot") if r[3] == "SUCCESS"]
    print(f"\nsnapshots on the same queue: {made}/{expected} drawn, the last "
          f"{time.time() - t0:.1f} s after the last capture")
    report_snapshots(snaps)


def snapshot_sample(args: argparse.Namespace, broker: Any, drawer: subprocess.Popen) -> None:
    """Time the first ``--snapshot-sample`` of the parked snapshot tasks, then stop."""
    from oit_settings import TIMINGS_KEY

    from openita.disclosure.models import CaptureSnapshot

    waiting = broker.llen(HELD)
    broker.delete(TIMINGS_KEY)
    before = CaptureSnapshot.objects.count()
    t0 = time.time()
    wait_until(lambda: CaptureSnapshot.objects.count() - before, args.snapshot_sample,
               args.timeout)
    time.sleep(0.5)  # the last timings are written just after the last row
    snaps = [r for r in timings(broker, "snapshot") if r[3] == "SUCCESS"]
    stop_worker(drawer, warm=False)  # the rest are not needed
    if not snaps:
        print(f"\nsnapshots: none drawn within {args.timeout:g} s (see snapshots.log)")
        return
    ends = sorted(r[2] for r in snaps)
    # Steady rate: from the first picture done to the last (the first ones pay the imports).
    rate = (len(ends) - 1) / max(ends[-1] - ends[0], 1e-9) * 60 if len(ends) > 1 else 0.0
    print(f"\nsnapshots ({waiting} parked during the captures; a worker of "
          f"{args.concurrency} threads on their queue): {len(snaps)} drawn in "
          f"{ends[-1] - t0:.1f} s, {rate:.0f} per minute once started; the parked ones would "
          f"take {waiting / max(rate, 1e-9):.0f} min")
    report_snapshots(snaps)


def ceiling_phase(args: argparse.Namespace, urls: list[tuple[int, str]], server: PageServer,
                  threads: int) -> float:
    """The same URLs through a plain httpx client and a thread pool: no checks, no limit."""
    import httpx

    server.reset()
    timings: list[float] = []
    sizes: list[int] = []
    errors = 0
    ordered = interleave(urls)
    limits = httpx.Limits(max_connections=threads, max_keepalive_connections=threads)
    with httpx.Client(limits=limits, timeout=30, trust_env=False) as client:
        def get(url: str) -> None:
            nonlocal errors
            parsed = httpx.URL(url)
            direct = parsed.copy_with(host="127.0.0.1")  # what the static mapping does
            t = time.perf_counter()
            try:
                response = client.get(direct, headers={"Host": parsed.netloc.decode()})
                sizes.append(len(response.content))
            except httpx.HTTPError:
                errors += 1
                return
            timings.append((time.perf_counter() - t) * 1000)

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(get, [u for _, u in ordered], timeout=args.timeout))
        wall = time.perf_counter() - t0
    stats = server.stats()
    rate = len(timings) / wall * 60
    print(f"\nceiling: plain httpx.Client, {threads} threads, no checks/limit/storage: "
          f"{len(timings)}/{len(urls)} in {wall:.1f} s: {rate:.0f} URLs/min; errors {errors}")
    print(f"  per request p50 {pct(timings, 50):7.0f} ms  p95 {pct(timings, 95):7.0f} ms; "
          f"{sum(sizes):,} bytes; max concurrent per host "
          f"{max(stats['peak'].values() or [0])}; all hosts at once {stats['total_peak']}")
    print(f"  (median of the per-request times {statistics.median(timings or [0]):.0f} ms)")
    return rate


if __name__ == "__main__":
    main()
