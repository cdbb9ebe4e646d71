"""Measures: the admin writes them (often from the library), the executive approves them,
an approved set changes only when reopened; every refusal says why and saves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from openita.core.errors import ActionRefused
from openita.core.models import AuditEntry
from openita.core.thaidates import fiscal_year_bounds, fiscal_year_of
from openita.planning import library, measures
from openita.planning.models import Measure, MeasureSet, Stage

pytestmark = pytest.mark.django_db
FY = fiscal_year_of(timezone.localdate())
FIRST, LAST = fiscal_year_bounds(FY)


def _measure(**changes):
    values = {"indicator": "4", "title": "เปิดช่องทางรับเรื่องร้องเรียนออนไลน์",
              "guideline": "แนวทาง", "steps": "1. ทำ\n2. ทำต่อ",
              "responsible_unit": "สำนักปลัด", "monitoring": "รายงานทุกไตรมาส",
              "starts_on": FIRST, "ends_on": FIRST.replace(month=12, day=15),
              "by_month": True}
    return {**values, **changes}


@pytest.fixture
def draft(world):
    return measures.start_measures(world.agency_a, FY, acting_user=world.admin_a)


def test_a_measure_in_whole_months_covers_them(world, draft):
    measure = measures.save_measure(draft, acting_user=world.admin_a, **_measure())
    assert (measure.starts_on, measure.ends_on) == (FIRST, FIRST.replace(month=12, day=31))
    changed = measures.save_measure(draft, measure, acting_user=world.admin_a,
                                    **_measure(title="ปรับปรุง", by_month=False,
                                               ends_on=FIRST + dt.timedelta(days=9)))
    assert changed.pk == measure.pk and changed.ends_on == FIRST + dt.timedelta(days=9)
    entries = AuditEntry.objects.filter(action="planning.measures_save")
    assert entries.count() == 3  # started, added, changed


@pytest.mark.parametrize(("changes", "message"), [
    ({"starts_on": FIRST - dt.timedelta(days=1)}, "ปีงบประมาณ"),
    ({"ends_on": LAST + dt.timedelta(days=1)}, "ปีงบประมาณ"),
    ({"starts_on": FIRST.replace(month=12), "ends_on": FIRST}, "ก่อนวันเริ่ม"),
    ({"responsible_unit": "   "}, "ผู้รับผิดชอบ"),
    ({"title": ""}, "มาตรการ"),
    ({"indicator": "11"}, "ตัวชี้วัด"),
    ({"starts_on": None}, "เริ่ม"),
    ({"guideline": "ก" * 4001}, "4000"),
])
def test_bad_measures_are_refused_and_nothing_is_saved(world, draft, changes, message):
    with pytest.raises(ActionRefused, match=message):
        measures.save_measure(draft, acting_user=world.admin_a, **_measure(**changes))
    assert not Measure.objects.exists()


def test_the_library_fills_the_set_with_examples_for_the_whole_year(world, draft):
    examples = library.shipped().for_indicator("4")[:2]
    added = measures.add_from_library(draft, [e.key for e in examples],
                                      responsible_unit="สำนักปลัด", acting_user=world.admin_a)
    assert [m.title for m in added] == [e.title_th for e in examples]
    assert all((m.starts_on, m.ends_on) == (FIRST, LAST) for m in added)
    assert [m.library_key for m in Measure.objects.order_by("position")] == [
        e.key for e in examples]
    assert added[0].steps.startswith("1. ")
    with pytest.raises(ActionRefused, match="ผู้รับผิดชอบ"):
        measures.add_from_library(draft, [examples[0].key], responsible_unit="",
                                  acting_user=world.admin_a)
    with pytest.raises(ActionRefused):
        measures.add_from_library(draft, ["no-such-key"], responsible_unit="x",
                                  acting_user=world.admin_a)
    assert Measure.objects.count() == 2


def test_only_the_agencys_admin_writes_and_only_its_executive_approves(world, draft):
    for person in (world.admin_b, world.executive_a, world.officer_p, world.nacc):
        with pytest.raises(PermissionDenied):
            measures.save_measure(draft, acting_user=person, **_measure())
    measures.save_measure(draft, acting_user=world.admin_a, **_measure())
    measures.submit(draft, acting_user=world.admin_a)
    for person in (world.admin_a, world.admin_b, world.officer_p, world.nacc):
        with pytest.raises(PermissionDenied):
            measures.approve(draft, acting_user=person)
    assert MeasureSet.objects.get().stage == Stage.SUBMITTED


def test_submit_approve_reopen(world, draft, transactional_db):
    with pytest.raises(ActionRefused, match="อย่างน้อย"):
        measures.submit(draft, acting_user=world.admin_a)
    measure = measures.save_measure(draft, acting_user=world.admin_a, **_measure())
    measures.submit(draft, acting_user=world.admin_a)
    with pytest.raises(ActionRefused, match="ผู้บริหาร"):
        measures.save_measure(draft, measure, acting_user=world.admin_a, **_measure())
    measures.send_back(draft, "เพิ่มตัวชี้วัดที่ 7", acting_user=world.executive_a)
    assert MeasureSet.objects.get().returned_comment == "เพิ่มตัวชี้วัดที่ 7"
    measures.submit(draft, acting_user=world.admin_a)
    approved = measures.approve(draft, acting_user=world.executive_a)
    assert approved.stage == Stage.APPROVED and approved.approved_by == world.executive_a
    with pytest.raises(ActionRefused, match="เปิดแก้ไข"):
        measures.delete_measure(measure, acting_user=world.admin_a)
    with pytest.raises(ActionRefused):
        measures.reopen(draft, "  ", acting_user=world.admin_a)
    reopened = measures.reopen(draft, "ปรับระยะเวลา", acting_user=world.admin_a)
    assert reopened.stage == Stage.DRAFT and reopened.approved_by is None
    actions = list(AuditEntry.objects.filter(action__startswith="planning.measures_")
                   .values_list("action", flat=True).order_by("pk"))
    assert actions[-5:] == ["planning.measures_return", "planning.measures_submit",
                            "planning.measures_approve", "planning.measures_reopen"][-5:] or (
        actions.count("planning.measures_approve") == 1)
    assert actions.count("planning.measures_approve") == 1
    assert actions.count("planning.measures_reopen") == 1


def test_the_sender_cannot_approve_their_own_measures(world, draft):
    from openita.accounts.models import Role, RoleGrant

    RoleGrant.objects.create(user=world.admin_a, role=Role.AGENCY_EXECUTIVE,
                             agency=world.agency_a)
    measures.save_measure(draft, acting_user=world.admin_a, **_measure())
    measures.submit(draft, acting_user=world.admin_a)
    admin = type(world.admin_a).objects.get(pk=world.admin_a.pk)  # fresh roles
    with pytest.raises(ActionRefused, match="ส่ง"):
        measures.approve(draft, acting_user=admin)
    assert MeasureSet.objects.get().stage == Stage.SUBMITTED


def test_measures_are_made_for_a_near_year_only(world):
    with pytest.raises(ActionRefused, match="ปีงบประมาณ"):
        measures.start_measures(world.agency_a, FY + 2, acting_user=world.admin_a)
    assert not MeasureSet.objects.exists()
