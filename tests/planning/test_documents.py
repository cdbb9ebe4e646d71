"""The planning documents as PDF and DOCX: the agency's name, the headings and the B.E.
dates are in the text; every DOCX run carries the Thai font in its complex-script slot and
the Thai language; Thai digits when asked, never inside a web address."""

from __future__ import annotations

import io
import re

import pypdfium2
import pytest
from docx import Document
from docx.oxml.ns import qn
from pythainlp.util import normalize

from openita.planning import documents, rendering
from openita.planning.docx_writer import render_docx

from .builders import FY, acknowledged_report, approved_measures, entered_analysis, plan_with_steps

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    """The text layer, normalised, with ำ and the CR left out (thai-documents.md §6.5)."""
    document = pypdfium2.PdfDocument(pdf)
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    return normalize(text).replace("ำ", "").replace("\u02f8", "").replace("\r", "")


def _plain(text: str) -> str:
    return normalize(text).replace("ำ", "")


def docx_of(data: bytes):
    return Document(io.BytesIO(data))


def all_runs(document):
    for paragraph in document.paragraphs:
        yield from paragraph.runs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    yield from paragraph.runs
    for section in document.sections:
        for paragraph in section.header.paragraphs:
            yield from paragraph.runs


def docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def test_the_plan_pdf_has_the_announcement_table_and_month_grid(world):
    doc = documents.plan_document(plan_with_steps(world))
    pdf = rendering.render_pdf(doc)
    text = pdf_text(pdf)
    assert _plain("ประกาศองค์การบริหารส่วนตำบลหนองบัว") in text
    assert _plain(f"ประจำปีงบประมาณ พ.ศ. {FY}") in text
    assert "จึงประกาศให้ทราบโดยทั่วกัน" in text
    assert re.search(r"ประกาศ ณ วันที่ \d{1,2} (ตุลาคม|พฤศจิกายน) พ\.ศ\. \d{4}", text)
    assert "ขั้นตอนการด" in text and "ต.ค." in text and "ก.ย." in text
    html = rendering.render_html(doc)
    assert html.count('class="grid-bar"') == 6 and 'class="grid-page"' in html
    pages = pypdfium2.PdfDocument(pdf)
    assert len(pages) >= 3
    widths = {round(pages[i].get_size()[0]) for i in range(len(pages))}
    assert widths == {595, 842}  # A4 portrait, and the landscape page of the grid


def test_thai_digits_leave_web_addresses_alone(world):
    report = acknowledged_report(world, approved_measures(world))
    doc = documents.progress_document(report)
    html = rendering.render_html(doc, thai_digits=True)
    assert "https://example.go.th/news/12" in html
    assert "๔๐ คน" in html and "40 คน" not in html
    data = render_docx(doc, thai_digits=True)
    text = docx_text(docx_of(data))
    assert "https://example.go.th/news/12" in text and "๔๐ คน" in text
    assert not re.search(r"[0-9]", text.replace("https://example.go.th/news/12", ""))


def test_every_docx_run_is_thai_in_its_complex_script_slot(world):
    measure_set = approved_measures(world, count=3)
    for doc in (documents.measures_document(measure_set),
                documents.plan_document(plan_with_steps(world)),
                documents.progress_document(acknowledged_report(world, measure_set)),
                documents.analysis_document(entered_analysis(world))):
        document = docx_of(render_docx(doc))
        runs = list(all_runs(document))
        assert runs
        for run in runs:
            rpr = run._r.rPr
            fonts = rpr.find(qn("w:rFonts"))
            assert fonts.get(qn("w:cs")) == "TH SarabunPSK" == fonts.get(qn("w:ascii"))
            assert rpr.find(qn("w:szCs")) is not None
            assert rpr.find(qn("w:lang")).get(qn("w:bidi")) == "th-TH"
        section = document.sections[0]
        assert round(section.left_margin.cm, 2) == 3.0 and round(section.right_margin.cm, 2) == 2
        assert round(section.page_width.cm, 1) == 21.0
        text = docx_text(document)
        assert "องค์การบริหารส่วนตำบลหนองบัว" in text and f"พ.ศ. {FY}" in text[:2000] or (
            f"พ.ศ. {FY - 1}" in text)


def test_the_docx_grid_shades_the_months_of_each_step(world):
    document = docx_of(render_docx(documents.plan_document(plan_with_steps(world, 3))))
    grid = document.tables[-1]
    assert [c.text for c in grid.rows[1].cells[1:]][:3] == ["ต.ค.", "พ.ย.", "ธ.ค."]
    step_rows = [r for r in grid.rows[2:] if r.cells[0].text.startswith(("1.1", "2.1"))]
    assert step_rows
    for row in step_rows:
        fills = [c._tc.tcPr.find(qn("w:shd")) for c in row.cells[1:]]
        shaded = [f is not None and f.get(qn("w:fill")) == "404040" for f in fills]
        assert 1 <= sum(shaded) <= 3
    assert [s.orientation for s in document.sections] == [0, 1, 0]  # the grid: landscape


def test_the_measures_and_analysis_pdfs_name_the_indicators(world):
    measure_set = approved_measures(world, count=2)
    text = pdf_text(rendering.render_pdf(documents.measures_document(measure_set)))
    name = documents.indicator_names(FY)["1"]
    assert _plain(f"ตัวชี้วัดที่ 1 {name}") in text
    assert "ผู้บริหารอนุมัติเมื่อวันที่" in text
    analysis_text = pdf_text(rendering.render_pdf(documents.analysis_document(
        entered_analysis(world))))
    assert _plain("ตัวชี้วัดที่ต้องพัฒนาเร่งด่วน") in analysis_text
    name = documents.indicator_names(FY - 1)["1"]  # no year 2569: the shipped framework
    assert _plain(f"ตัวชี้วัดที่ 1 {name} (81.00 คะแนน)") in analysis_text
