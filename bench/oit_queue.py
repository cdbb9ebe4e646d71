"""Benchmark: the consultants' OIT pages with the national country in PostgreSQL.

Run:  .venv/bin/python bench/oit_queue.py [--agencies 8400] [--repeat 20]
          [--database-url URL] [--keep] [--reuse]

Builds the demo country (``demo.generate``, as ``openita demo-data --agencies 8400`` does;
it attaches the newest shipped framework, ita-2569, to the open year) in a fresh
PostgreSQL database (made here with CREATE DATABASE and dropped at the end unless
``--keep``; or ``--database-url`` to an empty one), then gives every enrolled agency an
approved OIT of 26 answers with bulk_create: the agencies in mixed stages (waiting for
review, partly reviewed, released, disputed with a filed clarification, answered,
confirmed), decisions by a consultant of the agency's team, second reviews, disputes, and
one kept capture per address. ``--reuse`` with ``--database-url`` and a database this
benchmark built before skips the building.

Then times, server-side with Django's test client (as bench/agency_list.py does), the
consultant queue (first page, page 50, filtered by group, province, item and state, sorted
by item), the review page of answers in several states, the confirmation list and the
progress page (by province, by kind), as a consultant of a team and as NACC. The cache is
Redis, as in production (``--redis-url``, a database the benchmark empties): the queue keeps
its counts there until a change in the scope, so the "counts anew" cases give the scope a
change before each request, as a decision made just before would. Prints median,
p95 and worst of ``--repeat`` requests after two unmeasured ones, and the SQL queries per
request; then whether the query count is the same across pages and filters, and, for a page
over the 100 ms target, EXPLAIN ANALYZE of its slowest query.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from typing import Any

TARGET_MS = 100.0
COLD = "counts anew:"
ADMIN_DB = "postgres://postgres@127.0.0.1:5432/postgres"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)  # nearest rank
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=8400)
    parser.add_argument("--seed", type=int, default=2568)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--keep", action="store_true", help="keep the database made here")
    parser.add_argument("--reuse", action="store_true",
                        help="with --database-url: use the data a previous run built there")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13",
                        help="the cache, as in production (a database the benchmark empties)")
    args = parser.parse_args()
    if not 15 <= args.agencies <= 20_000 or not 1 <= args.repeat <= 1000:
        parser.error("--agencies 15..20000, --repeat 1..1000")

    made = ""
    url = args.database_url
    if not url:
        import psycopg

        made = f"openita_bench_queue_{os.getpid()}"
        with psycopg.connect(ADMIN_DB, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{made}"')
        url = f"postgres://postgres@127.0.0.1:5432/{made}"
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    data_dir = tempfile.mkdtemp(prefix="openita-bench-queue-")
    os.environ.update({
        "OPENITA_DATA_DIR": data_dir,
        "OPENITA_PLAIN_STATIC": "1", "ALLOWED_HOSTS": "testserver", "DATABASE_URL": url,
        "OPENITA_ENV": "development",  # one machine, plain http
        "REDIS_URL": args.redis_url,
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

# Stages of an agency's OIT, with their share of the enrolled agencies.
STAGES = [("waiting", 35), ("reviewing", 20), ("released", 20), ("disputed", 10),
          ("answered", 5), ("confirmed", 10)]


def build(args: argparse.Namespace) -> None:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from openita.accounts.models import ConsultantTeam, Role, RoleGrant, User
    from openita.calendars import services as calendar
    from openita.calendars.models import Enrolment, EnrolmentState
    from openita.disclosure.models import (
        Answer,
        Capture,
        CapturePurpose,
        ClarificationState,
        Decision,
        DecisionRound,
        Dispute,
        ItemState,
        SecondReview,
        Submission,
        SubmissionState,
    )
    from openita.disclosure.services import url_key
    from openita.site import demo

    started = time.perf_counter()
    result = demo.generate(args.agencies, args.seed)
    print(f"demo-data --agencies {args.agencies}: {time.perf_counter() - started:.1f} s "
          f"({result.agencies} agencies, {result.users} people, open year {result.year})")
    started = time.perf_counter()
    rng = random.Random(args.seed)
    year = calendar.current_year()
    codes = [item.code for item in calendar.framework_for(year).oit_items]
    password = make_password(None)
    team_of_group = {g: t for t in ConsultantTeam.objects.prefetch_related("groups")
                     for g in t.groups.values_list("pk", flat=True)}
    reviewers = {}
    for n, team in enumerate(ConsultantTeam.objects.order_by("pk"), start=1):
        user = User.objects.create(email=f"reviewer{n}@{demo.DEMO_DOMAIN}",
                                   full_name=f"ผู้ประเมิน ทีม {n}", password=password)
        RoleGrant.objects.create(user=user, role=Role.CONSULTANT, team=team)
        reviewers[team.pk] = user
    admins = dict(RoleGrant.objects.filter(role=Role.AGENCY_ADMIN).values_list(
        "agency_id", "user_id"))
    taken = set(Submission.objects.values_list("enrolment_id", flat=True))
    enrolments = list(Enrolment.objects.filter(year=year).exclude(
        state=EnrolmentState.NOT_REGISTERED).exclude(pk__in=taken).select_related(
        "agency").order_by("pk"))
    now = timezone.now()
    stages = rng.choices([s for s, _ in STAGES], weights=[w for _, w in STAGES],
                         k=len(enrolments))
    submissions = []
    for enrolment, stage in zip(enrolments, stages, strict=True):
        submissions.append(Submission(
            enrolment=enrolment, state=SubmissionState.APPROVED, approval_round=1,
            submitted_at=now, approved_at=now, submitted_by_id=admins.get(enrolment.agency_id),
            clarification=ClarificationState.FILED if stage in ("disputed", "answered")
            else ClarificationState.NONE,
            clarification_filed_at=now if stage in ("disputed", "answered") else None,
            confirmed_at=now if stage == "confirmed" else None,
            scores={"OIT": f"{rng.uniform(40, 100):.2f}"} if stage == "confirmed" else None))
    Submission.objects.bulk_create(submissions, batch_size=2000)
    answers = []
    for submission, stage in zip(submissions, stages, strict=True):
        agency = submission.enrolment.agency
        team = team_of_group.get(agency.group_id)
        reviewer = reviewers.get(team.pk) if team else None
        for code in codes:
            publishes = rng.random() > 0.04
            state, passed = _answer_state(rng, stage, publishes)
            second = SecondReview.NONE
            if passed is not None and publishes and rng.random() < 0.1:
                second = rng.choice([SecondReview.PENDING, SecondReview.AGREES,
                                     SecondReview.AGREES, SecondReview.DISAGREES])
            urls = [f"{agency.website}/ita/{code.lower()}-{k}"
                    for k in range(1, rng.choice([1, 1, 1, 2, 3]) + 1)] if publishes else []
            answers.append(Answer(
                submission=submission, item_code=code, publishes=publishes, urls=urls,
                explanation=f"เมนู ITA หัวข้อ {code} บนหน้าแรกของเว็บไซต์" if publishes else "",
                state=state, passed=passed, second_review=second,
                decided_by=reviewer if passed is not None and publishes else None,
                decided_at=now if passed is not None else None))
    Answer.objects.bulk_create(answers, batch_size=5000)
    decisions, disputes, captures = [], [], []
    for answer in answers:
        if answer.passed is not None:
            decisions.append(Decision(
                answer=answer, passed=answer.passed, reviewer=answer.decided_by,
                round=DecisionRound.FIRST if answer.publishes else DecisionRound.AUTOMATIC,
                criteria={"1": answer.passed}, comment="" if answer.passed
                else "ไม่พบข้อมูลของปีงบประมาณที่ประเมินในหน้าที่ระบุ"))
        if answer.state in (ItemState.DISPUTED, ItemState.ANSWERED):
            disputes.append(Dispute(
                answer=answer, reason="ข้อมูลอยู่ในตารางที่สองของหน้าเดียวกัน", url_position=1,
                where="ตารางที่ 2", written_by_id=admins[answer.submission.enrolment.agency_id],
                outcome="upheld" if answer.state == ItemState.ANSWERED else "",
                reply="ตรวจสอบแล้ว ไม่พบข้อมูลตามเกณฑ์" if answer.state == ItemState.ANSWERED
                else "", replied_at=now if answer.state == ItemState.ANSWERED else None))
        submission = answer.submission
        for url in answer.urls:
            captures.append(Capture(
                answer=answer, purpose=CapturePurpose.SUBMISSION, requested_url=url,
                job_key=f"submission:{submission.pk}:1:{answer.pk}:{url_key(url)}",
                final_url=url, status=200, content_type="text/html", size=120_000,
                sha256=f"{answer.pk:064x}", title=f"{answer.item_code} {submission.pk}",
                excerpt="ประกาศองค์การบริหารส่วนตำบล เรื่อง แผนการจัดซื้อจัดจ้าง " * 10,
                kind="html", address="203.0.113.10", elapsed_ms=rng.randint(150, 3000),
                fetched_at=now))
    Decision.objects.bulk_create(decisions, batch_size=5000)
    Dispute.objects.bulk_create(disputes, batch_size=5000)
    Capture.objects.bulk_create(captures, batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        # As autovacuum leaves a table after a bulk insert: statistics and visibility map.
        cursor.execute("VACUUM ANALYZE")
    print(f"OITs: {len(submissions)} approved submissions, {len(answers)} answers, "
          f"{len(decisions)} decisions, {len(disputes)} disputes, {len(captures)} captures "
          f"in {time.perf_counter() - started:.1f} s")


def _answer_state(rng: random.Random, stage: str, publishes: bool) -> tuple[str, bool | None]:
    from openita.disclosure.models import ItemState

    if not publishes:  # failed at approval, no review
        final = ItemState.FINAL if stage == "confirmed" else (
            ItemState.REVIEWED if stage in ("waiting", "reviewing") else ItemState.RELEASED)
        return final, False
    passed = rng.random() < 0.8
    if stage == "waiting":
        return ItemState.AWAITING_REVIEW, None
    if stage == "reviewing":
        return (ItemState.REVIEWED, passed) if rng.random() < 0.5 else (
            ItemState.AWAITING_REVIEW, None)
    if stage == "released":
        return ItemState.RELEASED, passed
    if stage == "disputed":
        return (ItemState.DISPUTED, False) if rng.random() < 0.08 else (
            ItemState.RELEASED, passed)
    if stage == "answered":
        return (ItemState.ANSWERED, False) if rng.random() < 0.08 else (
            ItemState.RELEASED, passed)
    return ItemState.FINAL, passed


# --- the timing ----------------------------------------------------------------------------


class Recorder:
    """Every statement of a request with its parameters and time (for EXPLAIN)."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str, Any]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.calls.append(((time.perf_counter() - t0) * 1000, sql, params))


def signed_in(user: Any) -> Any:
    """A test client signed in as ``user``, past two-factor sign-in (as tests/personas.py)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
              or TOTPDevice.objects.create(user=user, name="bench app", confirmed=True))
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def cases_for(user: Any, login: str) -> list[tuple[str, str, str]]:
    """(family, label, URL) for the pages ``user`` can open."""
    from django.db.models import F, Func, IntegerField
    from django.urls import reverse

    from openita.disclosure import selectors
    from openita.disclosure.models import Answer, ItemState

    queue = reverse("oit:queue")
    groups = selectors.team_group_ids(user)
    answers = Answer.objects.exclude(state=ItemState.DRAFT)
    if groups is not None:
        answers = answers.filter(submission__enrolment__agency__group_id__in=groups)
    some = answers.filter(submission__enrolment__agency__group__isnull=False).select_related(
        "submission__enrolment__agency").order_by("pk")
    first = some.first()
    assert first is not None, f"{login} reviews no answer"
    agency = first.submission.enrolment.agency
    cases = [
        # The floor: a signed-in page that reads nothing of the OIT (sign-in, session,
        # second factor, navigation), to compare the pages below with in the same run.
        ("floor", "home page", reverse("site:home")),
        ("queue", "first page", queue),
        ("queue", "page 50", f"{queue}?page=50"),
        ("queue", f"group {agency.group_id}", f"{queue}?group={agency.group_id}"),
        ("queue", "province", f"{queue}?province={agency.province_id}"),
        ("queue", "item O12", f"{queue}?item=O12"),
        ("queue", "state awaiting_review", f"{queue}?state=awaiting_review"),
        ("queue", "state disputed", f"{queue}?state=disputed"),
        ("queue", "sorted by item", f"{queue}?sort=item"),
        ("queue", "sorted by item, page 50", f"{queue}?sort=item&page=50"),
        ("queue", "item O12 + province", f"{queue}?item=O12&province={agency.province_id}"),
        # Each request right after a decision in one group of the scope: that group's
        # answers are counted again.
        ("queue", f"{COLD} first page", f"{queue}"),
        ("queue", f"{COLD} state awaiting_review", f"{queue}?state=awaiting_review"),
        ("queue", f"{COLD} sorted by item", f"{queue}?sort=item"),
    ]
    middle = {}
    for state in (ItemState.AWAITING_REVIEW, ItemState.REVIEWED, ItemState.RELEASED,
                  ItemState.DISPUTED, ItemState.FINAL):
        # The middle of the queue, not its first rows: neighbours on both sides.
        candidates = list(some.filter(state=state, publishes=True).values_list(
            "pk", flat=True)[:2000])
        if candidates:
            middle[state] = candidates[len(candidates) // 2]
            cases.append(("review", f"item {state}", reverse("oit:review",
                                                             args=[middle[state]])))
    o12 = list(some.filter(state=ItemState.AWAITING_REVIEW, item_code="O12").values_list(
        "pk", flat=True)[:500])
    if o12:
        cases.append(("review", "item O12, queue ?item=O12",
                      reverse("oit:review", args=[o12[len(o12) // 2]]) + "?item=O12"))
    for n in (1, 3):  # the same page for an answer with one address and with three
        with_n = list(some.filter(state=ItemState.AWAITING_REVIEW, publishes=True).annotate(
            addresses=Func(F("urls"), function="jsonb_array_length",
                           output_field=IntegerField())).filter(addresses=n).values_list(
            "pk", flat=True)[:500])
        if with_n:
            cases.append(("review", f"item with {n} address{'es' if n > 1 else ''}",
                          reverse("oit:review", args=[with_n[len(with_n) // 2]])))
    if ItemState.AWAITING_REVIEW in middle:
        cases.append(("review", "queue ?state=awaiting_review",
                      reverse("oit:review", args=[middle[ItemState.AWAITING_REVIEW]])
                      + "?state=awaiting_review"))
    cases += [
        ("confirmations", "first page", reverse("oit:confirmations")),
        ("confirmations", "page 20", f"{reverse('oit:confirmations')}?page=20"),
        ("progress", "by province", f"{reverse('oit:progress')}?by=province"),
        ("progress", "by kind", f"{reverse('oit:progress')}?by=kind"),
    ]
    return cases


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from openita.accounts.models import User
    from openita.agencies.models import Agency
    from openita.calendars import services as calendar
    from openita.disclosure import queue_counts, selectors
    from openita.disclosure.models import Answer
    from openita.site import demo

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.pg_version // 10000}; "
          f"load average {os.getloadavg()[0]:.1f} (2 cores)")
    if args.reuse and Agency.objects.exists():
        print(f"reusing the data in the database ({Agency.objects.count()} agencies)")
    else:
        build(args)
    print(f"answers in the database: {Answer.objects.count()}")
    slow: list[tuple[str, str, list[Recorder]]] = []
    counts: dict[tuple[str, str], set[int]] = {}
    for login in ("consultant", "nacc"):
        user = User.objects.get(email=f"{login}@{demo.DEMO_DOMAIN}")
        client = signed_in(user)
        cases = cases_for(user, login)
        groups = selectors.team_group_ids(user)
        # The cold cases: a decision in one group of the scope (the team's first, or for
        # NACC the group of the first agency by code).
        changed_group = groups[0] if groups else Agency.objects.filter(
            group__isnull=False).order_by("code").values_list("group_id", flat=True).first()
        mine = Answer.objects.all() if groups is None else Answer.objects.filter(
            submission__enrolment__agency__group_id__in=groups)
        print(f"\n{login}: groups {groups or 'all'}, {mine.count()} answers to review")
        year = calendar.current_year()
        for family, label, url in cases:
            timings = []
            recorders = []
            for n in range(args.repeat + 2):
                if label.startswith(COLD):  # a decision in the group of an agency in scope
                    queue_counts.changed(year.pk, [changed_group])
                recorder = Recorder()
                with connection.execute_wrapper(recorder):
                    t0 = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - t0) * 1000
                assert response.status_code == 200, (login, url, response.status_code)
                if n >= 2:
                    timings.append(elapsed)
                    recorders.append(recorder)
            queries = len(recorders[-1].calls)
            counts.setdefault((login, family), set()).add(queries)
            p95 = pct(timings, 95)
            sql = statistics.median(sum(ms for ms, _, _ in r.calls) for r in recorders)
            flag = "  over" if p95 > TARGET_MS else ""
            print(f"  {family:<13} {label:<36} median {statistics.median(timings):6.1f}  "
                  f"p95 {p95:6.1f}  max {max(timings):6.1f} ms  (SQL {sql:6.1f} ms)  "
                  f"queries {queries:3d}{flag}")
            if p95 > TARGET_MS:
                slow.append((login, f"{family} {label}", recorders))
    print("\nqueries per request, by page (one number = constant across pages and filters):")
    for (login, family), found in counts.items():
        print(f"  {login:<11} {family:<14} {sorted(found)}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    if not slow:
        print(f"\nevery page under {TARGET_MS:g} ms at p95")
    elif not args.no_explain:
        explain(slow)
    sys.stdout.flush()


def explain(slow: list[tuple[str, str, list[Recorder]]]) -> None:
    """EXPLAIN ANALYZE the slowest statement of each page over the target: the one with the
    highest median time over the timed requests (once per SQL text)."""
    from django.db import connection

    seen: set[str] = set()
    print(f"\npages over {TARGET_MS:g} ms at p95, and their slowest statement:")
    for login, label, recorders in slow:
        calls = recorders[-1].calls
        same = all(len(r.calls) == len(calls) for r in recorders)
        medians = [statistics.median(r.calls[i][0] for r in recorders) if same else calls[i][0]
                   for i in range(len(calls))]
        total = sum(medians)
        worst = max(range(len(calls)), key=lambda i: medians[i])
        _, sql, params = calls[worst]
        print(f"\n* {login} {label}: {len(calls)} queries, median {total:.1f} ms in SQL; "
              f"slowest statement median {medians[worst]:.1f} ms")
        if sql in seen:
            print("  (the same statement as above)")
            continue
        seen.add(sql)
        print("  " + (sql if len(sql) < 1200 else sql[:1200] + " …"))
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            for (line,) in cursor.fetchall()[:45]:
                print(f"    {line}")


if __name__ == "__main__":
    main()
