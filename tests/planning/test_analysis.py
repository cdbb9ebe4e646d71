"""The analysis of last year's result: filled from openita's published result, typed in
when openita has none, written only by the agency's admin, and every refusal saves nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from openita.core.errors import ActionRefused
from openita.core.models import AuditEntry
from openita.planning import services
from openita.planning.models import Analysis, ScoreSource

pytestmark = pytest.mark.django_db


def test_the_weakest_are_those_below_the_mark_and_the_lowest_three():
    scores = {"1": "99.00", "2": "84.99", "3": "90.00", "4": "70.00", "5": "95.00",
              "6": "88.00", "7": None}
    assert services.weakest(scores) == ["4", "2", "6"]
    assert services.weakest({"1": "60", "2": "70", "3": "80", "4": "84"}) == [
        "1", "2", "3", "4"]
    assert services.weakest({"1": "99", "2": "98"}) == ["2", "1"]


def test_a_published_year_fills_the_analysis(published):
    year = published.year.fiscal_year
    analysis = services.start_analysis(published.agency_a, year, acting_user=published.admin_a)
    result = published.result
    assert analysis.source == ScoreSource.OPENITA
    assert analysis.indicators == {k: v for k, v in result.indicators.items() if v}
    assert analysis.total == result.total and analysis.framework == result.framework
    assert analysis.rating == result.rating
    assert [code for code, _title in analysis.failed_items] == ["O2"]
    again = services.start_analysis(published.agency_a, year, acting_user=published.admin_a)
    assert again.pk == analysis.pk
    assert AuditEntry.objects.filter(action="planning.analysis_start").count() == 1
    with pytest.raises(ActionRefused, match="ประกาศแล้ว"):
        services.save_analysis(analysis, acting_user=published.admin_a, meeting_on=None,
                               indicators={"1": "100"})


def test_a_result_not_yet_published_is_not_used(confirmed):
    from tests.results.conftest import computed

    computed(confirmed)
    analysis = services.start_analysis(confirmed.agency_a, confirmed.year.fiscal_year,
                                       acting_user=confirmed.admin_a)
    assert analysis.source == ScoreSource.ENTERED and analysis.indicators == {}


def test_without_a_result_the_agency_types_in_its_scores(world, transactional_db):
    analysis = services.start_analysis(world.agency_a, 2567, acting_user=world.admin_a)
    assert analysis.source == ScoreSource.ENTERED and analysis.indicators == {}
    met = timezone.localdate() - dt.timedelta(days=3)
    services.save_analysis(
        analysis, acting_user=world.admin_a, meeting_on=met,
        indicators={"1": "85,42", "2": " 90 ", "3": ""}, weaknesses="ข้อ ๑\nข้อ ๒",
        topics="การเปิดเผยข้อมูล", practice="", meeting_attendees="นายก ปลัด")
    analysis.refresh_from_db()
    assert analysis.indicators == {"1": "85.42", "2": "90.00"}
    assert analysis.weaknesses == "ข้อ ๑\nข้อ ๒" and analysis.meeting_on == met
    entry = AuditEntry.objects.get(action="planning.analysis_save")
    assert entry.before["indicators"] == {} and entry.after["indicators"]["1"] == "85.42"


@pytest.mark.parametrize(("change", "message"), [
    ({"indicators": {"1": "100.5"}}, "0 ถึง 100"),
    ({"indicators": {"1": "85.425"}}, "ทศนิยมไม่เกินสองตำแหน่ง"),
    ({"indicators": {"1": "abc"}}, "0 ถึง 100"),
    ({"indicators": {"1": "NaN"}}, "0 ถึง 100"),
    ({"indicators": {"11": "50"}}, "ไม่มีตัวชี้วัดที่ 11"),
    ({"weaknesses": "ก" * 4001}, "4000"),
    ({"meeting_on": dt.date.today() + dt.timedelta(days=2)}, "อนาคต"),
])
def test_bad_input_is_refused_and_nothing_is_saved(world, change, message):
    analysis = services.start_analysis(world.agency_a, 2567, acting_user=world.admin_a)
    fields = {"meeting_on": None, "topics": "ใหม่", **change}
    with pytest.raises(ActionRefused, match=message):
        services.save_analysis(analysis, acting_user=world.admin_a, **fields)
    analysis.refresh_from_db()
    assert analysis.topics == "" and analysis.indicators == {}
    assert not AuditEntry.objects.filter(action="planning.analysis_save").exists()


@pytest.mark.parametrize("persona", ["admin_b", "executive_a", "officer_p", "nacc", "nobody"])
def test_only_the_agency_admin_writes_the_analysis(world, persona):
    with pytest.raises(PermissionDenied):
        services.start_analysis(world.agency_a, 2567, acting_user=world.persona(persona))
    analysis = services.start_analysis(world.agency_a, 2567, acting_user=world.admin_a)
    with pytest.raises(PermissionDenied):
        services.save_analysis(analysis, acting_user=world.persona(persona), meeting_on=None,
                               topics="x")
    assert Analysis.objects.get().topics == ""


def test_a_year_not_begun_is_refused(world):
    with pytest.raises(ActionRefused, match="พ.ศ."):
        services.start_analysis(world.agency_a, 2580, acting_user=world.admin_a)
    assert not Analysis.objects.exists()


def test_the_weakest_use_the_framework_pass_mark():
    assert services.weakest({"1": "80", "2": "81", "3": "82", "4": "83"},
                            pass_mark=Decimal("81")) == ["1", "2", "3"]
