"""Benchmark: concurrent IIT submissions on PostgreSQL with the production app server,
against a bare one-INSERT WSGI endpoint on the same database (the ceiling).

Run:  .venv/bin/python bench/submit.py [--respondents 64] [--seconds 30] [--workers 4]

It creates a throw-away PostgreSQL database, migrates it, enrols one agency with the
FY2564 framework and an open IIT window, starts gunicorn for openita and for the ceiling
app in turn, and drives N concurrent respondents that each submit complete IIT responses
(51 answers) through the real respondent page (`POST /go/iit/<code>/review/`, the step
that stores the response) for the given time. It prints submissions per second, p50 and
p99 latency, the ratio ours/ceiling, and acknowledged vs stored rows (they must be equal).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(database: str) -> tuple[str, list, int]:
    """Create the database, migrate, enrol an agency; return its survey code, the answer
    keys and the enrolment's id."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from openita.agencies.models import Agency, AgencyKind, Province
    from openita.calendars.models import (
        PHASE_ORDER,
        AssessmentYear,
        Enrolment,
        EnrolmentState,
        PhaseWindow,
        YearStatus,
    )
    from openita.core.audit import SystemActor
    from openita.frameworks import loader
    from openita.frameworks import services as frameworks
    from openita.surveys.services import link_for

    version = frameworks.load_shipped("ita-2564", acting_user=SystemActor("bench"))
    year = AssessmentYear.objects.create(fiscal_year=2570, status=YearStatus.OPEN,
                                         framework=version, iit_requires_access_code=False)
    import datetime as dt

    today = dt.date.today()
    PhaseWindow.objects.bulk_create(
        PhaseWindow(year=year, phase=p, opens_on=today - dt.timedelta(days=5),
                    closes_on=today + dt.timedelta(days=30)) for p in PHASE_ORDER)
    province = Province.objects.create(code="TH-50", name_th="เชียงใหม่", name_en="Chiang Mai",
                                       region="north")
    agency = Agency.objects.create(code="SAO-BENCH", name_th="องค์การบริหารส่วนตำบลทดสอบ",
                                   kind=AgencyKind.SAO, size_class="M", province=province)
    enrolment = Enrolment.objects.create(agency=agency, year=year, headcount=400,
                                         state=EnrolmentState.HEADCOUNT_APPROVED)
    framework = loader.get("ita-2564")
    iit = {i.number for i in framework.indicators_of("IIT")}
    keys = [(k, q.scale) for q in framework.questions if q.indicator in iit for k, _p in q.cells]
    return link_for(enrolment).code, keys, enrolment.pk


def cookie_for(code: str, keys: list[tuple[str, str]], rng: random.Random) -> str:
    """A respondent's signed progress cookie with every answer given and a fresh key."""
    from openita.surveys import respondent

    progress = respondent.Progress(eligible=True, started=int(time.time()) - 600)
    progress.answers = {k: (rng.randint(1, 4) if scale == "L4" else rng.choice(["yes", "no"]))
                        for k, scale in keys}
    from django.core import signing

    value = signing.dumps(progress.dump(), salt=respondent._salt("IIT", code), compress=True)
    return f"{respondent.cookie_name('IIT', code)}={value}"


def start_server(app: str, port: int, workers: int, threads: int, env: dict
                 ) -> subprocess.Popen:
    """gunicorn as ``openita serve`` starts it (the app loaded once, before the workers)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", "--workers",
         str(workers), "--threads", str(threads), "--preload", "--log-level", "warning",
         "--backlog", "2048"],
        cwd=ROOT / ("bench" if app.startswith(("ceiling", "floor")) else "."), env=env)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"{app} did not start")


def service_cpu(names=("postgres", "redis-server")) -> dict[str, float]:
    """CPU seconds used so far by the database and cache processes (from /proc)."""
    used = dict.fromkeys(names, 0.0)
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        if name in used:
            # the server's own time, and that of its ended children (finished backends)
            used[name] += sum(int(v) for v in fields[11:15]) / tick
    return used


def tree_cpu(root: int) -> float:
    """CPU seconds used so far by a process and its children (the app server's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    used, parents = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    return sum(seconds for pid, seconds in used.items()
               if pid == root or parents.get(pid) == root)


def measured(server: subprocess.Popen, run):
    """Run ``run()`` and return its result with the CPU seconds it cost the app server, the
    database, the cache and the driver itself."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    app, services = tree_cpu(server.pid), service_cpu()
    result = run()
    mine = resource.getrusage(resource.RUSAGE_SELF)
    app_after, services_after = tree_cpu(server.pid), service_cpu()
    cpu = {"app": app_after - app,
           "driver": mine.ru_utime + mine.ru_stime - me.ru_utime - me.ru_stime,
           **{k: services_after[k] - services[k] for k in services}}
    return result, cpu


def drive(port: int, path: str, bodies, seconds: float, respondents: int,
          method: str = "POST"):
    """N threads, each with a kept-alive connection, POSTing until time is up."""
    latencies: list[float] = []
    acknowledged = [0]
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def respondent_loop(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, ok, bad = [], 0, 0
        while time.perf_counter() < deadline:
            headers, body = bodies(index)
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
            except (OSError, http.client.HTTPException):
                bad += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
            if answer.status == 302 and answer.getheader("Location", "").endswith("/thanks/"):
                ok += 1
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            acknowledged[0] += ok
            errors[0] += bad

    threads = [threading.Thread(target=respondent_loop, args=(i,)) for i in range(respondents)]
    begun = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - begun
    return acknowledged[0], errors[0], latencies, elapsed


def report(label: str, result, cpu: dict) -> float:
    acknowledged, errors, latencies, elapsed = result
    rate = acknowledged / elapsed
    ordered = sorted(latencies) or [0.0]
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(f"{label:<9} {rate:8.1f} submissions/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
          f"acknowledged {acknowledged}  errors {errors}")
    requests = max(1, acknowledged + errors)
    print(" " * 10 + "CPU per request: " + "  ".join(
        f"{name} {seconds / requests * 1000:.3f} ms" for name, seconds in cpu.items()))
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--respondents", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    database = f"openita_bench_{os.getpid()}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "openita.settings",
           "DATABASE_URL": f"{PG}/{database}", "SECRET_KEY": secrets.token_urlsafe(40),
           "ALLOWED_HOSTS": "127.0.0.1", "OPENITA_DATA_DIR": f"/tmp/{database}",
           "BENCH_CEILING_DSN": f"{PG}/{database}"}
    if os.environ.get("REDIS_URL") is None:
        env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    code, keys, enrolment_id = prepare(database)
    rng = random.Random(2568)
    csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret
    body = urlencode({"csrfmiddlewaretoken": csrf})
    # Every POST is a new respondent with its own submission key. The cookies are signed
    # before the clock starts, so the driver does no more work per request for openita than
    # for the ceiling (they share the machine's cores with the servers).
    pool = [cookie_for(code, keys, rng) for _ in range(int(args.seconds * 4000))]
    counter = iter(range(10**12))

    def ours(index: int):
        cookie = pool[next(counter) % len(pool)]
        return ({"Content-Type": "application/x-www-form-urlencoded",
                 "Cookie": f"{cookie}; csrftoken={csrf}", "Host": "127.0.0.1"}, body)

    from openita.surveys.models import Response

    def warm_up(index: int):  # every worker answers a few pages before the clock starts
        return {"Host": "127.0.0.1"}, None

    result, cpu = serve_and_drive("openita.site.wsgi:application", f"/go/iit/{code}/", warm_up,
                                  f"/go/iit/{code}/review/", ours, args, env)
    stored = Response.objects.count()
    print(f"database: PostgreSQL; app server: gunicorn --preload, {args.workers} workers "
          f"× {args.threads} threads; "
          f"{args.respondents} concurrent respondents; {args.seconds:.0f} s each")
    our_rate = report("openita", result, cpu)
    print(f"          acknowledged {result[0]} vs stored {stored}: lost {result[0] - stored}")

    import psycopg

    with psycopg.connect(env["BENCH_CEILING_DSN"], autocommit=True) as connection:
        connection.execute("CREATE TABLE bench_ceiling (id bigserial primary key, "
                           "payload text not null)")
    answers = urlencode(signing_answers(pool[0]))

    # The floor: the same cookies, the required work, no web framework (bench/floor_app.py).
    counter = iter(range(10**12))
    floor_env = {**env, "BENCH_CODE": code, "BENCH_ENROLMENT": str(enrolment_id)}
    result, cpu = serve_and_drive("floor_app:application", f"/go/iit/{code}/review/", ours,
                                  f"/go/iit/{code}/review/", ours, args, floor_env)
    floor_rate = report("floor", result, cpu)

    def ceiling(index: int):
        return ({"Content-Type": "application/x-www-form-urlencoded"}, answers)

    result, cpu = serve_and_drive("ceiling_app:application", "/", ceiling, "/", ceiling,
                                  args, env)
    ceiling_rate = report("ceiling", result, cpu)
    print(f"ratio ours/ceiling: {our_rate / ceiling_rate:.2f}   "
          f"floor/ceiling: {floor_rate / ceiling_rate:.2f}   ours/floor: "
          f"{our_rate / floor_rate:.2f}")
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        from django.db import connections

        connections.close_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def serve_and_drive(app: str, warm_path: str, warm, path: str, bodies, args, env: dict):
    """Start the server, warm every worker up for two seconds, then drive and measure."""
    port = free_port()
    server = start_server(app, port, args.workers, args.threads, env)
    try:
        drive(port, warm_path, warm, 2, args.respondents, method="GET")
        return measured(server, lambda: drive(port, path, bodies, args.seconds,
                                              args.respondents))
    finally:
        server.terminate()
        server.wait()


def signing_answers(cookie: str) -> dict:
    from django.core import signing

    from openita.surveys import respondent

    name, value = cookie.split("=", 1)
    code = name.rsplit("_", 1)[1]
    return signing.loads(value, salt=respondent._salt("IIT", code))["a"]


if __name__ == "__main__":
    main()
