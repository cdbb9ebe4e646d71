"""Benchmark: concurrent IIT submissions on PostgreSQL with the production app server,
against the required work without a web framework (the floor) and a bare one-INSERT WSGI
endpoint (the ceiling), on the same database, server and driver, in one run.

Run:  .venv/bin/python bench/submit.py [--respondents 64] [--seconds 20] [--rounds 3]
      [--workers 2] [--threads 4]  (the defaults of ``openita serve``)

It creates a throw-away PostgreSQL database, migrates it, enrols one agency with the
FY2564 framework and an open IIT window, and starts gunicorn for each app in turn with the
arguments ``openita serve`` uses. openita runs with production settings behind a
(simulated) TLS-terminating proxy: every request says X-Forwarded-Proto https, carries
its Origin and an X-Forwarded-For of its own respondent, and passes the whole middleware
chain to the review view (``POST /go/iit/<code>/review/``, the step that stores the
response). N concurrent respondents each submit complete IIT responses (51 answers) for
the given time. It prints submissions per second, p50 and p99 latency, CPU per request of
each process, the ratios, and acknowledged vs stored rows (they must be equal).
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
# What nginx adds in front of every request: the scheme it received, and (as a browser
# sends it) the page's origin, which Django's CSRF check compares on https.
PROXIED = {"X-Forwarded-Proto": "https", "Origin": "https://127.0.0.1"}
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
    """gunicorn as ``openita serve`` starts it (the app loaded once, before the workers;
    the access log, which the driver throws away, written as in production)."""
    from openita.site.management.commands.serve import gunicorn_argv

    argv = [*gunicorn_argv(app, f"127.0.0.1:{port}", workers, threads), "--backlog", "2048"]
    server = subprocess.Popen(
        argv, cwd=ROOT / ("bench" if app.startswith(("ceiling", "floor")) else "."), env=env,
        stdout=subprocess.DEVNULL)
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


def report(label: str, result, cpu: dict) -> tuple[float, float]:
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
    return rate, p99


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--respondents", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    from openita.site.management.commands.serve import THREADS, WORKERS

    parser.add_argument("--workers", type=int, default=WORKERS)  # as openita serve
    parser.add_argument("--threads", type=int, default=THREADS)
    args = parser.parse_args()
    database = f"openita_bench_{os.getpid()}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "openita.settings",
           "DATABASE_URL": f"{PG}/{database}", "SECRET_KEY": secrets.token_urlsafe(40),
           "ALLOWED_HOSTS": "127.0.0.1", "OPENITA_DATA_DIR": f"/tmp/{database}",
           "BENCH_CEILING_DSN": f"{PG}/{database}",
           # Production settings, as on an app server behind nginx that ends TLS.
           "OPENITA_ENV": "production", "OPENITA_TRUSTED_PROXIES": "127.0.0.1",
           "OPENITA_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO=https"}
    if os.environ.get("REDIS_URL") is None:
        env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    code, keys, enrolment_id = prepare(database)
    rng = random.Random(2568)
    csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret
    body = urlencode({"csrfmiddlewaretoken": csrf})
    import psycopg

    from openita.surveys.models import Response

    with psycopg.connect(env["BENCH_CEILING_DSN"], autocommit=True) as connection:
        connection.execute("CREATE TABLE bench_ceiling (id bigserial primary key, "
                           "payload text not null)")
    print(f"database: PostgreSQL; app server: gunicorn --preload, {args.workers} workers "
          f"× {args.threads} threads; {args.respondents} concurrent respondents; "
          f"{args.seconds:.0f} s per app and round, {args.rounds} rounds (the apps take turns, "
          f"so a slow spell of the machine hits each of them)")
    rows: dict[str, list[tuple[float, float]]] = {"openita": [], "floor": [], "ceiling": []}
    ratios = []
    for round_ in range(1, args.rounds + 1):
        # Every POST is a new respondent with its own submission key. The cookies are signed
        # before the clock starts, so the driver does no more work per request for openita
        # than for the others (they share the machine's cores with the servers).
        pool = [cookie_for(code, keys, rng) for _ in range(int(args.seconds * 2500))]
        counter = iter(range(10**12))

        def ours(index: int, pool=pool, counter=counter):
            cookie = pool[next(counter) % len(pool)]
            return ({"Content-Type": "application/x-www-form-urlencoded",
                     "Cookie": f"{cookie}; csrftoken={csrf}", "Host": "127.0.0.1",
                     **PROXIED, "X-Forwarded-For": f"10.{index // 250}.{index % 250}.7"}, body)

        def warm_up(index: int):  # every worker answers a few pages before the clock starts
            return {"Host": "127.0.0.1", **PROXIED}, None

        print(f"round {round_}")
        before = Response.objects.count()
        result, cpu = serve_and_drive("openita.site.wsgi:application", f"/go/iit/{code}/",
                                      warm_up, f"/go/iit/{code}/review/", ours, args, env)
        stored = Response.objects.count() - before
        rows["openita"].append(report("openita", result, cpu))
        print(f"          acknowledged {result[0]} vs stored {stored}: "
              f"lost {result[0] - stored}")

        # The floor: the same cookies, the required work, no web framework (floor_app.py).
        floor_env = {**env, "BENCH_CODE": code, "BENCH_ENROLMENT": str(enrolment_id),
                     "BENCH_ROUND": str(round_)}
        counter = iter(range(10**12))
        result, cpu = serve_and_drive(
            "floor_app:application", f"/go/iit/{code}/review/",
            lambda i, counter=counter: ours(i, counter=counter),
            f"/go/iit/{code}/review/", lambda i, counter=counter: ours(i, counter=counter),
            args, floor_env)
        rows["floor"].append(report("floor", result, cpu))

        answers = urlencode(signing_answers(pool[0]))

        def ceiling(index: int, answers=answers):
            return ({"Content-Type": "application/x-www-form-urlencoded"}, answers)

        result, cpu = serve_and_drive("ceiling_app:application", "/", ceiling, "/", ceiling,
                                      args, env)
        rows["ceiling"].append(report("ceiling", result, cpu))
        ratios.append(rows["openita"][-1][0] / rows["floor"][-1][0])
        print(f"          ratio ours/floor: {ratios[-1]:.2f}   ours/ceiling: "
              f"{rows['openita'][-1][0] / rows['ceiling'][-1][0]:.2f}")
    print("median of the rounds:")
    for name, figures in rows.items():
        print(f"  {name:<9} {statistics.median(r for r, _p in figures):8.1f} submissions/s  "
              f"p99 {statistics.median(p for _r, p in figures):6.1f} ms")
    print(f"  ratio ours/floor: median {statistics.median(ratios):.2f}, lowest "
          f"{min(ratios):.2f} (target >= 0.6)")
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
