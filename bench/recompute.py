"""Benchmark: the national computation of a year's results on PostgreSQL.

Run:  .venv/bin/python bench/recompute.py [--agencies 8400] [--responses 1400000]
          [--database-url URL] [--keep] [--reuse]

Builds the demo country (``demo.generate``, as ``openita demo-data --agencies 8400`` does;
the open year has the ita-2569 framework) in a fresh PostgreSQL database (made here with
CREATE DATABASE and dropped at the end unless ``--keep``), then gives every registered
agency of the open year survey responses — about ``--responses`` in all, six in ten of
them IIT, each agency's count drawn around the mean, each answer the agency's best with
its own chance, else any answer of the scale — loaded with COPY, and a confirmed OIT of
26 decided items (``--agencies`` × 26 decisions). VACUUM ANALYZE, as autovacuum would.

Then times the final computation NACC starts (``computation.execute``, the function the
Celery task runs; ``--celery`` also through a worker started here with a Redis broker):
the first run, which stores every result; the same run again, which finds every input
unchanged; and a re-run for one agency. Prints the wall time and the time of each stage
(reading the answer counts and decisions, scoring, storing), with the number of SQL
queries. The floor: ``SELECT count(*)`` of the counted responses, one sequential pass over
the table that any computation of every agency must at least make.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any

ADMIN_DB = "postgres://postgres@127.0.0.1:5432/postgres"
TARGET_S = 10.0
IIT_SHARE = 0.6
POOL = 400  # distinct answer sets per instrument and level of an agency


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=8400)
    parser.add_argument("--responses", type=int, default=1_400_000)
    parser.add_argument("--seed", type=int, default=2569)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--keep", action="store_true", help="keep the database made here")
    parser.add_argument("--reuse", action="store_true",
                        help="with --database-url: use the data a previous run built there")
    parser.add_argument("--celery", action="store_true",
                        help="also time the run through a Celery worker (Redis broker)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args()
    if not 15 <= args.agencies <= 20_000 or not 0 < args.responses <= 5_000_000:
        parser.error("--agencies 15..20000, --responses 1..5000000")
    made, url = "", args.database_url
    if not url:
        import psycopg

        made = f"openita_bench_recompute_{os.getpid()}"
        with psycopg.connect(ADMIN_DB, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{made}"')
        url = f"postgres://postgres@127.0.0.1:5432/{made}"
    data_dir = tempfile.mkdtemp(prefix="openita-bench-recompute-")
    os.environ.update({
        "OPENITA_DATA_DIR": data_dir, "OPENITA_PLAIN_STATIC": "1", "DATABASE_URL": url,
        "OPENITA_ENV": "development", "REDIS_URL": args.redis_url,
        "DJANGO_SETTINGS_MODULE": "openita.settings",
    })
    try:
        run(args)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if made and not args.keep:
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(ADMIN_DB, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)')
        elif made:
            print(f"database kept: {url}")


# --- the data ------------------------------------------------------------------------------

def _cells(framework: Any, instrument: str) -> list[tuple[str, Any, list[Any]]]:
    """(cell, its best answer, every answer of its scale) of the instrument."""
    numbers = {i.number for i in framework.indicators_of(instrument)}
    cells = []
    for question in framework.questions:
        if question.indicator not in numbers:
            continue
        levels = framework.scale(question.scale).levels
        for key, polarity in question.cells:
            pick = max if polarity == "+" else min
            cells.append((key, pick(levels, key=lambda lv: lv.score).answer,
                          [lv.answer for lv in levels]))
    return cells


def _pools(framework: Any, rng: random.Random) -> dict[tuple[str, int], list[list[str]]]:
    """Per instrument and level (35..99, in steps of 4), the instrument's cells in three
    parts, each with ``POOL`` answer sets as JSON text: a response joins one of each, so
    almost no two responses are the same (400³ of them per level), as in a real year —
    the database can't reuse the work of one answer set for another."""
    pools = {}
    for instrument in ("IIT", "EIT"):
        cells = _cells(framework, instrument)
        parts = [cells[k::3] for k in range(3)]
        for level in range(35, 100, 4):
            pools[instrument, level] = [[",".join(
                f'"{key}":{json.dumps(best if rng.random() < level / 100 else rng.choice(options))}'
                for key, best, options in part) for _ in range(POOL)] for part in parts]
    return pools


def build(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.utils import timezone

    from openita.agencies.models import Agency
    from openita.calendars import services as calendar
    from openita.calendars.models import Enrolment, EnrolmentState
    from openita.disclosure.models import Answer, ItemState, Submission, SubmissionState
    from openita.site import demo
    from openita.surveys.models import Response

    started = time.perf_counter()
    result = demo.generate(args.agencies, args.seed)
    print(f"demo-data --agencies {args.agencies}: {time.perf_counter() - started:.1f} s "
          f"({result.agencies} agencies, open year {result.year})")
    started = time.perf_counter()
    rng = random.Random(args.seed)
    year = calendar.current_year()
    framework = calendar.framework_for(year)
    # Every agency of the country takes part, as in a real year (the demo leaves some out).
    now = timezone.now()
    Enrolment.objects.filter(year=year).update(
        state=EnrolmentState.HEADCOUNT_APPROVED, registered_at=now, headcount=40)
    enrolled = set(Enrolment.objects.filter(year=year).values_list("agency_id", flat=True))
    Enrolment.objects.bulk_create(
        [Enrolment(agency_id=a, year=year, state=EnrolmentState.HEADCOUNT_APPROVED,
                   registered_at=now, headcount=40)
         for a in Agency.objects.exclude(pk__in=enrolled).values_list("pk", flat=True)],
        batch_size=2000)
    enrolments = list(Enrolment.objects.filter(year=year).exclude(
        state=EnrolmentState.NOT_REGISTERED).order_by("pk").values_list("pk", flat=True))
    taken = set(Response.objects.values_list("enrolment_id", flat=True).distinct())
    taken |= set(Submission.objects.values_list("enrolment_id", flat=True))
    enrolments = [e for e in enrolments if e not in taken]
    pools = _pools(framework, rng)
    mean = args.responses / len(enrolments)
    day = timezone.localdate().isoformat()
    table = Response._meta.db_table
    loaded = 0
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} (id, enrolment_id, instrument, channel, respondent_type, answers, "
            "flags, submitted_on, receipt, excluded, excluded_reason) FROM STDIN") as copy:
        for enrolment_id in enrolments:
            level = 35 + 4 * min(16, max(0, round((rng.gauss(80, 12) - 35) / 4)))
            size = max(2, round(rng.uniform(0.3, 1.7) * mean))
            for instrument, n in (("IIT", round(size * IIT_SHARE)),
                                  ("EIT", size - round(size * IIT_SHARE))):
                first, second, third = pools[instrument, level]
                for _ in range(n):
                    answers = (f"{{{rng.choice(first)},{rng.choice(second)},"
                               f"{rng.choice(third)}}}")
                    copy.write_row((uuid.uuid4(), enrolment_id, instrument, "self", "",
                                    answers, "[]", day, uuid.uuid4().hex, False, ""))
                loaded += n
    print(f"responses: {loaded} loaded with COPY in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    submissions = [Submission(enrolment_id=e, state=SubmissionState.APPROVED, approved_at=now,
                              approval_round=1, confirmed_at=now) for e in enrolments]
    Submission.objects.bulk_create(submissions, batch_size=2000)
    codes = [item.code for item in framework.oit_items]
    answers = [Answer(submission=s, item_code=code, publishes=True, state=ItemState.FINAL,
                      urls=[f"https://example.invalid/{code.lower()}"],
                      passed=rng.random() < 0.85, decided_at=now)
               for s in submissions for code in codes]
    Answer.objects.bulk_create(answers, batch_size=5000)
    print(f"OIT: {len(submissions)} confirmed submissions, {len(answers)} decided items in "
          f"{time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")


# --- the timing ----------------------------------------------------------------------------

class Queries:
    """Counts the SQL statements run inside the block."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def timed_run(label: str, year: Any, nacc: Any, agency: Any = None) -> float:
    from django.db import connection

    from openita.results import computation
    from openita.results.models import ResultKind

    queries = Queries()
    started = time.perf_counter()
    with connection.execute_wrapper(queries):
        run = computation.run_now(year, ResultKind.FINAL, acting_user=nacc, agency=agency)
    wall = time.perf_counter() - started
    stages = " ".join(f"{k} {v:.2f}" for k, v in run.stages.items() if k != "total")
    over = "  over" if agency is None and wall > TARGET_S else ""
    print(f"  {label:34} {wall:7.2f} s   ({stages})  scored {run.done}, changed "
          f"{run.changed}, unchanged {run.unchanged}, incomplete {len(run.incomplete)}, "
          f"queries {queries.count}{over}")
    return wall


def celery_run(args: argparse.Namespace, year: Any, nacc: Any) -> None:
    """The same run asked for as NACC does, computed by ``openita worker``."""
    from django.db import transaction

    from openita.results import computation
    from openita.results.models import AgencyResult, ComputationRun, ResultKind, RunState

    AgencyResult.objects.filter(year=year, kind=ResultKind.FINAL).delete()
    env = {**os.environ, "CELERY_BROKER_URL": args.redis_url}
    worker = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "openita"), "worker",
         "--concurrency", "1", "--loglevel", "WARNING"], env=env)
    try:
        time.sleep(4)  # the worker connects to the broker
        started = time.perf_counter()
        with transaction.atomic():
            run = computation.request_run(year, ResultKind.FINAL, acting_user=nacc)
        while ComputationRun.objects.get(pk=run.pk).state not in (RunState.DONE,
                                                                  RunState.FAILED):
            time.sleep(0.05)
        wall = time.perf_counter() - started
        run.refresh_from_db()
        print(f"  {'through a Celery worker':34} {wall:7.2f} s   (asked, queued, computed, "
              f"stored; state {run.state}, scored {run.done})")
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F

    from openita.accounts.models import User
    from openita.agencies.models import Agency
    from openita.calendars import services as calendar
    from openita.calendars.models import Enrolment
    from openita.results.models import AgencyResult, ResultKind
    from openita.site import demo
    from openita.surveys.models import CellTally, Response

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.pg_version // 10000}; "
          f"load average {os.getloadavg()[0]:.1f} (2 cores)")
    if args.reuse and Agency.objects.exists():
        print(f"reusing the data in the database ({Agency.objects.count()} agencies)")
    else:
        build(args)
    year = calendar.current_year()
    nacc = User.objects.get(email=f"nacc@{demo.DEMO_DOMAIN}")
    counted = Response.objects.filter(enrolment__year=year, excluded=False).count()
    print(f"counted responses of FY{year.fiscal_year}: {counted}")
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(f"SELECT sum(octet_length(answers::text)) FROM "
                       f"{Response._meta.db_table} WHERE NOT excluded")
        floor = time.perf_counter() - started
    print(f"  {'floor: read every answer once':34} {floor:7.2f} s")
    AgencyResult.objects.filter(year=year, kind=ResultKind.FINAL).delete()
    CellTally.objects.all().delete()
    cold = timed_run("counts anew, every result new", year, nacc)
    AgencyResult.objects.filter(year=year, kind=ResultKind.FINAL).delete()
    first = timed_run("counts kept, every result new", year, nacc)
    timed_run("the same run again, nothing changed", year, nacc)
    changed = list(Enrolment.objects.filter(year=year).order_by("?").values_list(
        "pk", flat=True)[:args.agencies // 20])
    Response.objects.filter(enrolment_id__in=changed, instrument="EIT").update(
        excluded=F("excluded"))  # touched (same answers): one in twenty counted again
    timed_run(f"{len(changed)} agencies counted again", year, nacc)
    agency = Agency.objects.filter(enrolments__year=year).order_by("code").first()
    timed_run(f"one agency ({agency.code})", year, nacc, agency)
    if args.celery:
        celery_run(args, year, nacc)
    for label, wall in (("counted anew", cold), ("counts kept", first)):
        print(f"target: the national run under {TARGET_S:.0f} s, {label}: "
              f"{'met' if wall < TARGET_S else 'NOT met'} ({wall:.2f} s)")


if __name__ == "__main__":
    main()
