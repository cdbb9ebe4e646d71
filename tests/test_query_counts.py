"""How many queries each list page makes, against the baselines in ``query_counts.json``.

A page that makes more queries than its baseline fails and shows them (an N+1, a lost
``select_related``); a page that makes fewer fails too and asks for the baseline to be
refreshed, so the file stays true. Refresh it with::

    OPENITA_UPDATE_QUERY_COUNTS=1 .venv/bin/pytest tests/test_query_counts.py

The counts are the same on SQLite and on PostgreSQL (run the file with ``DATABASE_URL``
too); should they ever differ, key the baselines by ``connection.vendor``. The second
check of each page is the one that catches an N+1 outright: the page makes as many
queries for many rows as for a few.

Counts are taken on the second request of the page, after the Django cache is emptied:
the first warms what a running process keeps (parsed frameworks), so the count is the
same whichever test ran before in the same worker.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openita.accounts import services as accounts
from openita.accounts.models import (
    Confirmation,
    ConsultantTeam,
    Invitation,
    Role,
    RoleGrant,
    User,
)
from openita.agencies import services as agencies
from openita.agencies.models import Agency, AgencyContact, AgencyKind
from openita.agencies.registry_io import rebuild_lineages
from openita.calendars import services as calendar
from openita.calendars.models import (
    AssessmentYear,
    Enrolment,
    EnrolmentState,
    Phase,
    PhaseWindow,
    YearStatus,
)
from openita.frameworks import services as frameworks
from openita.results.models import (
    AgencyResult,
    ComputationRun,
    Publication,
    ResultKind,
    RunState,
)
from openita.surveys.models import Instrument, Response
from openita.surveys.progress import PROVISIONAL_MIN_RESPONSES
from tests.personas import World
from tests.surveys.conftest import (
    collecting,  # noqa: F401 (the fixture, for ``grown``)
    iit_answers,
)

BASELINES = Path(__file__).resolve().with_name("query_counts.json")
UPDATING = os.environ.get("OPENITA_UPDATE_QUERY_COUNTS") == "1"
REFRESH = "OPENITA_UPDATE_QUERY_COUNTS=1 .venv/bin/pytest tests/test_query_counts.py"


# --- rows to list: each helper adds the rows numbered ``numbers`` ----------------------


def _agencies(w: World, numbers: range) -> list[Agency]:
    """SAOs in province P and group X, under the DLA, enrolled in the year with their
    headcount approved: in everyone's scope who sees agency A."""
    added = Agency.objects.bulk_create(
        Agency(code=f"SAO-N{i:03d}", name_th=f"องค์การบริหารส่วนตำบลที่ {i}",
               name_en=f"SAO number {i}", kind=AgencyKind.SAO, size_class="S",
               province=w.province_p, group=w.group_x, parent=w.dla)
        for i in numbers)
    rebuild_lineages()
    Enrolment.objects.bulk_create(
        Enrolment(agency=agency, year=w.year, state=EnrolmentState.HEADCOUNT_APPROVED,
                  headcount=40 + i)
        for i, agency in zip(numbers, added, strict=True))
    return added


def _responses(enrolment: Enrolment, numbers: range, flags: list[str] | None = None) -> None:
    Response.objects.bulk_create(
        Response(enrolment=enrolment, instrument=Instrument.IIT, answers=iit_answers(),
                 flags=flags or [], submitted_on=timezone.localdate(),
                 receipt=f"receipt-{enrolment.pk}-{i}")
        for i in numbers)


def _collecting_agencies(w: World, numbers: range) -> None:
    for agency in _agencies(w, numbers):
        _responses(Enrolment.objects.get(agency=agency, year=w.year), range(2),
                   flags=["too_fast"])


def _people(w: World, numbers: range) -> None:
    """People with a role each, and open invitations."""
    users = User.objects.bulk_create(
        User(email=f"person{i}@example.test", full_name=f"คนที่ {i:03d}") for i in numbers)
    RoleGrant.objects.bulk_create(
        RoleGrant(user=user, role=Role.OVERSIGHT, province=w.province_q) for user in users)
    for i in numbers:
        accounts.invite(f"invited{i}@example.test", Role.AGENCY_EXECUTIVE,
                        acting_user=w.nacc, agency=w.agency_a)


def _proposals(w: World, numbers: range) -> None:
    """Executives proposed by agencies' admins, waiting for NACC; every other one accepted."""
    Invitation.objects.bulk_create(
        Invitation(email=f"exec{i}@example.test", full_name=f"นายก {i}",
                   role=Role.AGENCY_EXECUTIVE, agency=agency, token_hash=f"{i:064d}",
                   invited_by=w.admin_a, confirmation=Confirmation.PENDING,
                   expires_at=timezone.now() + dt.timedelta(days=14),
                   accepted_at=timezone.now() if i % 2 else None,
                   accepted_by=w.nobody if i % 2 else None)
        for i, agency in zip(numbers, _agencies(w, numbers), strict=True))


def _teams(w: World, numbers: range) -> None:
    teams = ConsultantTeam.objects.bulk_create(
        ConsultantTeam(name_th=f"ทีม {i}", name_en=f"Team {i}") for i in numbers)
    through = ConsultantTeam.groups.through
    through.objects.bulk_create(through(consultantteam_id=team.pk, agencygroup_id=group.pk)
                                for team in teams for group in (w.group_x,))


def _years(w: World, numbers: range) -> None:
    AssessmentYear.objects.bulk_create(
        AssessmentYear(fiscal_year=2500 + i, title=f"ปีที่ {i}", status=YearStatus.CLOSED,
                       framework=w.year.framework)
        for i in numbers)


def _framework_versions(w: World, numbers: range) -> None:
    """Drafts cloned from the year's framework, each given to a closed year."""
    for i in numbers:
        copy = frameworks.clone(w.year.framework, f"mini-{i}", 2600 + i, acting_user=w.nacc)
        AssessmentYear.objects.create(fiscal_year=2600 + i, status=YearStatus.CLOSED,
                                      framework=copy)


def _audit_entries(w: World, numbers: range) -> None:
    for i in numbers:
        agencies.save_contact(AgencyContact(agency=w.agency_a, name=f"ผู้ติดต่อ {i}",
                                            phone=f"053{i:06d}"), acting_user=w.nacc)


def _extensions(w: World, numbers: range) -> None:
    closes = PhaseWindow.objects.get(year=w.year, phase=Phase.REGISTRATION).closes_on
    for agency in _agencies(w, numbers):
        calendar.extend_phase(w.year, Phase.REGISTRATION, closes + dt.timedelta(days=7),
                              "น้ำท่วม", acting_user=w.nacc, agency=agency)


def _agencies_of_admin_a(w: World, numbers: range) -> None:
    RoleGrant.objects.bulk_create(
        RoleGrant(user=w.admin_a, role=Role.AGENCY_ADMIN, agency=agency)
        for agency in _agencies(w, numbers))


def _a_responses(w: World, numbers: range) -> None:
    _responses(w.enrolment, numbers)


def _a_flagged(w: World, numbers: range) -> None:
    _responses(w.enrolment, numbers, flags=["too_fast", "straight_line"])


def _approved_oits(w: World, numbers: range) -> None:
    """Agencies of group X whose OIT is approved, its items in several review states."""
    from openita.disclosure.models import Answer, ItemState, Submission, SubmissionState

    states = [ItemState.AWAITING_REVIEW, ItemState.REVIEWED, ItemState.RELEASED,
              ItemState.DISPUTED]
    enrolments = Enrolment.objects.filter(agency__in=_agencies(w, numbers), year=w.year)
    submissions = Submission.objects.bulk_create(
        Submission(enrolment=e, state=SubmissionState.APPROVED, approval_round=1,
                   submitted_by=w.admin_a, approved_by=w.executive_a) for e in enrolments)
    Answer.objects.bulk_create(
        Answer(submission=s, item_code=code, publishes=True, urls=[f"https://x.test/{code}"],
               state=states[(n + i) % 4], passed=None if (n + i) % 4 == 0 else bool(i % 2),
               decided_by=None if (n + i) % 4 == 0 else w.consultant_x)
        for n, s in enumerate(submissions) for i, code in enumerate(["O1", "O2", "O3", "O4"]))


def _a_link_checks(w: World, numbers: range) -> None:
    """Agency A's OIT with every item answered, and link checks of its addresses."""
    from openita.disclosure import services as oit
    from openita.disclosure.models import Capture, LinkCheck

    submission = oit.submission_for(w.enrolment)
    check = LinkCheck.objects.create(submission=submission, requested_by=w.admin_a,
                                     expected=len(numbers))
    answers = list(submission.answers.all())
    for n in numbers:
        answer = answers[n % len(answers)]
        url = f"https://x.test/{n}"
        answer.urls = [*answer.urls, url][-5:]
        answer.publishes = True
        answer.save()
        Capture.objects.create(answer=answer, purpose="check", requested_url=url,
                               job_key=f"check:{check.pk}:{answer.pk}:{n}",
                               fetched_at=timezone.now(), findings=["dead"])


def _results(w: World, numbers: range) -> None:
    """Agencies with a final result, a computation per number (the page lists the last
    five) and, in the last one, agencies it could not score."""
    added = _agencies(w, numbers)
    run = None
    for _n in numbers:
        run = ComputationRun.objects.create(year=w.year, kind=ResultKind.FINAL,
                                            requested_by=w.nacc, state=RunState.DONE)
    assert run is not None
    run.incomplete = [{"agency": a.code, "reason": "no_responses", "instrument": "IIT"}
                      for a in added]
    run.save()
    AgencyResult.objects.bulk_create(
        AgencyResult(year=w.year, agency=agency, kind=ResultKind.FINAL, framework="mini",
                     inputs_digest=f"{n:064d}", indicators={"1": "80.00"},
                     instruments={"IIT": "80.00", "EIT": "90.00", "OIT": "75.00"},
                     total=Decimal("81.50"), rating="good", computed_at=timezone.now(),
                     run=run)
        for n, agency in zip(numbers, added, strict=True))


def _published_results(w: World, numbers: range) -> None:
    _results(w, numbers)
    Publication.objects.get_or_create(year=w.year, defaults={
        "published_at": timezone.now(), "published_by": w.nacc})


def _collecting_oits(w: World, numbers: range) -> None:
    """Agencies collecting their surveys, their OIT in draft, sent or approved (or not
    started): the open year's scope page before publication."""
    from openita.disclosure.models import Submission, SubmissionState

    states = [None, SubmissionState.DRAFT, SubmissionState.AWAITING_APPROVAL,
              SubmissionState.APPROVED]
    enrolments = [Enrolment.objects.get(agency=agency, year=w.year)
                  for agency in _agencies(w, numbers)]
    for enrolment in enrolments:
        _responses(enrolment, range(2))
    Submission.objects.bulk_create(
        Submission(enrolment=e, state=state)
        for i, e in zip(numbers, enrolments, strict=True)
        if (state := states[i % 4]) is not None)


def _year_of(w: World) -> dict[str, Any]:
    return {"fiscal_year": w.year.fiscal_year}


def _nothing(w: World) -> dict[str, Any]:
    return {}


def _agency_a(w: World) -> dict[str, Any]:
    return {"pk": w.agency_a.pk}


@dataclass(frozen=True)
class ListPage:
    key: str  # in the baseline file
    name: str
    persona: str
    rows: Callable[[World, range], None]
    args: Callable[[World], dict[str, Any]] = _nothing
    few: int = 5
    many: int = 60  # more than a page of 50

    def url(self, w: World) -> str:
        return reverse(self.name, kwargs=self.args(w))


PAGES = [
    ListPage("agencies:list as nacc", "agencies:list", "nacc", _agencies),
    ListPage("agencies:list as officer_p", "agencies:list", "officer_p", _agencies),
    ListPage("agencies:export csv", "agencies:export", "nacc", _agencies,
             lambda w: {"fmt": "csv"}),
    ListPage("agencies:export xlsx", "agencies:export", "nacc", _agencies,
             lambda w: {"fmt": "xlsx"}),
    ListPage("agencies:survey_overview", "agencies:survey_overview", "nacc",
             _collecting_agencies),
    # From this many responses on, NACC sees provisional scores (one query more).
    ListPage("agencies:surveys", "agencies:surveys", "nacc", _a_responses, _agency_a,
             few=PROVISIONAL_MIN_RESPONSES),
    ListPage("agencies:survey_quality", "agencies:survey_quality", "nacc", _a_flagged,
             _agency_a),
    ListPage("accounts:people", "accounts:people", "nacc", _people),
    ListPage("accounts:teams", "accounts:teams", "nacc", _teams),
    ListPage("accounts:confirmations", "accounts:confirmations", "nacc", _proposals),
    ListPage("calendars:list", "calendars:list", "nacc", _years),
    ListPage("calendars:detail", "calendars:detail", "nacc", _extensions,
             lambda w: {"fiscal_year": w.year.fiscal_year}),
    ListPage("frameworks:list", "frameworks:list", "nacc", _framework_versions,
             few=2, many=12),
    ListPage("core:audit", "core:audit", "nacc", _audit_entries),
    ListPage("site:home", "site:home", "nacc", _agencies),
    ListPage("site:home as admin_a", "site:home", "admin_a", _agencies_of_admin_a,
             few=1, many=6),
    # the OIT (issue 10)
    ListPage("oit:queue", "oit:queue", "consultant_x", _approved_oits, few=3, many=20),
    ListPage("oit:confirmations", "oit:confirmations", "lead_x", _approved_oits),
    ListPage("oit:progress", "oit:progress", "nacc", _approved_oits),
    ListPage("agencies:oit", "agencies:oit", "admin_a", _a_link_checks, _agency_a,
             few=2, many=20),
    # results (issue 11)
    ListPage("results:manage", "results:manage", "nacc", _results, _year_of),
    ListPage("results:table", "results:table", "nacc", _results, _year_of),
    ListPage("results:table_export xlsx", "results:table_export", "nacc", _results,
             lambda w: {**_year_of(w), "fmt": "xlsx"}),
    ListPage("results:scope", "results:scope", "nacc", _published_results, _year_of),
    ListPage("results:scope as officer_p", "results:scope", "officer_p", _published_results,
             _year_of),
    # the open year before publication: where its collection stands in the scope
    ListPage("results:scope collecting", "results:scope", "nacc", _collecting_oits,
             _year_of),
    ListPage("results:scope collecting as officer_p", "results:scope", "officer_p",
             _collecting_oits, _year_of),
    ListPage("results:scope collecting as consultant_x", "results:scope", "consultant_x",
             _collecting_oits, _year_of),
    ListPage("results:reports", "results:reports", "nacc", _published_results),
    ListPage("results:reports as officer_p", "results:reports", "officer_p",
             _published_results),
    ListPage("portal:year", "portal:year", "anonymous", _published_results, _year_of),
    ListPage("portal:province", "portal:province", "anonymous", _published_results,
             lambda w: {**_year_of(w), "code": w.province_p.code}),
    ListPage("portal:kind", "portal:kind", "anonymous", _published_results,
             lambda w: {**_year_of(w), "kind": "sao"}),
    ListPage("portal:year_table provinces csv", "portal:year_table", "anonymous",
             _published_results, lambda w: {**_year_of(w), "table": "provinces", "fmt": "csv"}),
    ListPage("portal:year_table types xlsx", "portal:year_table", "anonymous",
             _published_results, lambda w: {**_year_of(w), "table": "types", "fmt": "xlsx"}),
    ListPage("portal:province_table xlsx", "portal:province_table", "anonymous",
             _published_results,
             lambda w: {**_year_of(w), "code": w.province_p.code, "fmt": "xlsx"}),
    ListPage("portal:kind_table csv", "portal:kind_table", "anonymous", _published_results,
             lambda w: {**_year_of(w), "kind": "sao", "fmt": "csv"}),
    ListPage("portal:region", "portal:region", "anonymous", _published_results,
             lambda w: {**_year_of(w), "region": w.province_p.region}),
    ListPage("portal:ministry", "portal:ministry", "anonymous", _published_results,
             lambda w: {**_year_of(w), "code": w.ministry.code}),
    ListPage("portal:year_table ministries csv", "portal:year_table", "anonymous",
             _published_results,
             lambda w: {**_year_of(w), "table": "ministries", "fmt": "csv"}),
]


# Pages known to make a query per row. Their growth check is expected to fail (strictly:
# once the page is fixed the check passes, and the entry must go).
KNOWN_N_PLUS_ONE: dict[str, str] = {}  # page key -> why it grows, until fixed


def _growth_cases() -> list:
    return [pytest.param(page, id=page.key, marks=pytest.mark.xfail(
                reason=KNOWN_N_PLUS_ONE[page.key], strict=True))
            if page.key in KNOWN_N_PLUS_ONE else pytest.param(page, id=page.key)
            for page in PAGES]


# --- measuring and the baseline file ----------------------------------------------------


def _measure(client, url: str) -> CaptureQueriesContext:
    assert client.get(url).status_code == 200  # warms what the process keeps
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return queries


def _listing(queries: CaptureQueriesContext) -> str:
    return "\n".join(f"{n}. {q['sql']}" for n, q in enumerate(queries.captured_queries, 1))


def _read_baselines() -> dict[str, int]:
    return json.loads(BASELINES.read_text(encoding="utf-8")) if BASELINES.exists() else {}


def _write_baselines(change: Callable[[dict[str, int]], None]) -> None:
    """Change the file under a lock: the workers of ``pytest -n`` write it together."""
    with open(BASELINES, "a+", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        file.seek(0)
        text = file.read()
        counts = json.loads(text) if text.strip() else {}
        change(counts)
        file.seek(0)
        file.truncate()
        file.write(json.dumps(counts, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


@pytest.fixture
def grown(db, request, client_for):
    """``grown(page, numbers)``: the collecting world with the page's rows ``numbers``
    added, and a client signed in as the page's persona."""
    w = request.getfixturevalue("collecting")

    def grow(page: ListPage, numbers: range):
        page.rows(w, numbers)
        return client_for(w.persona(page.persona)), page.url(w)

    return grow


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.key)
def test_a_list_page_makes_its_baseline_number_of_queries(grown, page):
    client, url = grown(page, range(page.many))
    queries = _measure(client, url)
    key, measured = page.key, len(queries)
    if UPDATING:
        _write_baselines(lambda counts: counts.update({key: measured}))
        return
    baseline = _read_baselines().get(key)
    assert baseline is not None, f"{key}: no baseline yet; record it with {REFRESH}"
    assert measured <= baseline, (
        f"{url} ({key}) made {measured} queries, more than its baseline of {baseline}:\n"
        f"{_listing(queries)}")
    assert measured == baseline, (
        f"{url} ({key}) made {measured} queries, fewer than its baseline of {baseline}: "
        f"refresh the baseline with {REFRESH}")


@pytest.mark.parametrize("page", _growth_cases())
def test_a_list_page_makes_as_many_queries_for_many_rows_as_for_few(grown, page):
    client, url = grown(page, range(page.few))
    few = _measure(client, url)
    grown(page, range(page.few, page.many))
    many = _measure(client, url)
    assert len(many) == len(few), (
        f"{url} ({page.key}) made {len(few)} queries for {page.few} rows and {len(many)} "
        f"for {page.many}: a query per row.\nWith {page.many} rows:\n{_listing(many)}")


def test_every_baseline_belongs_to_a_page():
    """A page that is gone leaves no baseline behind (refreshing removes it)."""
    keys = {page.key for page in PAGES}
    assert len(keys) == len(PAGES), "two pages share a key"

    def stale(counts: dict[str, int]) -> list[str]:
        return [key for key in counts if key not in keys]

    def prune(counts: dict[str, int]) -> None:
        for key in stale(counts):
            del counts[key]

    if UPDATING:
        _write_baselines(prune)
    assert not stale(_read_baselines()), f"remove these baselines: {stale(_read_baselines())}"
