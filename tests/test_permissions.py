"""Every page of the foundation, tried as every persona: allowed or forbidden.

A page outside a person's scope answers 404 (its existence does not leak); a page in
scope that the role may not use answers 403; anonymous visitors are sent to sign in.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.personas import PERSONAS

ROLES = set(PERSONAS) - {"anonymous", "nobody"}
SEES_A = {"nacc", "admin_a", "executive_a", "consultant_x", "officer_p", "ministry_officer"}
SEES_B = {"nacc", "admin_b", "ministry_officer"}


def _pages(w):
    a, b, fy = w.agency_a.pk, w.agency_b.pk, w.year.fiscal_year
    return [
        # (url, allowed personas, personas who may see the object at all)
        (reverse("site:home"), ROLES | {"nobody"}, None),
        (reverse("core:audit"), {"nacc"}, None),
        (reverse("agencies:list"), ROLES, None),
        (reverse("agencies:export", args=["csv"]), ROLES, None),
        (reverse("agencies:export", args=["xlsx"]), ROLES, None),
        (reverse("agencies:detail", args=[a]), SEES_A, SEES_A),
        (reverse("agencies:detail", args=[b]), SEES_B, SEES_B),
        (reverse("agencies:profile", args=[a]), {"nacc", "admin_a"}, SEES_A),
        (reverse("agencies:contact_new", args=[a]), {"nacc", "admin_a"}, SEES_A),
        (reverse("agencies:invite", args=[a]), {"nacc", "admin_a"}, SEES_A),
        (reverse("agencies:headcount", args=[a, fy]), {"admin_a"}, SEES_A),
        (reverse("agencies:profile", args=[b]), {"nacc", "admin_b"}, SEES_B),
        (reverse("agencies:new"), {"nacc"}, None),
        (reverse("agencies:import"), {"nacc"}, None),
        (reverse("agencies:registry_edit", args=[a]), {"nacc"}, None),
        (reverse("calendars:list"), ROLES, None),
        (reverse("calendars:detail", args=[fy]), ROLES, None),
        (reverse("calendars:new"), {"nacc"}, None),
        (reverse("accounts:people"), {"nacc"}, None),
        (reverse("accounts:grant"), {"nacc"}, None),
        (reverse("accounts:person", args=[w.admin_a.pk]), {"nacc"}, None),
        (reverse("accounts:teams"), {"nacc"}, None),
        (reverse("accounts:team_new"), {"nacc"}, None),
        (reverse("accounts:team_edit", args=[w.team_x.pk]), {"nacc"}, None),
        (reverse("frameworks:list"), ROLES, None),
        (reverse("frameworks:detail", args=["ita-2568"]), ROLES, None),
        (reverse("frameworks:detail", args=["mini"]), ROLES, None),
        (reverse("frameworks:edit", args=["mini"]), {"nacc"}, None),
        (reverse("agencies:surveys", args=[a]), SEES_A, SEES_A),
        (reverse("agencies:survey_quality", args=[a]), {"nacc", "consultant_x"}, SEES_A),
        (reverse("agencies:survey_overview"),
         {"nacc", "consultant_x", "officer_p", "ministry_officer"}, None),
    ]


def _expected(persona: str, allowed: set, scope: set | None) -> int:
    if persona == "anonymous":
        return 302
    if persona in allowed:
        return 200
    if scope is not None and persona not in scope:
        return 404
    return 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_answers_each_persona_as_its_role_allows(world, client_for, persona):
    client = client_for(world.persona(persona))
    failures = []
    for url, allowed, scope in _pages(world):
        response = client.get(url)
        expected = _expected(persona, allowed, scope)
        if response.status_code != expected:
            failures.append(f"{url}: {response.status_code} (expected {expected})")
        if expected == 302:
            assert reverse("accounts:login") in response["Location"]
    assert not failures, f"{persona}: " + "; ".join(failures)


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"admin_a", "anonymous"}))
def test_only_the_agency_admin_may_enrol_the_agency(world, client_for, persona):
    from openita.calendars.models import Enrolment

    client = client_for(world.persona(persona))
    url = reverse("agencies:enrol", args=[world.agency_a.pk, world.year.fiscal_year])
    response = client.post(url)
    assert response.status_code == (403 if persona in SEES_A else 404)
    assert not Enrolment.objects.filter(agency=world.agency_a).exists()


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"executive_a", "anonymous"}))
def test_only_the_executive_may_approve_the_headcount(world, client_for, persona):
    from openita.calendars import enrolment as enrolments
    from openita.calendars.models import Enrolment, EnrolmentState

    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    enrolments.submit_headcount(world.agency_a, world.year, 120, acting_user=world.admin_a)
    client = client_for(world.persona(persona))
    url = reverse("agencies:approve_headcount", args=[world.agency_a.pk, world.year.fiscal_year])
    response = client.post(url)
    assert response.status_code == (403 if persona in SEES_A else 404)
    state = Enrolment.objects.get(agency=world.agency_a).state
    assert state == EnrolmentState.HEADCOUNT_SUBMITTED


@pytest.mark.parametrize(
    ("persona", "codes"),
    [
        ("nacc", {"MIN-MOI", "DEP-DLA", "SAO-A", "SAO-B"}),
        ("admin_a", {"SAO-A"}),
        ("admin_b", {"SAO-B"}),
        ("executive_a", {"SAO-A"}),
        ("consultant_x", {"SAO-A"}),
        ("officer_p", {"SAO-A"}),
        ("ministry_officer", {"MIN-MOI", "DEP-DLA", "SAO-A", "SAO-B"}),
    ],
)
def test_the_agency_list_shows_exactly_the_personas_scope(world, client_for, persona, codes):
    response = client_for(world.persona(persona)).get(reverse("agencies:list"))
    shown = {a.code for a in response.context["page"].object_list}
    assert shown == codes
