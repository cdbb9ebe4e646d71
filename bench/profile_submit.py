"""Where the CPU of one survey submission goes, through the production WSGI application.

Run:  .venv/bin/python bench/profile_submit.py [--requests 3000]

It prepares a throw-away PostgreSQL database as bench/submit.py does, then sends N
finished IIT surveys (``POST /go/iit/<code>/review/``) straight into
``openita.site.wsgi.application`` in this process, with the production settings and
headers of submit.py (no network, no app server), first to measure the CPU per request,
then under cProfile to attribute it. It prints the cumulative CPU per request of the
whole request and of the parts of the view, and what the middleware chain costs around it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "src"))

# (label, function name, file fragment): cumulative CPU of these, per request.
PARTS = [
    ("whole request (WSGI handler)", "__call__", "django/core/handlers/wsgi.py"),
    ("  the review view", "wrapper", "openita/surveys/views.py"),
    ("    survey facts (cached link, windows)", "open_survey", "openita/surveys/services.py"),
    ("    progress cookie: verify, unpack", "read", "openita/surveys/respondent.py"),
    ("    every page answered?", "first_unanswered_page", "openita/surveys/respondent.py"),
    ("    store: services.submit", "submit", "openita/surveys/services.py"),
    ("      check 51 answers (scoring engine)", "check_response", "openita/scoring/engine.py"),
    ("      quality signals (one Redis round trip)", "measure", "openita/surveys/quality.py"),
    ("      the INSERT (ORM, one statement)", "_insert_once", "openita/surveys/services.py"),
    ("    redirect, cookie deleted", "forget", "openita/surveys/respondent.py"),
    ("  CSRF check", "process_view", "django/middleware/csrf.py"),
    ("  sessions (read nothing, write nothing)", "process_response",
     "django/contrib/sessions/middleware.py"),
    ("  URL resolution", "resolve", "django/urls/resolvers.py"),
    ("  database connection checks (start/end of request)", "close_old_connections",
     "django/db/__init__.py"),
]


def environ_for(code: str, cookie: str, csrf: str, body: bytes, index: int) -> dict:
    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": f"/go/iit/{code}/review/", "SCRIPT_NAME": "",
        "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https", "HTTP_ORIGIN": "https://127.0.0.1",
        "HTTP_X_FORWARDED_FOR": f"10.{index // 250 % 250}.{index % 250}.7",
        "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
        "HTTP_COOKIE": f"{cookie}; csrftoken={csrf}", "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": False,
        "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed rounds; the least CPU per request is reported, as the "
                             "one least disturbed by the rest of the machine")
    parser.add_argument("--top", type=int, default=0, help="also list the N costliest functions")
    parser.add_argument("--sort", default="tottime", help="pstats order of that list")
    args = parser.parse_args()
    import submit

    database = f"openita_profile_{os.getpid()}"
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "openita.settings", "DATABASE_URL": f"{submit.PG}/{database}",
        "SECRET_KEY": secrets.token_urlsafe(40), "ALLOWED_HOSTS": "127.0.0.1",
        "OPENITA_DATA_DIR": f"/tmp/{database}", "OPENITA_ENV": "production",
        "OPENITA_TRUSTED_PROXIES": "127.0.0.1",
        "OPENITA_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO=https",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")})
    code, keys, _enrolment = submit.prepare(database)
    from openita.site.wsgi import application
    from openita.surveys.models import Response

    rng = random.Random(2568)
    cookies = [submit.cookie_for(code, keys, rng)
               for _ in range(args.requests * (args.repeat + 1) + 200)]
    csrf = secrets.token_hex(16)
    body = urlencode({"csrfmiddlewaretoken": csrf}).encode()
    statuses: list[str] = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def run(first: int, count: int) -> None:
        for i in range(first, first + count):
            result = application(environ_for(code, cookies[i], csrf, body, i), start_response)
            b"".join(result)
            result.close()

    run(0, 200)  # warm-up: caches, connections, imports
    rounds = []
    for round_ in range(args.repeat):
        started = time.process_time()
        run(200 + round_ * args.requests, args.requests)
        rounds.append((time.process_time() - started) / args.requests * 1000)
    cpu = min(rounds)
    profiler = cProfile.Profile(time.process_time)
    profiler.runcall(run, 200 + args.repeat * args.requests, args.requests)
    assert all(s.startswith("302") for s in statuses), set(statuses)
    stored = Response.objects.count()
    print(f"{args.requests} submissions in-process, production settings, PostgreSQL + Redis: "
          f"{cpu:.3f} ms CPU each without the profiler (least of {args.repeat} rounds: "
          f"{', '.join(f'{r:.3f}' for r in rounds)}); {stored} stored")
    stats = pstats.Stats(profiler, stream=io.StringIO())
    per_request = {}
    for (filename, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        for label, function, fragment in PARTS:
            if name == function and filename.endswith(fragment):
                per_request[label] = per_request.get(label, 0) + cumulative
    whole = per_request.get(PARTS[0][0], 0) or 1
    print("cumulative CPU per request under cProfile (which slows everything about as much):")
    for label, _function, _fragment in PARTS:
        seconds = per_request.get(label, 0)
        print(f"  {label:<52} {seconds / args.requests * 1000:7.3f} ms  "
              f"{100 * seconds / whole:5.1f} %")
    if args.top:
        listing = io.StringIO()
        pstats.Stats(profiler, stream=listing).sort_stats(args.sort).print_stats(args.top)
        print(listing.getvalue())
    from django.db import connections

    connections.close_all()
    import psycopg

    with psycopg.connect(f"{submit.PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
