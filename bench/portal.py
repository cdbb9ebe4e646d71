"""Benchmark: the public portal and the open-data API on announcement day, through the
production app server, with 32 concurrent clients.

Run:  .venv/bin/python bench/portal.py [--clients 32] [--seconds 15]
          [--database-url URL --reuse] [--workers 2] [--threads 4]

Builds the demo country of 8,400 agencies (``demo.generate``: last year computed by
openita and published) in a fresh PostgreSQL database, unless ``--reuse`` points at one a
benchmark built before (bench/recompute.py --keep leaves one). Starts gunicorn as
``openita serve`` does (production settings behind a simulated TLS-ending proxy, Redis as
the cache, as in production) and drives, case by case, N clients on kept-alive
connections for the given time: the home page, a province page, an agency page and the
API's result of one agency, each client picking among all provinces and 500 agencies, so
the caches hold what real traffic spread over the country would put in them. Before each
case every page of it is asked once (the first visitor after publication fills the cache).

The floor, in the same run and server: a bare WSGI app (bench/floor_portal_app.py) that
answers every request with the bytes of the home page, without Django — what the server
and the driver cost alone. Prints requests/s, p50, p95 and p99 latency, and errors.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import random
import secrets
import shutil
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from submit import PROXIED, free_port, measured, start_server  # noqa: E402

PG = "postgres://postgres@127.0.0.1:5432"
TARGET_P95_MS = 50.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)  # nearest rank
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def build(url: str) -> None:
    from openita.site import demo

    started = time.perf_counter()
    result = demo.generate(8400, 2569)
    print(f"demo-data --agencies 8400: {time.perf_counter() - started:.1f} s "
          f"({result.agencies} agencies)")


def paths(rng: random.Random) -> dict[str, list[str]]:
    """The pages each case picks from."""
    from openita.agencies.models import Province
    from openita.results import portal

    year = portal.published_years()[0]
    codes = list(portal.published_results(year).values_list("agency__code", flat=True))
    agencies = rng.sample(codes, min(500, len(codes)))
    provinces = list(Province.objects.values_list("code", flat=True))
    fy = year.fiscal_year
    return {
        "home page": ["/ita/"],
        "province page": [f"/ita/{fy}/province/{code}/" for code in provinces],
        "agency page": [f"/ita/agency/{code}/" for code in agencies],
        "API: one agency's result": [f"/api/v1/years/{fy}/results/{code}"
                                     for code in agencies],
    }


def drive(port: int, choices: list[str], seconds: float, clients: int
          ) -> tuple[int, int, list[float], float]:
    """N threads, each on a kept-alive connection, GETting until time is up."""
    latencies: list[float] = []
    counts = [0, 0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    headers = {"Host": "127.0.0.1", **PROXIED, "Accept-Language": "th"}

    def client(index: int) -> None:
        rng = random.Random(index)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, ok, bad = [], 0, 0
        while time.perf_counter() < deadline:
            path = rng.choice(choices)
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                answer = connection.getresponse()
                answer.read()
            except (OSError, http.client.HTTPException):
                bad += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
            if answer.status == 200:
                ok += 1
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            counts[0] += ok
            counts[1] += bad

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    begun = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts[0], counts[1], latencies, time.perf_counter() - begun


def warm(port: int, choices: list[str]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for path in choices:
        connection.request("GET", path, headers={"Host": "127.0.0.1", **PROXIED})
        answer = connection.getresponse()
        answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{path}: {answer.status}")
    connection.close()


def report(label: str, result: tuple[int, int, list[float], float], cpu: dict) -> float:
    ok, errors, latencies, elapsed = result
    p95 = pct(latencies, 95) * 1000
    over = "  over" if p95 > TARGET_P95_MS and not label.startswith("floor") else ""
    print(f"  {label:26} {ok / elapsed:7.0f} req/s  p50 {pct(latencies, 50) * 1000:6.1f}  "
          f"p95 {p95:6.1f}  p99 {pct(latencies, 99) * 1000:6.1f} ms  errors {errors}  "
          f"cpu app {cpu['app']:.1f} s, db {cpu['postgres']:.1f} s, "
          f"cache {cpu['redis-server']:.1f} s, driver {cpu['driver']:.1f} s{over}")
    return p95


def main() -> None:
    from openita.site.management.commands.serve import THREADS, WORKERS

    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    args = parser.parse_args()
    made = "" if args.database_url else f"openita_bench_portal_{os.getpid()}"
    url = args.database_url or f"{PG}/{made}"
    if made:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{made}"')
    data_dir = f"/tmp/openita-bench-portal-{os.getpid()}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "openita.settings", "DATABASE_URL": url,
           "SECRET_KEY": secrets.token_urlsafe(40), "ALLOWED_HOSTS": "127.0.0.1",
           "OPENITA_DATA_DIR": data_dir, "REDIS_URL": args.redis_url,
           "OPENITA_ENV": "production", "OPENITA_TRUSTED_PROXIES": "127.0.0.1",
           "OPENITA_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO=https"}
    os.environ.update(env)
    try:
        run(args, url, env)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if made:
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)')


def run(args: argparse.Namespace, url: str, env: dict) -> None:
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    from openita.agencies.models import Agency

    call_command("migrate", verbosity=0)
    if not (args.reuse and Agency.objects.exists()):
        build(url)
    redis.Redis.from_url(args.redis_url).flushdb()
    cases = paths(random.Random(2569))
    print(f"app server: gunicorn --preload, {args.workers} workers × {args.threads} threads; "
          f"{args.clients} clients, {args.seconds:.0f} s per case; load average "
          f"{os.getloadavg()[0]:.1f} (2 cores)")
    port = free_port()
    server = start_server("openita.site.wsgi:application", port, args.workers,
                          args.threads, env)
    figures = {}
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/ita/", headers={"Host": "127.0.0.1", **PROXIED})
        body = connection.getresponse().read()
        connection.close()
        for label, choices in cases.items():
            warm(port, choices)
            result, cpu = measured(server, lambda c=choices: drive(port, c, args.seconds,
                                                                    args.clients))
            figures[label] = report(label, result, cpu)
    finally:
        server.terminate()
        server.wait(timeout=30)
    floor_env = {**env, "BENCH_BODY_FILE": f"{env['OPENITA_DATA_DIR']}/home.html"}
    Path(floor_env["BENCH_BODY_FILE"]).parent.mkdir(parents=True, exist_ok=True)
    Path(floor_env["BENCH_BODY_FILE"]).write_bytes(body)
    port = free_port()
    server = start_server("floor_portal_app:application", port, args.workers, args.threads,
                          floor_env)
    try:
        result, cpu = measured(server, lambda: drive(port, ["/ita/"], args.seconds,
                                                     args.clients))
        report("floor (bare WSGI, same body)", result, cpu)
    finally:
        server.terminate()
        server.wait(timeout=30)
    worst = max(figures.values())
    print(f"target: p95 under {TARGET_P95_MS:.0f} ms on every case: "
          f"{'met' if worst < TARGET_P95_MS else 'NOT met'} (worst {worst:.1f} ms)")


if __name__ == "__main__":
    main()
