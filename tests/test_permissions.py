"""Every route of the project, tried as every persona: allowed, refused or out of sight.

The routes come from the URL resolver, so a page added without a declared expectation
fails here, and so does an expectation whose page is gone. A page outside a person's scope
answers 404 (its existence does not leak); a page in scope that the role may not use
answers 403; anonymous visitors are sent to sign in, except on the public pages (sign-in,
an invitation, the respondents' surveys under /go/). A refused POST changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib.staticfiles import views as staticfiles_views
from django.core import mail
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views import i18n, static

from openita.accounts import services as accounts
from openita.accounts.models import Role, RoleGrant
from openita.agencies import services as agencies
from openita.agencies.models import Agency, AgencyContact
from openita.calendars.models import AssessmentYear, Enrolment, Phase, PhaseWindow
from openita.core.models import AuditEntry
from openita.disclosure import filers, snapshots
from openita.results import computation
from openita.results.models import ResultKind
from openita.surveys import codes
from openita.surveys import services as surveys
from openita.surveys.models import Instrument, Response
from tests.disclosure import conftest as oit
from tests.helpers import invitation_token
from tests.personas import PERSONAS, World
from tests.surveys.conftest import (
    collecting,  # noqa: F401 (the fixture, for ``matrix``)
    iit_answers,
)

EVERYONE = frozenset(PERSONAS)
SIGNED_IN = EVERYONE - {"anonymous"}
ROLES = SIGNED_IN - {"nobody"}
NACC = frozenset({"nacc"})
SEES_A = frozenset({"nacc", "admin_a", "executive_a", "consultant_x", "lead_x", "officer_p",
                    "ministry_officer"})
SEES_B = frozenset({"nacc", "admin_b", "ministry_officer"})
RUNS_A = frozenset({"nacc", "admin_a"})  # the agency's own administrator, and NACC
OVERSEERS = frozenset({"nacc", "consultant_x", "lead_x", "officer_p", "ministry_officer"})
CONSULTANTS = frozenset({"consultant_x", "lead_x"})
ADMIN_A = frozenset({"admin_a"})
EXECUTIVE_A = frozenset({"executive_a"})
NOBODY = frozenset()

REFUSED = 405  # the method is refused before anything else is looked at
HOME = {"anonymous": 200, "*": 302}  # the sign-in page sends a signed-in person home

Status = int | Mapping[str, int]  # one answer for everyone allowed, or per persona ("*": rest)


@dataclass(frozen=True)
class Case:
    """One way to reach a route, and how it answers.

    ``args`` builds the URL's arguments from the world; ``allowed`` are the personas the
    page works for, answering ``get`` and ``post`` (None: the method is not tried;
    REFUSED: 405 for everyone who gets that far); ``sees`` are the personas who may know
    the object exists (None: the page is about no object in anyone's scope). Others get
    403, or 404 when they do not see the object; anonymous visitors not allowed are sent to
    sign in. ``data`` is what is posted, the same for everyone: where it is a valid form
    the allowed personas carry the action out, and a POST by anyone outside ``changes`` (by
    default ``allowed``) must leave the database as it was.
    """

    args: Callable[[World], dict[str, Any]]
    allowed: frozenset[str]
    sees: frozenset[str] | None = None
    get: Status | None = 200
    post: Status | None = None
    data: Callable[[World], dict[str, Any]] | None = None
    changes: frozenset[str] | None = None

    def methods(self) -> list[str]:
        return [m for m, status in (("GET", self.get), ("POST", self.post)) if status is not None]

    def expected(self, persona: str, method: str) -> int:
        status = self.get if method == "GET" else self.post
        assert status is not None
        if persona == "anonymous" and persona not in self.allowed:
            return 302  # to sign in
        if status == REFUSED:
            return REFUSED
        if persona in self.allowed:
            return status if isinstance(status, int) else status.get(persona, status["*"])
        if self.sees is not None and persona not in self.sees:
            return 404
        return 403

    def may_change(self, persona: str) -> bool:
        return persona in (self.allowed if self.changes is None else self.changes)


def _nothing(w: World) -> dict[str, Any]:
    return {}


def _agency_a(w: World) -> dict[str, Any]:
    return {"pk": w.agency_a.pk}


def _agency_b(w: World) -> dict[str, Any]:
    return {"pk": w.agency_b.pk}


def _enrolment_a(w: World) -> dict[str, Any]:
    return {"pk": w.agency_a.pk, "fiscal_year": w.year.fiscal_year}


def _year(w: World) -> dict[str, Any]:
    return {"fiscal_year": w.year.fiscal_year}


def _oit_item(w: World) -> dict[str, Any]:
    return {"pk": w.agency_a.pk, "code": "O1"}


def _answer(w: World) -> dict[str, Any]:
    return {"answer_id": w.answer.pk}


def _capture(w: World) -> dict[str, Any]:
    return {"capture_id": w.capture.pk}


def _framework(code: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"code": code}


def _survey(instrument: str, **more: Any) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"instrument": instrument, "code": w.link.code, **more}


def _form(args: Callable[[World], dict[str, Any]], allowed: frozenset[str],
          sees: frozenset[str] | None = None, post: int = 200,
          data: Callable[[World], dict[str, Any]] | None = None) -> Case:
    """A page with a form: shown on GET; a POST is carried out and redirects (302), or
    the form is shown again with what is wrong (200, or 400 on some pages)."""
    return Case(args, allowed, sees, get=200, post=post, data=data)


def _action(args: Callable[[World], dict[str, Any]], allowed: frozenset[str],
            sees: frozenset[str] | None = None, post: int = 302,
            data: Callable[[World], dict[str, Any]] | None = None) -> Case:
    """A button: POST only, answered with a redirect and a message saying what was done or
    why not (302), or with the page and its form again (400)."""
    return Case(args, allowed, sees, get=REFUSED, post=post, data=data)


def _posting(**fields: Any) -> Callable[[World], dict[str, Any]]:
    return lambda w: fields


EXPECTATIONS: dict[str, list[Case]] = {
    # a signed-in person's dashboard; anyone else is sent to the public results
    "site:home": [Case(_nothing, EVERYONE, get={"anonymous": 302, "*": 200})],
    "core:audit": [Case(_nothing, NACC)],
    # accounts
    "accounts:login": [Case(_nothing, EVERYONE, get=HOME, post=HOME, changes=NOBODY)],
    "accounts:logout": [Case(_nothing, EVERYONE, get=REFUSED, post=302, changes=NOBODY)],
    "accounts:password": [_form(_nothing, SIGNED_IN)],
    # sign-in (issue 9): password reset by e-mail is public; an empty request or a link
    # that does not work changes nothing
    "accounts:password_reset": [Case(_nothing, EVERYONE, post=200, changes=NOBODY)],
    "accounts:password_reset_done": [Case(_nothing, EVERYONE)],
    "accounts:password_reset_confirm": [Case(lambda w: {"uidb64": "MA", "token": "x-y"},
                                             EVERYONE, post=200, changes=NOBODY)],
    "accounts:password_reset_complete": [Case(_nothing, EVERYONE)],
    # two-factor sign-in: everyone signed in has the pages; the sessions of those whose
    # role requires it are verified already, so the code page sends them on
    "accounts:two_factor": [Case(_nothing, SIGNED_IN)],
    "accounts:two_factor_verify": [Case(_nothing, SIGNED_IN, get=302, post=302,
                                        changes=NOBODY)],
    "accounts:two_factor_enrol": [_form(_nothing, SIGNED_IN)],
    "accounts:two_factor_recovery": [Case(_nothing, SIGNED_IN, get=REFUSED, post={
        "*": 302, "nacc": 200, "executive_a": 200, "consultant_x": 200, "lead_x": 200})],
    "accounts:two_factor_reset": [_form(lambda w: {"pk": w.executive_a.pk}, NACC, post=302,
                                        data=_posting(reason="โทรศัพท์หาย"))],
    "accounts:accept": [Case(lambda w: {"token": w.invitation_token}, EVERYONE, post=200,
                             changes=NOBODY)],
    "accounts:people": [Case(_nothing, NACC)],
    "accounts:person": [Case(lambda w: {"pk": w.admin_a.pk}, NACC)],
    "accounts:grant": [_form(_nothing, NACC, post=302, data=lambda w: {
        "email": "new.officer@example.test", "role": Role.OVERSIGHT,
        "province": w.province_q.pk})],
    # A's executive role and an invitation to it: those who see A may know of them
    # A grant or invitation is looked up among those the person may manage: to anyone
    # else it does not exist.
    "accounts:revoke": [_action(lambda w: {"grant_id": w.executive_grant.pk}, RUNS_A,
                                RUNS_A, data=_posting(reason="ย้ายไปหน่วยงานอื่น"))],
    "accounts:cancel_invitation": [_action(lambda w: {"pk": w.invitation.pk}, RUNS_A,
                                           RUNS_A)],
    # executives proposed by an agency, confirmed by NACC (issue 9, separation of duties)
    "accounts:confirmations": [Case(_nothing, NACC)],
    "accounts:decide_executive": [_action(lambda w: {"pk": w.proposal.pk}, NACC,
                                          data=_posting(decision="confirm"))],
    "accounts:teams": [Case(_nothing, NACC)],
    "accounts:team_lead": [_action(lambda w: {"pk": w.team_x.pk,
                                              "grant_id": w.consultant_grant.pk}, NACC)],
    "accounts:team_new": [_form(_nothing, NACC, post=302, data=lambda w: {
        "name_th": "ทีม ใหม่", "groups": [w.agency_b.group_id]})],
    "accounts:team_edit": [_form(lambda w: {"pk": w.team_x.pk}, NACC)],
    # the registry
    "agencies:detail": [Case(_agency_a, SEES_A, SEES_A), Case(_agency_b, SEES_B, SEES_B)],
    "agencies:new": [_form(_nothing, NACC)],
    "agencies:import": [_form(_nothing, NACC)],
    "agencies:registry_edit": [_form(_agency_a, NACC)],
    "agencies:set_active": [_action(_agency_a, NACC)],
    "agencies:profile": [_form(_agency_a, RUNS_A, SEES_A, post=302),
                         _form(_agency_b, frozenset({"nacc", "admin_b"}), SEES_B, post=302)],
    "agencies:contact_new": [_form(_agency_a, RUNS_A, SEES_A, post=302, data=_posting(
        name="ผู้ช่วยปลัด", phone="053111111"))],
    "agencies:contact_edit": [_form(lambda w: {"pk": w.agency_a.pk,
                                               "contact_id": w.contact.pk}, RUNS_A, SEES_A,
                                    post=302, data=_posting(name="ปลัด อบต.",
                                                            phone="053222222"))],
    "agencies:contact_delete": [_action(lambda w: {"pk": w.agency_a.pk,
                                                   "contact_id": w.spare_contact.pk},
                                        RUNS_A, SEES_A)],
    "agencies:invite": [_form(_agency_a, RUNS_A, SEES_A, post=302, data=_posting(
        email="colleague@example.test", role=Role.AGENCY_ADMIN))],
    # the agencies in the year, and enrolment (A is enrolled, its headcount approved)
    "agencies:list": [Case(_nothing, ROLES)],
    "agencies:export": [Case(lambda w: {"fmt": "csv"}, ROLES),
                        Case(lambda w: {"fmt": "xlsx"}, ROLES)],
    "agencies:enrol": [_action(_enrolment_a, frozenset({"admin_a"}), SEES_A)],
    "agencies:headcount": [_form(_enrolment_a, frozenset({"admin_a"}), SEES_A)],
    "agencies:approve_headcount": [_action(_enrolment_a, frozenset({"executive_a"}), SEES_A)],
    "agencies:return_headcount": [_action(_enrolment_a, frozenset({"executive_a"}), SEES_A)],
    # the agency's surveys (A is collecting); everyone who sees A follows its progress, only
    # its administrator issues access codes
    "agencies:surveys": [Case(_agency_a, SEES_A, SEES_A, post=200, data=_posting(count=1),
                              changes=frozenset({"admin_a"}))],
    "agencies:qr": [Case(lambda w: {"pk": w.agency_a.pk, "instrument": "iit", "fmt": "svg"},
                         SEES_A, SEES_A),
                    Case(lambda w: {"pk": w.agency_a.pk, "instrument": "eit", "fmt": "png"},
                         SEES_A, SEES_A)],
    "agencies:announcement": [Case(lambda w: {"pk": w.agency_a.pk, "instrument": "iit"},
                                   SEES_A, SEES_A)],
    # more IIT access codes than the headcount and its margin: NACC only, with a reason
    "agencies:survey_code_allowance": [_action(_agency_a, NACC, SEES_A, data=_posting(
        extra=10, reason="บัตรรหัสสูญหาย"))],
    "agencies:survey_quality": [Case(_agency_a, NACC | CONSULTANTS, SEES_A)],
    "agencies:survey_exclude": [_action(lambda w: {"pk": w.agency_a.pk,
                                                   "response_id": w.response.pk},
                                        NACC, SEES_A,
                                        data=_posting(excluded="1", reason="ตอบซ้ำ"))],
    "agencies:survey_interview": [_form(_agency_a, CONSULTANTS, SEES_A,
                                        post=400)],
    "agencies:survey_overview": [Case(_nothing, OVERSEERS)],
    "agencies:survey_remind": [_action(_nothing, NACC)],
    # the OIT (issue 10): A's OIT is approved and in review; only its administrator
    # answers and checks links, only its executive approves, the consultants of team X
    # review it, its lead confirms; everyone who sees A follows it
    "agencies:oit": [Case(_agency_a, SEES_A, SEES_A)],
    "agencies:oit_checks": [Case(_agency_a, SEES_A, SEES_A)],
    "agencies:oit_check": [_action(_agency_a, ADMIN_A, SEES_A)],
    "agencies:oit_submit": [_action(_agency_a, ADMIN_A, SEES_A)],
    "agencies:oit_approve": [_action(_agency_a, EXECUTIVE_A, SEES_A)],
    "agencies:oit_send_back": [_action(_agency_a, EXECUTIVE_A, SEES_A)],
    "agencies:oit_withdraw": [_action(_agency_a, EXECUTIVE_A, SEES_A)],
    "agencies:oit_clarification": [
        _action(lambda w: {"pk": w.agency_a.pk, "step": "submit"}, ADMIN_A, SEES_A),
        _action(lambda w: {"pk": w.agency_a.pk, "step": "file"}, EXECUTIVE_A, SEES_A)],
    "agencies:oit_item": [Case(_oit_item, SEES_A, SEES_A),
                          Case(_oit_item, ADMIN_A, SEES_A, get=None, post=400)],
    "agencies:oit_dispute": [_action(_oit_item, ADMIN_A, SEES_A, post=400)],
    "oit:queue": [Case(_nothing, NACC | CONSULTANTS)],
    "oit:review": [Case(_answer, NACC | CONSULTANTS, SEES_A, post={"*": 400, "nacc": 403})],
    "oit:answer_dispute": [_action(_answer, CONSULTANTS, SEES_A, post=400)],
    "oit:recheck": [_action(_answer, CONSULTANTS, SEES_A)],
    "oit:capture_text": [Case(_capture, NACC | CONSULTANTS | ADMIN_A | EXECUTIVE_A, SEES_A)],
    "oit:capture_file": [Case(_capture, NACC | CONSULTANTS | ADMIN_A | EXECUTIVE_A, SEES_A)],
    "oit:capture_snapshot": [Case(_capture, NACC | CONSULTANTS | ADMIN_A | EXECUTIVE_A,
                                  SEES_A)],
    "oit:confirmations": [Case(_nothing, NACC | CONSULTANTS)],
    "oit:confirm": [_action(lambda w: {"submission_id": w.submission.pk},
                            frozenset({"lead_x"}), NACC | CONSULTANTS)],
    "oit:progress": [Case(_nothing, OVERSEERS)],
    "oit:progress_export": [Case(lambda w: {"fmt": "xlsx"}, OVERSEERS),
                            Case(lambda w: {"fmt": "csv"}, OVERSEERS)],
    "oit:filers": [Case(_year, EVERYONE)],
    "oit:filers_export": [Case(lambda w: {"fiscal_year": w.year.fiscal_year, "fmt": "csv"},
                               EVERYONE),
                          Case(lambda w: {"fiscal_year": w.year.fiscal_year, "fmt": "xlsx"},
                               EVERYONE)],
    "oit:filers_publish": [_action(_year, NACC)],
    # results (issue 11): NACC's pages; a publication before a final run is refused
    "results:index": [Case(_nothing, NACC, get=302)],
    "results:manage": [Case(_year, NACC)],
    "results:compute": [_action(_year, NACC, data=_posting(kind="final"))],
    "results:table": [Case(_year, NACC)],
    "results:table_export": [Case(lambda w: {**_year(w), "fmt": "xlsx"}, NACC),
                             Case(lambda w: {**_year(w), "fmt": "csv"}, NACC)],
    "results:publish": [Case(_year, NACC, post=200, changes=NOBODY)],
    # award categories: NACC only; an empty form is the form again with its errors
    "results:awards": [Case(_year, NACC, post=200, data=lambda w: {}, changes=NOBODY)],
    "results:award_remove": [Case(lambda w: {**_year(w), "category_id": 999999}, NACC,
                                  get=REFUSED, post=404)],
    "results:awards_pdf": [Case(_year, NACC)],
    # news and documents: NACC writes; an empty form is the form again with its errors
    "results:news": [Case(_nothing, NACC)],
    "results:news_new": [Case(_nothing, NACC, post=200, data=lambda w: {}, changes=NOBODY)],
    "results:news_edit": [Case(lambda w: {"post_id": 999999}, NACC, get=404, post=404)],
    "results:news_publish": [Case(lambda w: {"post_id": 999999}, NACC, get=REFUSED,
                                  post=404)],
    "results:news_withdraw": [Case(lambda w: {"post_id": 999999}, NACC, get=REFUSED,
                                   post=404)],
    "results:run": [Case(lambda w: {"run_id": w.run.pk}, NACC)],
    "results:import_past": [_form(_nothing, NACC, post=200)],  # no file: the form again
    "results:scope_index": [Case(_nothing, OVERSEERS)],
    "results:scope": [Case(_year, OVERSEERS)],  # the open year: where its collection stands
    "results:scope_export": [Case(lambda w: {**_year(w), "fmt": "csv"}, OVERSEERS)],
    # An agency's report: the world's year has no final result, so not found for everyone
    # signed in (tests/results/test_report.py reads it before and after publication).
    "results:reports": [Case(_nothing, SIGNED_IN)],  # the reports of what each one sees
    "results:report": [Case(lambda w: {**_year(w), "code": w.agency_a.code}, SIGNED_IN,
                            get=404)],
    "results:report_pdf": [Case(lambda w: {**_year(w), "code": w.agency_a.code}, SIGNED_IN,
                                get=404)],
    # the public portal: the same for everyone; the world's year is not published, so its
    # pages are not found (tests/results/test_portal.py checks them after publication)
    "portal:home": [Case(_nothing, EVERYONE)],
    "portal:news": [Case(_nothing, EVERYONE)],
    "portal:news_post": [Case(lambda w: {"post_id": 999999}, EVERYONE, get=404)],
    "portal:news_file": [Case(lambda w: {"post_id": 999999, "attachment_id": 1}, EVERYONE,
                              get=404)],
    "portal:search": [Case(_nothing, EVERYONE)],
    "portal:year": [Case(_year, EVERYONE, get=404)],
    "portal:province": [Case(lambda w: {**_year(w), "code": w.province_p.code}, EVERYONE,
                             get=404)],
    "portal:kind": [Case(lambda w: {**_year(w), "kind": "sao"}, EVERYONE, get=404)],
    "portal:region": [Case(lambda w: {**_year(w), "region": "north"}, EVERYONE, get=404)],
    "portal:ministry": [Case(lambda w: {**_year(w), "code": w.ministry.code}, EVERYONE,
                             get=404)],
    "portal:agency": [Case(lambda w: {"code": w.agency_a.code}, EVERYONE)],
    # every table of those pages as CSV and XLSX: not found either (and A has no
    # published result, so its page shows no table)
    "portal:year_table": [Case(lambda w, f=f: {**_year(w), "table": "ratings", "fmt": f},
                               EVERYONE, get=404) for f in ("csv", "xlsx")],
    "portal:province_table": [Case(lambda w, f=f: {**_year(w), "code": w.province_p.code,
                                                   "fmt": f}, EVERYONE, get=404)
                              for f in ("csv", "xlsx")],
    "portal:kind_table": [Case(lambda w, f=f: {**_year(w), "kind": "sao", "fmt": f},
                               EVERYONE, get=404) for f in ("csv", "xlsx")],
    "portal:region_table": [Case(lambda w, f=f: {**_year(w), "region": "north", "fmt": f},
                                 EVERYONE, get=404) for f in ("csv", "xlsx")],
    "portal:ministry_table": [Case(lambda w, f=f: {**_year(w), "code": w.ministry.code,
                                                   "fmt": f}, EVERYONE, get=404)
                              for f in ("csv", "xlsx")],
    "portal:agency_table": [Case(lambda w, f=f: {"code": w.agency_a.code, "table": "history",
                                                 "fmt": f}, EVERYONE, get=404)
                            for f in ("csv", "xlsx")],
    "portal:opendata": [Case(_year, EVERYONE, get=404)],
    "portal:opendata_file": [Case(lambda w, name=name: {**_year(w), "name": name}, EVERYONE,
                                  get=404)
                             for name in ("results", "oit", "responses-iit")],
    # the open-data API: the same for everyone, published years only (none in this world)
    "api:api-root": [Case(_nothing, EVERYONE, get=404)],  # no page of its own
    "api:openapi-json": [Case(_nothing, EVERYONE)],
    "api:years": [Case(_nothing, EVERYONE)],
    "api:year_results": [Case(_year, EVERYONE, get=404)],
    "api:agency_result": [Case(lambda w: {**_year(w), "agency_code": w.agency_a.code},
                               EVERYONE, get=404)],
    "api:agency_history": [Case(lambda w: {"agency_code": w.agency_a.code}, EVERYONE)],
    "api:indicators": [Case(_year, EVERYONE, get=404)],
    # years and their calendars
    "calendars:list": [Case(_nothing, ROLES)],
    "calendars:new": [_form(_nothing, NACC, post=302, data=_posting(fiscal_year=2571))],
    "calendars:detail": [Case(_year, ROLES)],
    "calendars:window": [_action(_year, NACC, post=400)],
    "calendars:status": [_action(_year, NACC)],
    "calendars:extend": [_action(_year, NACC, data=lambda w: {
        "phase": Phase.REGISTRATION, "reason": "น้ำท่วม", "closes_on": (
            PhaseWindow.objects.get(year=w.year, phase=Phase.REGISTRATION).closes_on
            + dt.timedelta(days=7)).isoformat()})],
    "calendars:framework": [_action(_year, NACC, post=400)],
    "calendars:settings": [_action(_year, NACC, post=400)],  # empty: the numbers are missing
    # frameworks ("mini" is stored and frozen; "ita-2568" ships with openita, not stored)
    "frameworks:list": [Case(_nothing, ROLES)],
    "frameworks:detail": [Case(_framework("mini"), ROLES),
                          Case(_framework("ita-2568"), ROLES)],
    "frameworks:load": [_action(_framework("ita-2568"), NACC)],
    "frameworks:clone": [_action(_framework("mini"), NACC,
                                 data=_posting(code="mini-2571", fiscal_year=2571))],
    "frameworks:edit": [_form(_framework("mini"), NACC, post=400)],
    # the respondents' pages: public, the same for everyone; an empty POST stores nothing
    "surveys:start": [Case(_survey("iit"), EVERYONE, post=400, changes=NOBODY),
                      Case(_survey("eit"), EVERYONE, post=400, changes=NOBODY)],
    "surveys:phone": [Case(_survey("eit"), EVERYONE, get=302, post=302, changes=NOBODY)],
    "surveys:verify": [Case(_survey("eit"), EVERYONE, get=302, post=302, changes=NOBODY)],
    "surveys:page": [Case(_survey("iit", number=1), EVERYONE, get=302, post=302,
                          changes=NOBODY)],
    "surveys:review": [Case(_survey("iit"), EVERYONE, get=302, post=302, changes=NOBODY)],
    "surveys:thanks": [Case(_survey("iit"), EVERYONE)],
}

# Known answers that look wrong, printed by the test instead of failing it:
# (route name, persona, method) -> (status answered, why it is wrong). Fix the page, then
# remove the entry (a known defect that no longer happens fails the test).
KNOWN_DEFECTS: dict[tuple[str, str, str], tuple[int, str]] = {}


# --- the routes, from the resolver ----------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None  # namespaced, e.g. "agencies:detail"
    route: str  # the whole route, e.g. "agencies/<int:pk>/"
    view: Callable[..., Any]


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield Route(name, prefix + str(entry.pattern), entry.callback)


# Django's own views, not the project's pages, are left out on purpose: the language
# switch (``set_language``: a POST that sets a cookie, the same for everyone) and static
# files (served by WhiteNoise; a route for them exists only if DEBUG adds one).
NOT_PAGES = {i18n.set_language, static.serve, staticfiles_views.serve}


def project_routes() -> list[Route]:
    return [route for route in _walk(get_resolver().url_patterns)
            if route.view not in NOT_PAGES]


def test_every_route_has_an_expectation_and_every_expectation_a_route():
    routes = project_routes()
    problems = [f"{r.route}: give the route a name, then add an expectation for it"
                for r in routes if r.name is None]
    counts = Counter(r.name for r in routes if r.name)
    problems += [f"{name}: {n} routes share this name; give each its own"
                 for name, n in counts.items() if n > 1]
    problems += [f"{r.route}: add an expectation for {r.name!r} to EXPECTATIONS"
                 for r in routes if r.name and r.name not in EXPECTATIONS]
    problems += [f"{name!r} is in EXPECTATIONS but no route has this name; remove it"
                 for name in EXPECTATIONS if name not in counts]
    assert not problems, "\n".join(problems)
    assert "set_language" not in counts  # left out above, on purpose


# --- the world every route is tried in -------------------------------------------------


def _invited(world: World, email: str) -> tuple[Any, str]:
    """An open invitation to be A's executive, sent by A's administrator, and its token."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        invitation = accounts.invite(
            email, Role.AGENCY_EXECUTIVE, acting_user=world.admin_a, full_name="ผู้ได้รับเชิญ",
            agency=world.agency_a, site_url="https://openita.example.test")
    return invitation, invitation_token(mail.outbox[-1].body)


@pytest.fixture
def matrix(db, request) -> World:
    """The collecting world (A enrolled, its headcount approved, its surveys open), with
    one of each object a route points at: a contact to edit and one to delete, the
    executive's role (to revoke), an invitation to accept and one to cancel, and a stored
    IIT response (to exclude)."""
    w = request.getfixturevalue("collecting")
    w.contact = agencies.save_contact(
        AgencyContact(agency=w.agency_a, name="ปลัด อบต.", phone="053000000"),
        acting_user=w.admin_a)
    w.spare_contact = agencies.save_contact(
        AgencyContact(agency=w.agency_a, name="รองปลัด", email="deputy@example.test"),
        acting_user=w.admin_a)
    w.executive_grant = RoleGrant.objects.get(user=w.executive_a, revoked_at__isnull=True)
    _accepted, w.invitation_token = _invited(w, "invited@example.test")
    w.invitation, _token = _invited(w, "withdrawn@example.test")
    w.proposal, _token = _invited(w, "proposed@example.test")  # an executive NACC confirms
    code = codes.issue_access_codes(w.enrolment, 1, acting_user=w.admin_a)[0]
    w.response = surveys.submit(w.enrolment, Instrument.IIT, iit_answers(),
                                submission_key=surveys.new_submission_key(),
                                access_code=code).response
    # A's OIT, approved and in review, one item's evidence kept, the filers list published.
    oit.approve(oit.enter(w))
    oit.only_open(w, Phase.OIT_REVIEW)
    w.answer = oit.answer_of(w, "O1")
    w.capture = oit.keep_page(w, "O1", "<title>ผัง</title><p>โครงสร้าง</p>")
    snapshots.make(w.capture)
    filers.publish(w.year, "", acting_user=w.nacc)
    # A provisional computation of the year's results, done (the worker is eager in tests).
    with TestCase.captureOnCommitCallbacks(execute=True):
        w.run = computation.request_run(w.year, ResultKind.PROVISIONAL, acting_user=w.nacc)
    w.consultant_grant = RoleGrant.objects.get(user=w.consultant_x)
    return w


def _database() -> dict[str, Any]:
    """What a POST changes, or a refused one must leave as it was: how many rows each of
    openita's models holds, and the fields that change without a new row."""
    state: dict[str, Any] = {
        model._meta.label: model.objects.count() for model in apps.get_models()
        if model.__module__.startswith("openita.")}
    state["last audit entry"] = AuditEntry.objects.order_by("-pk").values_list(
        "pk", flat=True).first()
    state["revoked grants"] = RoleGrant.objects.filter(revoked_at__isnull=False).count()
    state["enrolments"] = sorted(Enrolment.objects.values_list("agency_id", "state",
                                                               "headcount"))
    state["agencies"] = sorted(Agency.objects.values_list("pk", "active", "website", "phone"))
    state["years"] = sorted(AssessmentYear.objects.values_list(
        "fiscal_year", "status", "framework_id", "iit_requires_access_code",
        "provisional_scores_visible"))
    state["excluded responses"] = Response.objects.filter(excluded=True).count()
    return state


def _changes(before: dict[str, Any], after: dict[str, Any]) -> str:
    return ", ".join(f"{key}: {before[key]!r} -> {after[key]!r}"
                     for key in before if before[key] != after[key])


def _try(client, matrix: World, persona: str, name: str, case: Case, method: str,
         url: str) -> list[str]:
    expected = case.expected(persona, method)
    # A valid form posted by someone allowed is carried out; anyone else changes nothing.
    acts = case.data is not None and case.may_change(persona)
    before = _database() if method == "POST" and (acts or not case.may_change(persona)) else None
    data = case.data(matrix) if case.data else {}
    response = client.get(url) if method == "GET" else client.post(url, data)
    problems = []
    answered = response.status_code
    known = KNOWN_DEFECTS.get((name, persona, method))
    if known is not None:
        if answered == known[0]:
            print(f"KNOWN DEFECT {method} {url} as {persona}: {answered} ({known[1]})")
            expected = answered
        else:
            problems.append(f"{method} {url}: the known defect is gone ({answered}); remove "
                            f"it from KNOWN_DEFECTS")
    if answered != expected:
        problems.append(f"{method} {url} ({name}): {answered} (expected {expected})")
    elif answered == 302 and persona == "anonymous" and persona not in case.allowed:
        if not response["Location"].startswith(reverse("accounts:login")):
            problems.append(f"{method} {url}: anonymous sent to {response['Location']}, "
                            f"not to sign in")
    if before is not None:
        after = _database()
        if acts and after == before:
            problems.append(f"{method} {url} as {persona} changed nothing: the action was "
                            f"not carried out")
        elif not acts and after != before:
            problems.append(f"{method} {url} as {persona} changed the database: "
                            f"{_changes(before, after)}")
    return problems


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_route_answers_each_persona_as_its_role_allows(matrix, client_for, persona):
    user = matrix.persona(persona)
    failures = []
    for route in project_routes():
        cases = EXPECTATIONS.get(route.name or "")
        if cases is None:
            failures.append(f"{route.route}: add an expectation for {route.name!r}")
            continue
        for case in cases:
            url = reverse(route.name, kwargs=case.args(matrix))
            for method in case.methods():
                # Signed in afresh for every request: the sign-out route ends the session.
                failures += _try(client_for(user), matrix, persona, route.name, case,
                                 method, url)
    assert not failures, f"{persona}:\n" + "\n".join(failures)


# --- the enrolment steps and the scope of the list, in detail -------------------------


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"admin_a", "anonymous"}))
def test_only_the_agency_admin_may_enrol_the_agency(world, client_for, persona):
    client = client_for(world.persona(persona))
    url = reverse("agencies:enrol", args=[world.agency_a.pk, world.year.fiscal_year])
    response = client.post(url)
    assert response.status_code == (403 if persona in SEES_A else 404)
    assert not Enrolment.objects.filter(agency=world.agency_a).exists()


def test_the_agency_admin_enrols_the_agency(world, client_for):
    url = reverse("agencies:enrol", args=[world.agency_a.pk, world.year.fiscal_year])
    response = client_for(world.admin_a).post(url)
    assert response.status_code == 302
    assert Enrolment.objects.filter(agency=world.agency_a, year=world.year).exists()


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"executive_a", "anonymous"}))
def test_only_the_executive_may_approve_the_headcount(world, client_for, persona):
    from openita.calendars import enrolment as enrolments
    from openita.calendars.models import EnrolmentState

    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    enrolments.submit_headcount(world.agency_a, world.year, 120, acting_user=world.admin_a)
    client = client_for(world.persona(persona))
    url = reverse("agencies:approve_headcount", args=[world.agency_a.pk, world.year.fiscal_year])
    response = client.post(url)
    assert response.status_code == (403 if persona in SEES_A else 404)
    state = Enrolment.objects.get(agency=world.agency_a).state
    assert state == EnrolmentState.HEADCOUNT_SUBMITTED


def test_the_executive_approves_the_headcount(world, client_for):
    from openita.calendars import enrolment as enrolments
    from openita.calendars.models import EnrolmentState

    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    enrolments.submit_headcount(world.agency_a, world.year, 120, acting_user=world.admin_a)
    url = reverse("agencies:approve_headcount", args=[world.agency_a.pk, world.year.fiscal_year])
    response = client_for(world.executive_a).post(url)
    assert response.status_code == 302
    state = Enrolment.objects.get(agency=world.agency_a).state
    assert state == EnrolmentState.HEADCOUNT_APPROVED


@pytest.mark.parametrize(
    ("persona", "codes"),
    [
        ("nacc", {"MIN-MOI", "DEP-DLA", "SAO-A", "SAO-B"}),
        ("admin_a", {"SAO-A"}),
        ("admin_b", {"SAO-B"}),
        ("executive_a", {"SAO-A"}),
        ("consultant_x", {"SAO-A"}),
        ("lead_x", {"SAO-A"}),
        ("officer_p", {"SAO-A"}),
        ("ministry_officer", {"MIN-MOI", "DEP-DLA", "SAO-A", "SAO-B"}),
    ],
)
def test_the_agency_list_shows_exactly_the_personas_scope(world, client_for, persona, codes):
    response = client_for(world.persona(persona)).get(reverse("agencies:list"))
    shown = {a.code for a in response.context["page"].object_list}
    assert shown == codes
