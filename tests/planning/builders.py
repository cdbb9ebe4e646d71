"""Filled-in planning documents for the document, view and browser tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from openita.core.thaidates import fiscal_year_bounds, fiscal_year_of
from openita.planning import measures, plans, progress, services

FY = fiscal_year_of(timezone.localdate())
FIRST, LAST = fiscal_year_bounds(FY)


def approved_measures(world, count: int = 2):
    measure_set = measures.start_measures(world.agency_a, FY, acting_user=world.admin_a)
    for n in range(count):
        indicator = str(n % 10 + 1)
        measures.save_measure(
            measure_set, acting_user=world.admin_a, indicator=indicator,
            title=f"จัดอบรมบุคลากรเรื่องการป้องกันผลประโยชน์ทับซ้อน ครั้งที่ {n + 1}",
            guideline="ให้บุคลากรทุกคนเข้าใจและแจ้งกรณีที่อาจขัดกันแห่งผลประโยชน์",
            steps="1. จัดทำหลักสูตร\n2. จัดอบรม\n3. ประเมินความเข้าใจ",
            responsible_unit="สำนักปลัด", monitoring="รายงานผู้บริหารทุกไตรมาส",
            starts_on=FIRST, ends_on=dt.date(FIRST.year + 1, 4, 30), by_month=True)
    measures.save_header(measure_set, acting_user=world.admin_a,
                         introduction="หน่วยงานได้นำผลการประเมินมาวิเคราะห์",
                         signatory_name="นายสมหมาย ตั้งใจ",
                         signatory_position="นายกองค์การบริหารส่วนตำบลหนองบัว",
                         announced_on=FIRST + dt.timedelta(days=20))
    measures.submit(measure_set, acting_user=world.admin_a)
    return measures.approve(measure_set, acting_user=world.executive_a)


def plan_with_steps(world, count: int = 6):
    plan = plans.start_plan(world.agency_a, FY, acting_user=world.admin_a)
    phases = list(plan.phases.all())
    for n in range(count):
        month = FIRST.replace(day=1) + dt.timedelta(days=31 * (n % 12))
        plans.save_step(plan, phase=phases[n % 3], acting_user=world.admin_a,
                        action=f"ขั้นตอนที่ {n + 1} ประชุมคณะทำงานเพื่อติดตามผล",
                        details="รายงานผลต่อผู้บริหาร", responsible_unit="สำนักปลัด",
                        remarks="", starts_on=month, ends_on=min(month + dt.timedelta(days=40),
                                                                  LAST), by_month=True)
    return plans.save_header(plan, acting_user=world.admin_a, title=plan.title,
                      introduction="แผนนี้จัดทำตามปฏิทินการประเมิน", remarks="อาจเปลี่ยนแปลงได้",
                      issued_by="", signatory_name="นายสมหมาย ตั้งใจ",
                      signatory_position="นายกองค์การบริหารส่วนตำบลหนองบัว",
                      announced_on=FIRST + dt.timedelta(days=20))


def acknowledged_report(world, measure_set):
    report = progress.start_report(measure_set, 6, acting_user=world.admin_a)
    for entry in report.entries.all():
        progress.save_entry(entry, acting_user=world.admin_a, done="จัดอบรมแล้ว 1 ครั้ง",
                            outputs="ผู้เข้าอบรม 40 คน", outcomes="ร้อยละ 90 ผ่านแบบทดสอบ",
                            remarks="", evidence_urls="https://example.go.th/news/12",
                            starts_on=FIRST, ends_on=FIRST, by_month=True)
    progress.save_prepared_by(report, name="นางสาวสมใจ ทำดี", position="หัวหน้าสำนักปลัด",
                              acting_user=world.admin_a)
    progress.submit(report, acting_user=world.admin_a)
    return progress.acknowledge(report, acting_user=world.executive_a)


def entered_analysis(world):
    analysis = services.start_analysis(world.agency_a, FY - 1, acting_user=world.admin_a)
    return services.save_analysis(
        analysis, acting_user=world.admin_a, meeting_on=FIRST + dt.timedelta(days=5),
        indicators={str(n): str(80 + n) for n in range(1, 11)},
        weaknesses="การเปิดเผยข้อมูลยังไม่ครบ", topics="การใช้ทรัพย์สินของราชการ",
        practice="กำหนดมาตรการและติดตามทุกไตรมาส", meeting_attendees="ผู้บริหารและหัวหน้าส่วนราชการ")
