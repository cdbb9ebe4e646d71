"""A planning document (``documents.py``) as a Word file in Thai government style, with
python-docx: A4, margins 3 cm left and 2 cm right, TH SarabunPSK 16 pt set in every run's
complex-script slots as well (Word formats Thai with ``w:cs``, ``w:szCs``, ``w:bCs``), the
language th-TH, page numbers "- 2 -" from page 2, the month grid as a table of shaded
cells on a landscape page (thai-documents.md §6.4)."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from openita.core.thaidates import with_digits

from .grid import MONTHS, Grid

FONT = "TH SarabunPSK"
BODY_PT, TABLE_PT = 16, 14
# The rPr children that come after w:szCs and after w:lang in the schema's order.
_AFTER_SZCS = ("w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText",
               "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
               "w:specVanish", "w:oMath")
_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")
BAR_FILL, HEAD_FILL, GROUP_FILL = "404040", "E7E7E7", "F3F3F3"


def thai_run_properties(rpr: Any, size_pt: float, bold: bool | None = None) -> None:
    """Font, size and bold in the Latin and complex-script slots, and the Thai language."""
    fonts = rpr.get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    if bold is not None:
        rpr.get_or_add_b().set(qn("w:val"), "1" if bold else "0")
        rpr.get_or_add_bCs().set(qn("w:val"), "1" if bold else "0")
    rpr.get_or_add_sz().set(qn("w:val"), str(round(size_pt * 2)))
    size_cs = rpr.find(qn("w:szCs"))
    if size_cs is None:
        size_cs = OxmlElement("w:szCs")
        rpr.insert_element_before(size_cs, *_AFTER_SZCS)
    size_cs.set(qn("w:val"), str(round(size_pt * 2)))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.insert_element_before(lang, *_AFTER_LANG)
    lang.set(qn("w:val"), "th-TH")
    lang.set(qn("w:bidi"), "th-TH")


class Writer:
    def __init__(self, thai_digits: bool) -> None:
        self.thai = thai_digits
        self.doc = Document()
        normal = self.doc.styles["Normal"]
        thai_run_properties(normal.element.get_or_add_rPr(), BODY_PT, bold=False)
        fmt = normal.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing = 1.0
        section = self.doc.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(21)
        self._margins(section, landscape=False)
        section.different_first_page_header_footer = True
        self._page_number(section)

    # -- text -------------------------------------------------------------------------
    def digits(self, text: str) -> str:
        return with_digits(text or "", self.thai)

    def run(self, paragraph: Any, text: str, *, bold: bool = False,
            size: float = BODY_PT) -> Any:
        run = paragraph.add_run(self.digits(text))
        thai_run_properties(run._r.get_or_add_rPr(), size, bold=bold)
        return run

    def paragraph(self, text: str = "", *, container: Any = None, bold: bool = False,
                  align: Any = None, indent: bool = False, before: float = 0,
                  left: float = 0, size: float = BODY_PT) -> Any:
        paragraph = (container or self.doc).add_paragraph()
        fmt = paragraph.paragraph_format
        if align is not None:
            paragraph.alignment = align
        if indent:
            fmt.first_line_indent = Cm(2.5)
        if before:
            fmt.space_before = Pt(before)
        if left:
            fmt.left_indent = Cm(left)
        lines = (text or "").split("\n")
        for n, line in enumerate(lines):
            run = self.run(paragraph, line, bold=bold, size=size)
            if n < len(lines) - 1:
                run.add_break()
        return paragraph

    # -- page -------------------------------------------------------------------------
    def _margins(self, section: Any, *, landscape: bool) -> None:
        section.top_margin = Cm(2.0 if landscape else 2.5)
        section.bottom_margin = Cm(2.0)
        section.left_margin = Cm(2.5 if landscape else 3.0)
        section.right_margin = Cm(2.0)

    def _page_number(self, section: Any) -> None:
        paragraph = section.header.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.run(paragraph, "- ")
        run = self.run(paragraph, "")
        for kind, value in (("begin", None), ("instr", " PAGE "), ("end", None)):
            if kind == "instr":
                element = OxmlElement("w:instrText")
                element.set(qn("xml:space"), "preserve")
                element.text = value
            else:
                element = OxmlElement("w:fldChar")
                element.set(qn("w:fldCharType"), kind)
            run._r.append(element)
        self.run(paragraph, " -")

    def page_break(self) -> None:
        self.paragraph().runs[0].add_break(WD_BREAK.PAGE)

    def new_section(self, *, landscape: bool) -> None:
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        long, short = Cm(29.7), Cm(21)
        section.page_width, section.page_height = (long, short) if landscape else (short, long)
        self._margins(section, landscape=landscape)
        section.different_first_page_header_footer = False

    # -- tables -----------------------------------------------------------------------
    @staticmethod
    def shade(cell: Any, fill: str) -> None:
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), fill)
        cell._tc.get_or_add_tcPr().append(shading)

    @staticmethod
    def _row_flags(row: Any, *, header: bool = False) -> None:
        """A row never splits across pages; a header row repeats on every page."""
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))
        if header:
            properties.append(OxmlElement("w:tblHeader"))

    def cell_text(self, cell: Any, text: str, *, bold: bool = False,
                  align: Any = None) -> None:
        cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
        self.paragraph(text, container=cell, bold=bold, align=align, size=TABLE_PT)

    def table(self, block: dict, width_cm: float) -> None:
        head, rows = block["head"], block["rows"]
        table = self.doc.add_table(rows=0, cols=len(head))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        widths = [Cm(width_cm * w / 100) for w in block["widths"]]
        header = table.add_row()
        self._row_flags(header, header=True)
        for cell, text, width in zip(header.cells, head, widths, strict=True):
            cell.width = width
            self.cell_text(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
            self.shade(cell, HEAD_FILL)
        for data in rows:
            row = table.add_row()
            self._row_flags(row)
            if data.get("group"):
                merged = row.cells[0].merge(row.cells[-1])
                self.cell_text(merged, data["cells"][0], bold=True)
                self.shade(merged, GROUP_FILL)
                continue
            for cell, text, width in zip(row.cells, data["cells"], widths, strict=True):
                cell.width = width
                self.cell_text(cell, text)

    def month_grid(self, block: dict) -> None:
        """The grid on a landscape page: the label column, then a shaded cell for every
        month a step covers (the same Grid the web page and the PDF draw)."""
        grid = Grid.from_dict(block["grid"])
        table = self.doc.add_table(rows=0, cols=MONTHS + 1)
        table.style = "Table Grid"
        label_width, month_width = Cm(9.2), Cm(1.5)
        years, months = table.add_row(), table.add_row()
        for row in (years, months):
            self._row_flags(row, header=True)
        label = years.cells[0].merge(months.cells[0])
        self.cell_text(label, block["label"], bold=True)
        start = 1
        for text, span in grid.years:
            merged = years.cells[start].merge(years.cells[start + span - 1])
            self.cell_text(merged, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
            start += span
        for index, text in enumerate(grid.months, 1):
            self.cell_text(months.cells[index], text, bold=True,
                           align=WD_ALIGN_PARAGRAPH.CENTER)
        for data in grid.rows:
            row = table.add_row()
            self._row_flags(row)
            if data.heading:
                merged = row.cells[0].merge(row.cells[-1])
                self.cell_text(merged, data.label, bold=True)
                self.shade(merged, GROUP_FILL)
                continue
            self.cell_text(row.cells[0], data.label)
            for month in range(MONTHS):
                cell = row.cells[month + 1]
                self.cell_text(cell, "")
                if data.covers(month):
                    self.shade(cell, BAR_FILL)
        for row in table.rows:
            row.cells[0].width = label_width
            for cell in row.cells[1:]:
                cell.width = month_width

    # -- blocks -----------------------------------------------------------------------
    def announcement(self, b: dict) -> None:
        self.paragraph(b["issuer"], bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=90)
        self.paragraph(b["subject"], bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        self.paragraph("------------------------", align=WD_ALIGN_PARAGRAPH.CENTER)
        for text in b["paragraphs"]:
            self.paragraph(text, indent=True, before=6,
                           align=WD_ALIGN_PARAGRAPH.THAI_JUSTIFY)
        self.paragraph(b["closing"], indent=True, before=6)
        self.paragraph(b["date_line"], left=5, before=18)
        self.signature({"role": "", "name": b["name"], "position": b["position"]},
                       space=3)
        self.page_break()

    def signature(self, b: dict, space: int = 2) -> None:
        for _ in range(space):
            self.paragraph()
        center = WD_ALIGN_PARAGRAPH.CENTER
        if b.get("role"):
            self.paragraph(f"ลงชื่อ ........................................ {b['role']}",
                           align=center, left=8)
            self.paragraph(f"({b.get('name') or '........................................'})",
                           align=center, left=8)
            self.paragraph(f"ตำแหน่ง {b['position']}", align=center, left=8)
        else:
            if b.get("name"):
                self.paragraph(f"({b['name']})", align=center, left=8)
            self.paragraph(b["position"], align=center, left=8)
        if b.get("date"):
            self.paragraph(b["date"], align=center, left=8)

    def write(self, doc: dict) -> bytes:
        portrait_width = 16.0
        for index, b in enumerate(doc["blocks"]):
            kind = b["t"]
            if kind == "announcement":
                self.announcement(b)
            elif kind == "title":
                for line in b["lines"]:
                    self.paragraph(line, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
            elif kind == "heading":
                self.paragraph(b["text"], bold=True, before=6)
            elif kind == "para":
                self.paragraph(b["text"], indent=True, before=6,
                               align=WD_ALIGN_PARAGRAPH.THAI_JUSTIFY)
            elif kind == "note":
                self.paragraph(b["text"], before=6)
            elif kind == "table":
                self.table(b, portrait_width)
            elif kind == "grid":
                self.new_section(landscape=True)
                self.month_grid(b)
                if index < len(doc["blocks"]) - 1:
                    self.new_section(landscape=False)
            elif kind == "signature":
                self.signature(b)
        buffer = io.BytesIO()
        self.doc.core_properties.title = doc["title"]
        self.doc.core_properties.language = "th-TH"
        self.doc.save(buffer)
        return buffer.getvalue()


def render_docx(doc: dict, *, thai_digits: bool = False) -> bytes:
    return Writer(thai_digits).write(doc)
