"""Action plans: steps in phases, "start from the NACC calendar", owners and scopes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from openita.calendars.models import PHASE_ORDER, PhaseWindow
from openita.core.errors import ActionRefused
from openita.core.models import AuditEntry
from openita.core.thaidates import fiscal_year_bounds, fiscal_year_of
from openita.planning import grid, plans
from openita.planning.models import ActionPlan, PlanStep

pytestmark = pytest.mark.django_db
FY = fiscal_year_of(timezone.localdate())
FIRST, LAST = fiscal_year_bounds(FY)


@pytest.fixture
def this_year(world):
    """The world's assessment year moved to the current fiscal year, a window a month."""
    year = world.year
    year.fiscal_year = FY
    year.save()
    PhaseWindow.objects.filter(year=year).delete()
    PhaseWindow.objects.bulk_create(
        PhaseWindow(year=year, phase=phase, opens_on=FIRST.replace(month=12) + dt.timedelta(
            days=30 * i), closes_on=FIRST.replace(month=12) + dt.timedelta(days=30 * i + 20))
        for i, phase in enumerate(PHASE_ORDER))
    return world


def _step(**changes):
    return {"action": "แต่งตั้งคณะทำงาน", "details": "", "responsible_unit": "สำนักปลัด",
            "remarks": "", "starts_on": FIRST, "ends_on": FIRST, "by_month": True, **changes}


def test_a_plan_starts_with_three_phases_and_fills_from_the_calendar(this_year):
    world = this_year
    plan = plans.start_plan(world.agency_a, FY, acting_user=world.admin_a)
    assert plan.title.endswith(f"พ.ศ. {FY}")
    assert [p.title for p in plan.phases.all()] == list(plans.calendar_steps()["groups"]
                                                         .values())
    added = plans.fill_from_calendar(plan, acting_user=world.admin_a)
    assert [s.calendar_phase for s in added] == PHASE_ORDER
    window = PhaseWindow.objects.get(year=world.year, phase="oit_entry")
    step = PlanStep.objects.get(calendar_phase="oit_entry")
    assert (step.starts_on, step.ends_on, step.by_month) == (window.opens_on,
                                                             window.closes_on, False)
    assert step.phase.title == "ช่วงการจัดเก็บข้อมูล"
    assert plans.fill_from_calendar(plan, acting_user=world.admin_a) == []  # idempotent
    assert PlanStep.objects.count() == len(PHASE_ORDER)


def test_the_calendar_fill_follows_the_agencys_extension(this_year):
    from openita.calendars import services as calendar

    world = this_year
    window = PhaseWindow.objects.get(year=world.year, phase="oit_entry")
    calendar.extend_phase(world.year, "oit_entry", window.closes_on + dt.timedelta(days=5),
                          "น้ำท่วม", agency=world.agency_a, acting_user=world.nacc)
    plan = plans.start_plan(world.agency_a, FY, acting_user=world.admin_a)
    plans.fill_from_calendar(plan, acting_user=world.admin_a)
    assert PlanStep.objects.get(calendar_phase="oit_entry").ends_on == (
        window.closes_on + dt.timedelta(days=5))


def test_without_a_calendar_the_fill_is_refused(world):
    plan = plans.start_plan(world.agency_a, FY + 1, acting_user=world.admin_a)
    with pytest.raises(ActionRefused, match="ปฏิทิน"):
        plans.fill_from_calendar(plan, acting_user=world.admin_a)


def test_steps_are_checked_and_moved_between_phases(world):
    plan = plans.start_plan(world.agency_a, FY, acting_user=world.admin_a)
    first, second, _third = plan.phases.all()
    step = plans.save_step(plan, phase=first, acting_user=world.admin_a, **_step())
    assert step.ends_on == FIRST.replace(day=31)
    moved = plans.save_step(plan, step, phase=second, acting_user=world.admin_a,
                            **_step(action="ประชุม"))
    assert moved.phase == second and moved.action == "ประชุม"
    for bad, message in (({"ends_on": LAST + dt.timedelta(days=1)}, "ปีงบประมาณ"),
                         ({"responsible_unit": ""}, "ผู้รับผิดชอบ"),
                         ({"starts_on": FIRST.replace(month=11)}, "ก่อนวันเริ่ม")):
        with pytest.raises(ActionRefused, match=message):
            plans.save_step(plan, step, phase=first, acting_user=world.admin_a, **_step(**bad))
    other = plans.start_plan(world.agency_b, FY, acting_user=world.admin_b)
    with pytest.raises(ActionRefused):  # a phase of another plan
        plans.save_step(plan, step, phase=other.phases.first(), acting_user=world.admin_a,
                        **_step())
    assert PlanStep.objects.get(pk=step.pk).phase == second
    with pytest.raises(ActionRefused, match="ขั้นตอน"):
        plans.delete_phase(second, acting_user=world.admin_a)
    plans.delete_step(step, acting_user=world.admin_a)
    plans.delete_phase(second, acting_user=world.admin_a)
    assert plan.phases.count() == 2


def test_only_the_owner_writes_a_plan(world):
    plan = plans.start_plan(world.agency_a, FY, acting_user=world.admin_a)
    for person in (world.admin_b, world.executive_a, world.officer_p, world.nacc):
        with pytest.raises(PermissionDenied):
            plans.save_step(plan, phase=plan.phases.first(), acting_user=person, **_step())
        with pytest.raises(PermissionDenied):
            plans.start_plan(world.agency_a, FY, acting_user=person)
    province = plans.Scope(province_id=world.province_p.pk)
    oversight = plans.start_plan(province, FY, acting_user=world.officer_p)
    assert oversight.is_oversight and oversight.title.startswith("แผนการขับเคลื่อน")
    for person in (world.ministry_officer, world.admin_a, world.nacc):
        with pytest.raises(PermissionDenied):
            plans.save_step(oversight, phase=oversight.phases.first(), acting_user=person,
                            **_step())
    with pytest.raises(PermissionDenied):
        plans.start_plan(plans.Scope(province_id=world.province_q.pk), FY,
                         acting_user=world.officer_p)
    ministry = plans.start_plan(plans.Scope(parent_id=world.ministry.pk), FY,
                                acting_user=world.ministry_officer)
    assert ActionPlan.objects.count() == 3 and ministry.parent == world.ministry
    assert AuditEntry.objects.filter(action="planning.plan_save").count() == 3


def test_the_month_grid_marks_the_months_of_each_step(world):
    plan = plans.start_plan(world.agency_a, FY, acting_user=world.admin_a)
    phase = plan.phases.first()
    plans.save_step(plan, phase=phase, acting_user=world.admin_a,
                    **_step(starts_on=FIRST.replace(month=11, day=20),
                            ends_on=dt.date(FIRST.year + 1, 2, 3), by_month=False))
    built = grid.month_grid(FY, [(phase.title, None, None)] + [
        (s.action, s.starts_on, s.ends_on) for _p, steps in plans.steps_of(plan)
        for s in steps])
    assert built.months[0] == "ต.ค." and built.months[-1] == "ก.ย."
    assert built.years == ((f"พ.ศ. {FY - 1}", 3), (f"พ.ศ. {FY}", 9))
    heading, step = built.rows
    assert heading.heading and heading.span == 0
    assert (step.before, step.span, step.after) == (1, 4, 7)
    assert [step.covers(m) for m in range(12)] == [False] + [True] * 4 + [False] * 7
    assert grid.Grid.from_dict(built.as_dict()) == built
