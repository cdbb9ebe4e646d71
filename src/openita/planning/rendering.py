"""Drawing a planning document (``documents.py``) as HTML for the web page and the PDF;
the DOCX is ``docx_writer``. The PDF is WeasyPrint with the packaged Sarabun (core.pdf)."""

from __future__ import annotations

import copy

from django.template.loader import render_to_string
from django.utils import translation

from openita.core.pdf import font_uris, write_pdf

from .grid import MONTHS, Grid


def prepare(doc: dict) -> dict:
    """A copy of ``doc`` with what the templates need beside the data: the empty month
    cells before and after each bar, and the months a bar covers in words (for screen
    readers)."""
    doc = copy.deepcopy(doc)
    for block in doc["blocks"]:
        if block["t"] != "grid":
            continue
        grid = Grid.from_dict(block["grid"])
        for data, row in zip(block["grid"]["rows"], grid.rows, strict=True):
            data["span"] = row.span
            data["before_range"] = range(row.before)
            data["after_range"] = range(row.after if not row.heading else 0)
            if not row.heading:
                months = grid.months[row.first], grid.months[row.last]
                data["months_label"] = (months[0] if row.span == 1
                                        else f"{months[0]} – {months[1]}")
    return doc


def has_grid(doc: dict) -> bool:
    return any(b["t"] == "grid" for b in doc["blocks"])


def render_html(doc: dict, *, thai_digits: bool = False) -> str:
    """The HTML WeasyPrint prints (tests read it beside the PDF's text)."""
    with translation.override("th"):  # an official Thai document whatever the interface
        return render_to_string("planning/document_pdf.html", {
            "doc": prepare(doc), "thai": thai_digits, "fonts": font_uris(),
            "page_counter": "thai" if thai_digits else "decimal", "months": MONTHS})


def render_pdf(doc: dict, *, thai_digits: bool = False) -> bytes:
    return write_pdf(render_html(doc, thai_digits=thai_digits))


def filename_of(doc: dict, extension: str) -> str:
    code = doc.get("code") or "oversight"
    return f"{doc['kind']}-{code}-{doc['fiscal_year']}.{extension}"
