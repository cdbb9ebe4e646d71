"""The scope page of the open year before its results are published: where collection
stands in each person's scope (registered agencies, survey minimums reached, responses so
far as the person may see them, the OIT's stages, the agencies at risk and why), in a
fixed number of queries.

The world: agency A (Chiang Mai, group X) has reached both survey minimums and its OIT is
approved; agency B (Phuket) has reached both minimums but not started its OIT; agency C
(Chiang Mai, group Y) has no headcount yet and its OIT is being prepared; agency D
(Chiang Mai, group X) is not registered. The OIT entry closes in five days.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from openita.agencies.models import Agency, AgencyKind
from openita.agencies.registry_io import rebuild_lineages
from openita.calendars import services as calendar
from openita.calendars.models import Enrolment, EnrolmentState, Phase, PhaseWindow
from openita.disclosure.models import Submission, SubmissionState
from openita.results import collection
from openita.surveys import release as releases
from openita.surveys.models import Instrument, Response
from tests.helpers import page_text
from tests.surveys.conftest import iit_answers, open_collection

TODAY = timezone.localdate


def responses(enrolment: Enrolment, instrument: str, n: int) -> None:
    Response.objects.bulk_create(
        Response(enrolment=enrolment, instrument=instrument,
                 answers=iit_answers() if instrument == Instrument.IIT else {"e1": 3},
                 submitted_on=TODAY(), receipt=uuid.uuid4().hex)
        for _ in range(n))


def oit_closes_in(world, days: int) -> None:
    PhaseWindow.objects.filter(year=world.year, phase=Phase.OIT_ENTRY).update(
        opens_on=TODAY() - dt.timedelta(days=20), closes_on=TODAY() + dt.timedelta(days=days))


def sao(world, code: str, *, province, group, size: str = "S") -> Agency:
    agency = Agency.objects.create(code=code, name_th=f"องค์การบริหารส่วนตำบล {code}",
                                   kind=AgencyKind.SAO, size_class=size, province=province,
                                   group=group, parent=world.dla)
    rebuild_lineages()
    agency.refresh_from_db()
    return agency


@pytest.fixture
def collecting_scope(world):
    """A: IIT 30 of 30, EIT 100 of 100, OIT approved. B: IIT 10 of 10 (headcount 10),
    EIT 50 of 50, no OIT. C: registered without a headcount, OIT in draft. D: not
    registered. The OIT entry closes in five days."""
    w = open_collection(world)  # A enrolled, headcount 120: IIT minimum 30, EIT 100 (M)
    responses(w.enrolment, Instrument.IIT, 30)
    responses(w.enrolment, Instrument.EIT, 100)
    Submission.objects.create(enrolment=w.enrolment, state=SubmissionState.APPROVED,
                              approval_round=1)
    w.enrolment_b = Enrolment.objects.create(
        agency=w.agency_b, year=w.year, state=EnrolmentState.HEADCOUNT_APPROVED, headcount=10)
    responses(w.enrolment_b, Instrument.IIT, 10)
    responses(w.enrolment_b, Instrument.EIT, 50)  # SAO of size L: 50
    gy = w.agency_b.group
    w.agency_c = sao(w, "SAO-C", province=w.province_p, group=gy)
    w.enrolment_c = Enrolment.objects.create(agency=w.agency_c, year=w.year,
                                             state=EnrolmentState.REGISTERED)
    Submission.objects.create(enrolment=w.enrolment_c, state=SubmissionState.DRAFT)
    w.agency_d = sao(w, "SAO-D", province=w.province_p, group=w.group_x)
    Enrolment.objects.create(agency=w.agency_d, year=w.year,
                             state=EnrolmentState.NOT_REGISTERED, headcount=50)
    oit_closes_in(w, 5)
    return w


def figures(user, world, by: str = "province") -> dict[str, tuple]:
    found = collection.collection(user, world.year, by)
    return {g.label: (g.registered, g.iit_met, g.eit_met, g.iit_responses, g.eit_responses,
                      g.oit_not_started, g.oit_draft, g.oit["submitted"], g.oit["approved"],
                      g.at_risk) for g in found.groups}


def at_risk(user, world) -> dict[str, list[str]]:
    """The reasons in English (the Thai ones are the translations of these)."""
    with translation.override("en"):
        return {r.agency.code: [reason.text for reason in r.reasons]
                for r in collection.collection(user, world.year, "province").at_risk}


def test_nacc_sees_every_registered_agency_with_the_live_figures(collecting_scope):
    w = collecting_scope
    assert figures(w.nacc, w) == {
        "เชียงใหม่": (2, 1, 1, 30, 100, 0, 1, 1, 1, 1),  # A and C
        "ภูเก็ต": (1, 1, 1, 10, 50, 1, 0, 0, 0, 1),  # B
    }
    found = collection.collection(w.nacc, w.year, "ministry")
    assert found.live
    assert [(g.label, g.registered) for g in found.groups] == [(w.ministry.name_th, 3)]
    assert (found.totals.registered, found.totals.at_risk) == (3, 2)
    kinds = collection.collection(w.nacc, w.year, "kind")
    assert [(g.label, g.registered) for g in kinds.groups] == [
        (str(AgencyKind.SAO.label), 3)]


def test_a_provincial_officer_sees_only_the_agencies_of_their_province(collecting_scope):
    w = collecting_scope
    releases.releases_of_year(w.year, make_due=True)  # what people outside NACC see
    assert figures(w.officer_p, w) == {"เชียงใหม่": (2, 1, 1, 30, 100, 0, 1, 1, 1, 1)}
    assert set(at_risk(w.officer_p, w)) == {"SAO-C"}


def test_a_consultant_sees_only_the_agencies_of_their_team(collecting_scope):
    w = collecting_scope
    releases.releases_of_year(w.year, make_due=True)
    # Team X reviews group X: A (D is in group X too, but not registered).
    assert figures(w.consultant_x, w) == {"เชียงใหม่": (1, 1, 1, 30, 100, 0, 0, 1, 1, 0)}
    assert collection.collection(w.consultant_x, w.year, "province").at_risk_count == 0


def test_who_may_not_see_live_figures_sees_the_last_released_ones(collecting_scope,
                                                                  client_for):
    w = collecting_scope
    # Nothing released yet: no count at all, and the minimums are not known to be reached.
    assert figures(w.officer_p, w)["เชียงใหม่"][:5] == (2, 0, 0, 0, 0)
    assert at_risk(w.officer_p, w)["SAO-A"] == ["IIT: – of the minimum 30",
                                                 "EIT: – of the minimum 100"]
    releases.releases_of_year(w.year, make_due=True)
    responses(w.enrolment, Instrument.IIT, 1)  # one more answer, after the release
    assert figures(w.officer_p, w)["เชียงใหม่"][3] == 30  # as released
    assert figures(w.nacc, w)["เชียงใหม่"][3] == 31  # live
    assert not collection.collection(w.officer_p, w.year, "province").live
    officer = client_for(w.officer_p).get(_url(w))
    assert officer.context["collection"].totals.iit_responses == 30
    assert not officer.context["collection"].live
    nacc = client_for(w.nacc).get(_url(w))
    assert nacc.context["collection"].totals.iit_responses == 31 + 10  # and B


def test_at_risk_are_the_agencies_short_of_a_survey_minimum_or_late_with_the_oit(
        collecting_scope):
    w = collecting_scope
    assert list(at_risk(w.nacc, w)) == ["SAO-C", "SAO-B"]  # the most reasons first
    assert at_risk(w.nacc, w) == {
        "SAO-C": ["No approved headcount yet, so no IIT minimum",
                  "EIT: 0 of the minimum 100",
                  "OIT not approved; its entry closes in 5 days"],
        "SAO-B": ["OIT not started; its entry closes in 5 days"],
    }
    # B's own extension of the OIT entry puts its deadline beyond the margin.
    calendar.extend_phase(w.year, Phase.OIT_ENTRY, TODAY() + dt.timedelta(days=30),
                          "น้ำท่วม", acting_user=w.nacc, agency=w.agency_b)
    assert set(at_risk(w.nacc, w)) == {"SAO-C"}
    # With the deadline far for everyone, C is at risk for its surveys alone.
    oit_closes_in(w, 40)
    assert at_risk(w.nacc, w)["SAO-C"] == ["No approved headcount yet, so no IIT minimum",
                                           "EIT: 0 of the minimum 100"]
    # A deadline gone by with the OIT not approved (B's own day is still a month away).
    oit_closes_in(w, -2)
    assert at_risk(w.nacc, w)["SAO-C"][-1] == "OIT not approved, and its entry has closed"
    assert "SAO-B" not in at_risk(w.nacc, w)


def test_the_margin_before_the_oit_deadline_is_a_setting(collecting_scope, settings):
    w = collecting_scope
    settings.OPENITA_OIT_AT_RISK_DAYS = 5
    assert set(at_risk(w.nacc, w)) == {"SAO-C"}  # five days left is not fewer than five


def _url(w, by: str = "province") -> str:
    return reverse("results:scope", args=[w.year.fiscal_year]) + f"?by={by}"


def test_the_page_shows_the_groups_and_links_the_agencies_at_risk(collecting_scope,
                                                                   client_for):
    w = collecting_scope
    response = client_for(w.nacc).get(_url(w, "kind"))
    assert response.status_code == 200
    body = page_text(response)
    assert 'id="collection-groups"' in body and 'id="scope-groups"' not in body
    assert "SAO-C" in body and "SAO-B" in body and "SAO-D" not in body
    assert reverse("agencies:oit", args=[w.agency_b.pk]) in body
    assert reverse("agencies:surveys", args=[w.agency_c.pk]) in body
    assert reverse("oit:progress") + "?by=kind" in body
    assert reverse("agencies:survey_overview") in body
    officer = page_text(client_for(w.officer_p).get(_url(w)))
    assert "SAO-B" not in officer and "ภูเก็ต" not in officer


def test_another_unpublished_year_is_not_found_and_the_index_links_the_open_year(
        collecting_scope, client_for):
    from openita.calendars.models import AssessmentYear, YearStatus

    w = collecting_scope
    AssessmentYear.objects.create(fiscal_year=2569, status=YearStatus.CLOSED,
                                  framework=w.year.framework)
    client = client_for(w.nacc)
    assert client.get(reverse("results:scope", args=[2569])).status_code == 404
    index = client.get(reverse("results:scope_index"))
    assert index.status_code == 200
    assert reverse("results:scope", args=[w.year.fiscal_year]) in index.content.decode()


def _more_agencies(w, numbers: range) -> None:
    """Agencies of province P and group X, registered, with responses and an OIT each."""
    added = Agency.objects.bulk_create(
        Agency(code=f"SAO-N{i:03d}", name_th=f"องค์การบริหารส่วนตำบลที่ {i}",
               kind=AgencyKind.SAO, size_class="S", province=w.province_p, group=w.group_x,
               parent=w.dla) for i in numbers)
    rebuild_lineages()
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(agency=a, year=w.year, state=EnrolmentState.HEADCOUNT_APPROVED,
                  headcount=40 + i) for i, a in zip(numbers, added, strict=True))
    for e in enrolments:
        responses(e, Instrument.IIT, 2)
    Submission.objects.bulk_create(
        Submission(enrolment=e, state=[SubmissionState.DRAFT, SubmissionState.APPROVED][i % 2])
        for i, e in enumerate(enrolments))


@pytest.mark.parametrize("persona", ["nacc", "officer_p", "consultant_x"])
def test_the_page_makes_as_many_queries_for_many_agencies_as_for_few(
        collecting_scope, client_for, persona):
    w = collecting_scope
    client = client_for(w.persona(persona))
    url = _url(w)

    def count() -> int:
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    _more_agencies(w, range(40))
    releases.releases_of_year(w.year, make_due=True)
    assert count() == few
