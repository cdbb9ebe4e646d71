"""Every planning document as one structure of blocks, from which the web page, the PDF
(WeasyPrint, ``planning/document_pdf.html``) and the DOCX (``docx_writer``) are all drawn,
and which a publication keeps as it was (JSON).

A document is Thai whatever the interface, as an official document is; its Thai wording
here is openita's own. Digits are Arabic in the structure and turned into Thai digits when
drawn, if the agency asks for them (URLs, e-mails and codes are left alone).

Blocks (``t`` is the kind):
- ``announcement``: the ประกาศ that adopts the document (issuer, subject, paragraphs,
  closing formula, date line, signatory), on its own first page;
- ``title`` (centred lines), ``heading``, ``para``, ``note``;
- ``table``: ``head``, ``widths`` (per cent), ``rows`` of cells (text with line breaks);
  a row with ``group`` spans the table (a phase of a plan, an indicator);
- ``grid``: the month grid (``grid.Grid.as_dict``), drawn on a landscape page;
- ``signature``: a sign-off block (``role`` such as ผู้จัดทำ, ``name``, ``position``).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from openita.calendars.models import AssessmentYear
from openita.core.thaidates import thai_long_date
from openita.frameworks import loader
from openita.frameworks import services as frameworks

from . import grid, plans, timeframes
from .models import ActionPlan, Analysis, MeasureSet, ProgressReport, ReportPeriod, Stage

ITA = plans.ITA
CLOSING = "จึงประกาศให้ทราบโดยทั่วกัน"


@functools.cache
def _shipped_names() -> dict[str, str]:
    newest = sorted(loader.shipped())[-1]
    return {i.number: i.name_th for i in loader.get(newest).indicators}


def indicator_names(fiscal_year: int) -> dict[str, str]:
    """The indicators' Thai names: the year's framework's, or the newest shipped one's."""
    year = AssessmentYear.objects.filter(fiscal_year=fiscal_year, framework__isnull=False
                                         ).select_related("framework").first()
    if year is None or year.framework is None:
        return _shipped_names()
    return {i.number: i.name_th for i in frameworks.framework_of(year.framework).indicators}


def _place(agency: Any) -> str:
    """``องค์การบริหารส่วนตำบลหนองบัว จังหวัดเชียงใหม่``: the line under a title."""
    province = getattr(agency, "province", None)
    return f"{agency.name_th} จังหวัด{province.name_th}" if province else agency.name_th


def _owner_name(plan: ActionPlan) -> str:
    if plan.agency is not None:
        return plan.agency.name_th
    if plan.province is not None:
        return f"จังหวัด{plan.province.name_th}"
    return plan.parent.name_th if plan.parent else ""


def _document(kind: str, title: str, owner: str, fiscal_year: int, blocks: list[dict],
              code: str = "") -> dict:
    return {"kind": kind, "title": title, "owner": owner, "code": code,
            "fiscal_year": fiscal_year, "blocks": blocks}


def _announcement(issuer: str, subject: str, paragraphs: list[str], holder: Any) -> dict:
    """The ประกาศ, when the owner has said who signs it."""
    day = holder.announced_on
    return {"t": "announcement", "issuer": f"ประกาศ{issuer}", "subject": f"เรื่อง {subject}",
            "paragraphs": paragraphs, "closing": CLOSING,
            "date_line": f"ประกาศ ณ วันที่ {thai_long_date(day)}" if day else "ประกาศ ณ วันที่",
            "name": holder.signatory_name, "position": holder.signatory_position}


def _has_signatory(holder: Any) -> bool:
    return bool(holder.signatory_name and holder.signatory_position)


def _lines(text: str) -> list[dict]:
    return [{"t": "para", "text": p.strip()} for p in text.split("\n\n") if p.strip()]


def plan_document(plan: ActionPlan) -> dict:
    """The plan as seeds 000, 001 and 004 have it: the announcement, the title, the
    background, the table of steps by phase, and the month grid of the fiscal year."""
    owner = _owner_name(plan)
    phases = plans.steps_of(plan)
    blocks: list[dict] = []
    if _has_signatory(plan):
        blocks.append(_announcement(owner, plan.title, [
            f"ด้วย{owner} ได้จัดทำ{plan.title} เพื่อให้ผู้บริหาร บุคลากร และผู้มีส่วนได้ส่วนเสีย"
            f"ทราบขั้นตอน กรอบระยะเวลา และผู้รับผิดชอบของการดำเนินงาน "
            f"ตามปฏิทินการประเมินของสำนักงาน ป.ป.ช.",
            f"เพื่อให้การดำเนินงานเป็นไปตามแผนและบรรลุวัตถุประสงค์ {owner} จึงประกาศใช้"
            f"{plan.title} ตามรายละเอียดแนบท้ายประกาศนี้"], plan))
    place = _place(plan.agency) if plan.agency else owner
    blocks.append({"t": "title", "lines": [plan.title, place]})
    blocks += _lines(plan.introduction)
    rows: list[dict] = []
    grid_rows: list[tuple[str, dt.date | None, dt.date | None]] = []
    number = 0
    for p_index, (phase, steps) in enumerate(phases, 1):
        rows.append({"group": True, "cells": [f"{p_index}. {phase.title}"]})
        grid_rows.append((f"{p_index}. {phase.title}", None, None))
        for s_index, step in enumerate(steps, 1):
            number += 1
            what = step.action + (f"\n{step.details}" if step.details else "")
            rows.append({"cells": [str(number),
                                   timeframes.describe(step.starts_on, step.ends_on,
                                                       step.by_month),
                                   what, step.responsible_unit, step.remarks]})
            grid_rows.append((f"{p_index}.{s_index} {step.action}", step.starts_on,
                              step.ends_on))
    blocks.append({"t": "table", "head": ["ลำดับที่", "กรอบระยะเวลา", "ขั้นตอนการดำเนินการ",
                                          "ผู้รับผิดชอบ", "หมายเหตุ"],
                   "widths": [8, 18, 44, 16, 14], "rows": rows})
    blocks.append({"t": "grid", "label": "ขั้นตอนการดำเนินงาน",
                   "grid": grid.month_grid(plan.fiscal_year, grid_rows).as_dict()})
    if plan.remarks:
        blocks.append({"t": "note", "text": f"หมายเหตุ: {plan.remarks}"})
    if plan.issued_by:
        blocks.append({"t": "signature", "role": "", "name": "", "position": plan.issued_by})
    return _document("plan", plan.title, owner, plan.fiscal_year, blocks,
                     plan.agency.code if plan.agency else "")


def measures_document(measure_set: MeasureSet) -> dict:
    """The measures as seeds 002 and 003 have them: the announcement, background, then per
    indicator its measures (guideline, steps, responsible unit, timeframe, monitoring)."""
    agency, fiscal_year = measure_set.agency, measure_set.fiscal_year
    names = indicator_names(fiscal_year)
    title = (f"มาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน "
             f"ประจำปีงบประมาณ พ.ศ. {fiscal_year}")
    blocks: list[dict] = []
    if _has_signatory(measure_set):
        blocks.append(_announcement(agency.name_th, title, [
            f"ด้วย{agency.name_th} ได้นำผล{ITA} ประจำปีงบประมาณ พ.ศ. {fiscal_year - 1} "
            f"มาวิเคราะห์ และกำหนดมาตรการเพื่อพัฒนาประเด็นที่ยังเป็นจุดอ่อนของหน่วยงาน",
            f"{agency.name_th} จึงประกาศใช้{title} ตามรายละเอียดแนบท้ายประกาศนี้ "
            f"ให้บุคลากรทุกคนถือปฏิบัติ"], measure_set))
    blocks.append({"t": "title", "lines": [title, _place(agency)]})
    blocks += _lines(measure_set.introduction)
    rows: list[dict] = []
    by_indicator: dict[str, list] = {}
    for measure in measure_set.measures.all():
        by_indicator.setdefault(measure.indicator, []).append(measure)
    for indicator in sorted(by_indicator, key=int):
        rows.append({"group": True, "cells": [
            f"ตัวชี้วัดที่ {indicator} {names.get(indicator, '')}".strip()]})
        for n, m in enumerate(by_indicator[indicator], 1):
            what = f"{indicator}.{n} {m.title}" + (f"\n{m.guideline}" if m.guideline else "")
            rows.append({"cells": [what, m.steps, m.responsible_unit,
                                   timeframes.describe(m.starts_on, m.ends_on, m.by_month),
                                   m.monitoring]})
    blocks.append({"t": "table", "head": ["มาตรการและแนวทาง", "ขั้นตอนหรือวิธีการ",
                                          "ผู้รับผิดชอบ", "ระยะเวลา", "การติดตามผล"],
                   "widths": [28, 30, 14, 12, 16], "rows": rows})
    if measure_set.stage == Stage.APPROVED and measure_set.approved_at:
        blocks.append({"t": "note", "text": "ผู้บริหารอนุมัติเมื่อวันที่ "
                       + thai_long_date(measure_set.approved_at.date())})
    return _document("measures", title, agency.name_th, fiscal_year, blocks, agency.code)


def progress_document(report: ProgressReport) -> dict:
    """The report of seed 002: per measure what was done, when, outputs and outcomes, the
    evidence; the prepared-by block; the executive's acknowledgement."""
    measure_set = report.measure_set
    agency, fiscal_year = measure_set.agency, measure_set.fiscal_year
    label = ReportPeriod(report.period).label
    title = (f"รายงานผลการดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน "
             f"ประจำปีงบประมาณ พ.ศ. {fiscal_year} {_period_words(report.period)}")
    blocks: list[dict] = [{"t": "title", "lines": [title, _place(agency)]}]
    rows = []
    entries = sorted(report.entries.select_related("measure"),
                     key=lambda e: (int(e.measure.indicator), e.measure.position))
    for n, entry in enumerate(entries, 1):
        evidence = "\n".join(entry.evidence_urls)
        rows.append({"cells": [f"{n}. {entry.measure.title}", entry.done,
                               timeframes.describe(entry.starts_on, entry.ends_on,
                                                   entry.by_month),
                               entry.outputs, entry.outcomes,
                               "\n".join(filter(None, [entry.remarks, evidence]))]})
    blocks.append({"t": "table", "head": ["มาตรการ", "การดำเนินการ", "ระยะเวลา", "ผลผลิต",
                                          "ผลลัพธ์", "หมายเหตุและหลักฐาน"],
                   "widths": [20, 24, 12, 14, 14, 16], "rows": rows})
    blocks.append({"t": "signature", "role": "ผู้จัดทำ", "name": report.prepared_by_name,
                   "position": report.prepared_by_position})
    if report.stage == Stage.APPROVED and report.approved_at and report.approved_by:
        blocks.append({"t": "signature", "role": "ผู้รับทราบ",
                       "name": report.approved_by.full_name,
                       "position": report.approved_by.position or "ผู้บริหารหน่วยงาน",
                       "date": "วันที่ " + thai_long_date(report.approved_at.date())})
    return _document(f"progress-{report.period}", title, agency.name_th, fiscal_year,
                     blocks, agency.code) | {"period": str(label)}


def _period_words(period: int) -> str:
    return "รอบ 6 เดือน (ตุลาคม – มีนาคม)" if period == 6 else "รอบ 12 เดือน (ตุลาคม – กันยายน)"


def analysis_document(analysis: Analysis, fiscal_year: int | None = None) -> dict:
    """Seed 003's first part: last year's result, the weakest indicators and failed items,
    what the meeting found and how it turns into practice."""
    from . import services

    agency = analysis.agency
    names = indicator_names(analysis.analysed_year)
    year = analysis.analysed_year
    title = f"การวิเคราะห์ผล{ITA} ประจำปีงบประมาณ พ.ศ. {year}"
    weak = services.weakest(analysis.indicators)
    rows = [{"cells": [f"{n}. {names.get(n, '')}", analysis.indicators[n],
                       "ต้องพัฒนา" if n in weak else ""]}
            for n in sorted(analysis.indicators, key=int)]
    if analysis.total is not None:
        rows.append({"cells": ["คะแนนรวม", f"{analysis.total:.2f}", analysis.rating]})
    blocks: list[dict] = [
        {"t": "title", "lines": [title, _place(agency)]},
        {"t": "heading", "text": f"1. ผลการประเมินประจำปีงบประมาณ พ.ศ. {year}"},
        {"t": "table", "head": ["ตัวชี้วัด", "คะแนน", "ข้อสังเกต"], "widths": [60, 15, 25],
         "rows": rows},
        {"t": "heading", "text": "2. ตัวชี้วัดที่ต้องพัฒนาเร่งด่วน"},
        {"t": "para", "text": " ".join(f"ตัวชี้วัดที่ {n} {names.get(n, '')} "
                                       f"({analysis.indicators[n]} คะแนน)" for n in weak)
         or "-"},
    ]
    if analysis.failed_items:
        blocks.append({"t": "table", "head": ["ข้อ OIT ที่ไม่ผ่าน", "รายการ"], "widths": [20, 80],
                       "rows": [{"cells": [code, item]} for code, item in
                                analysis.failed_items]})
    for number, (heading, value) in enumerate((
            ("จุดอ่อนที่ต้องแก้ไขเร่งด่วน", analysis.weaknesses),
            ("ประเด็นที่ต้องพัฒนา", analysis.topics),
            ("แนวทางการนำผลการวิเคราะห์ไปสู่การปฏิบัติ", analysis.practice)), 3):
        blocks.append({"t": "heading", "text": f"{number}. {heading}"})
        blocks += _lines(value) or [{"t": "para", "text": "-"}]
    meeting = (f"ประชุมเมื่อวันที่ {thai_long_date(analysis.meeting_on)}"
               if analysis.meeting_on else "ยังไม่ได้บันทึกวันประชุม")
    blocks.append({"t": "heading", "text": "6. การประชุมทบทวนผลการประเมิน"})
    blocks.append({"t": "para", "text": meeting})
    blocks += _lines(analysis.meeting_attendees)
    return _document("analysis", title, agency.name_th, fiscal_year or year + 1, blocks,
                     agency.code)
