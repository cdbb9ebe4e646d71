"""Thai in the PDF's text layer: what a reader copies or searches is what the page shows,
SARA AM included, Latin ligatures as their letters, and the page looks exactly as it does
with the packaged Sarabun."""

from __future__ import annotations

import io
import shutil
import subprocess

import pypdf
import pypdfium2
import pytest
from PIL import ImageChops
from weasyprint import HTML

from openita.core import pdf

TEXT = ("น้ำ ทำ คำ ตำบล กำหนด ความโปร่งใส ผู้นำ ดำเนินงาน น้ำท่วม ซ้ำ ค่ำ ป่า ปี่ ฝ้าย "
        "ญาติ กตัญญู ฐาน ดำรงตำแหน่ง การประเมินคุณธรรม "
        # Sarabun draws "fi" and "fl" as ligatures: a copied link must still say f, i and l.
        "office flow files/2pfle6")


def _html(regular: str, bold: str) -> str:
    return (f'<style>@font-face{{font-family:Sarabun;src:url("{regular}")}}'
            f'@font-face{{font-family:Sarabun;font-weight:700;src:url("{bold}")}}'
            f"body{{font-family:Sarabun;font-size:14pt}}</style><p>{TEXT}</p><p><b>{TEXT}</b></p>")


def _words(text: str) -> list[str]:
    return text.split()


@pytest.fixture(scope="module")
def document() -> bytes:
    uris = pdf.font_uris()
    return pdf.write_pdf(_html(uris["regular"], uris["bold"]))


def test_the_text_layer_keeps_every_thai_character(document):
    text = pypdf.PdfReader(io.BytesIO(document)).pages[0].extract_text()
    assert _words(text) == _words(TEXT) * 2  # light and bold alike


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_poppler_reads_the_same_text(document, tmp_path):
    path = tmp_path / "thai.pdf"
    path.write_bytes(document)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert _words(text) == _words(TEXT) * 2


def test_the_page_looks_as_with_the_packaged_font(document):
    original = HTML(string=_html(*(p.as_uri() for p in pdf.FONT_FILES.values()))).write_pdf()
    pictures = [pypdfium2.PdfDocument(b)[0].render(scale=2).to_pil().convert("L")
                for b in (original, document)]
    assert ImageChops.difference(*pictures).getbbox() is None


def test_the_fix_is_only_for_our_fonts():
    font = pdf.thai_font("regular")
    assert font.postscript_name.endswith("-openita")
    assert font.texts[max(font.texts)] == "\u0e33"  # the glyph of its own for SARA AM
