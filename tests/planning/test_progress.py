"""Progress reports: only on approved measures, within the period, with evidence links,
prepared-by, the executive's acknowledgement; and the oversight body's view and log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from openita.core.errors import ActionRefused
from openita.core.thaidates import fiscal_year_bounds, fiscal_year_of
from openita.planning import measures, oversight, plans, progress
from openita.planning.models import CoachingActivity, ProgressEntry, ProgressReport, Stage

pytestmark = pytest.mark.django_db
FY = fiscal_year_of(timezone.localdate())
FIRST, LAST = fiscal_year_bounds(FY)


def _approved(world):
    measure_set = measures.start_measures(world.agency_a, FY, acting_user=world.admin_a)
    for indicator in ("4", "9"):
        measures.save_measure(measure_set, acting_user=world.admin_a, indicator=indicator,
                              title=f"มาตรการ {indicator}", responsible_unit="กองคลัง",
                              starts_on=FIRST, ends_on=LAST, by_month=True)
    measures.submit(measure_set, acting_user=world.admin_a)
    return measures.approve(measure_set, acting_user=world.executive_a)


def test_a_report_waits_for_approved_measures(world):
    measure_set = measures.start_measures(world.agency_a, FY, acting_user=world.admin_a)
    with pytest.raises(ActionRefused, match="อนุมัติ"):
        progress.start_report(measure_set, 6, acting_user=world.admin_a)
    assert not ProgressReport.objects.exists()


def test_the_six_month_report_from_start_to_acknowledgement(world, transactional_db):
    report = progress.start_report(_approved(world), 6, acting_user=world.admin_a)
    entries = list(report.entries.order_by("measure__position"))
    assert len(entries) == 2
    assert entries[0].ends_on == progress.period_end(FY, 6) == dt.date(FIRST.year + 1, 3, 31)
    with pytest.raises(ActionRefused, match="ผู้จัดทำ"):
        progress.submit(report, acting_user=world.admin_a)
    progress.save_prepared_by(report, name="นางสาวสมใจ ทำดี", position="หัวหน้าสำนักปลัด",
                              acting_user=world.admin_a)
    with pytest.raises(ActionRefused, match="อย่างน้อย"):
        progress.submit(report, acting_user=world.admin_a)
    entry = progress.save_entry(
        entries[0], acting_user=world.admin_a, done="จัดอบรม", outputs="ผู้เข้าอบรม 40 คน",
        outcomes="ร้อยละ 90 เข้าใจ", remarks="",
        evidence_urls="https://example.go.th/a\n\nhttps://example.go.th/a\nhttp://x.go.th/b",
        starts_on=FIRST, ends_on=LAST, by_month=True)
    assert entry.evidence_urls == ["https://example.go.th/a", "http://x.go.th/b"]
    assert entry.ends_on == progress.period_end(FY, 6)  # cut at the end of the period
    progress.submit(report, acting_user=world.admin_a)
    with pytest.raises(PermissionDenied):
        progress.acknowledge(report, acting_user=world.admin_a)
    done = progress.acknowledge(report, acting_user=world.executive_a)
    assert done.stage == Stage.APPROVED and done.approved_by == world.executive_a
    with pytest.raises(ActionRefused, match="รับทราบ"):
        progress.save_entry(entries[1], acting_user=world.admin_a, done="x",
                            starts_on=FIRST, ends_on=FIRST, by_month=True)


@pytest.mark.parametrize(("changes", "message"), [
    ({"evidence_urls": "javascript:alert(1)"}, "http"),
    ({"evidence_urls": "\n".join(f"https://a.go.th/{n}" for n in range(11))}, "10"),
    ({"starts_on": dt.date(FIRST.year + 1, 4, 1)}, "31 มีนาคม"),
    ({"ends_on": LAST + dt.timedelta(days=1)}, "ปีงบประมาณ"),
])
def test_bad_entries_are_refused(world, changes, message):
    report = progress.start_report(_approved(world), 6, acting_user=world.admin_a)
    entry = report.entries.first()
    values = {"done": "ทำแล้ว", "starts_on": FIRST, "ends_on": FIRST, "by_month": True,
              **changes}
    if "starts_on" in changes:
        values["ends_on"] = LAST
    with pytest.raises(ActionRefused, match=message):
        progress.save_entry(entry, acting_user=world.admin_a, **values)
    assert ProgressEntry.objects.get(pk=entry.pk).done == ""


def test_another_agency_cannot_report_or_read_into_it(world):
    report = progress.start_report(_approved(world), 12, acting_user=world.admin_a)
    with pytest.raises(PermissionDenied):
        progress.save_entry(report.entries.first(), acting_user=world.admin_b, done="x",
                            starts_on=FIRST, ends_on=FIRST, by_month=True)
    with pytest.raises(PermissionDenied):
        progress.start_report(report.measure_set, 6, acting_user=world.officer_p)


def test_reopened_measures_add_their_new_measure_to_the_draft_report(world):
    measure_set = _approved(world)
    report = progress.start_report(measure_set, 6, acting_user=world.admin_a)
    measures.reopen(measure_set, "เพิ่มมาตรการ", acting_user=world.admin_a)
    measures.save_measure(measure_set, acting_user=world.admin_a, indicator="7",
                          title="ใหม่", responsible_unit="กองช่าง", starts_on=FIRST,
                          ends_on=LAST, by_month=True)
    with pytest.raises(ActionRefused):
        progress.submit(report, acting_user=world.admin_a)
    measures.submit(measure_set, acting_user=world.admin_a)
    measures.approve(measure_set, acting_user=world.executive_a)
    assert progress.start_report(measure_set, 6, acting_user=world.admin_a).pk == report.pk
    assert report.entries.count() == 3


def test_the_province_sees_who_is_late_and_logs_its_coaching(world):
    province = plans.Scope(province_id=world.province_p.pk)
    _approved(world)
    late = oversight.scope_status(province, FY, today=LAST)
    assert [row.agency for row in late] == [world.agency_a]
    assert late[0].measures == Stage.APPROVED and not late[0].plan
    assert late[0].late == ("รายงานรอบ 6 เดือนยังไม่ส่ง",)
    early = oversight.scope_status(province, FY, today=FIRST)
    assert early[0].late == ()
    activity = oversight.save_coaching(
        province, acting_user=world.officer_p, held_on=timezone.localdate(), kind="line",
        agency_ids=[world.agency_a.pk], notes="แนะนำการตอบ OIT")
    assert list(activity.agencies.all()) == [world.agency_a]
    with pytest.raises(ActionRefused, match="ขอบเขต"):
        oversight.save_coaching(province, acting_user=world.officer_p,
                                held_on=timezone.localdate(), kind="line",
                                agency_ids=[world.agency_b.pk])
    with pytest.raises(ActionRefused):
        oversight.save_coaching(province, acting_user=world.officer_p,
                                held_on=timezone.localdate() + dt.timedelta(days=1),
                                kind="line", agency_ids=[world.agency_a.pk])
    with pytest.raises(PermissionDenied):
        oversight.save_coaching(province, acting_user=world.ministry_officer,
                                held_on=timezone.localdate(), kind="line",
                                agency_ids=[world.agency_a.pk])
    with pytest.raises(PermissionDenied):
        oversight.delete_coaching(activity, acting_user=world.admin_a)
    oversight.delete_coaching(activity, acting_user=world.officer_p)
    assert not CoachingActivity.objects.exists()
    ministry = plans.Scope(parent_id=world.ministry.pk)
    assert {r.agency for r in oversight.scope_status(ministry, FY)} == {
        world.dla, world.agency_a, world.agency_b}
