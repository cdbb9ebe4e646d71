"""One-time IIT access codes as cut-out slips: an A4 PDF, 21 slips a page.

The codes exist in readable form only in the response that issued them (openita keeps
keyed hashes), so the PDF is made in that same response and handed to the browser inside
the page; nothing of it is stored.
"""

from __future__ import annotations

import base64
import logging

import segno
from django.template.loader import render_to_string

from openita.agencies.models import Agency
from openita.core.pdf import font_uris, write_pdf

log = logging.getLogger(__name__)
ACROSS, PER_PAGE = 3, 21  # three across, seven down
# About 0.6 s of one worker per 100 slips: above this the printable page is the way.
MAX_PDF_CODES = 500


def render_html(agency: Agency, fiscal_year: int, link: str, codes: list[str]) -> str:
    """The HTML source of the slips (what tests read: PDF text extraction loses Thai marks)."""
    return render_to_string("surveys/slips_pdf.html", {
        "agency": agency.name_th, "fiscal_year": fiscal_year, "link": link,
        "sheets": [[codes[r:r + ACROSS] for r in range(i, min(i + PER_PAGE, len(codes)), ACROSS)]
                   for i in range(0, len(codes), PER_PAGE)],
        # A PNG: WeasyPrint draws an SVG anew for every slip, 30 times slower for 250 slips.
        "qr": segno.make(link, error="m").png_data_uri(scale=8, border=0),
        "fonts": font_uris()})


def render_pdf(agency: Agency, fiscal_year: int, link: str, codes: list[str]) -> bytes:
    return write_pdf(render_html(agency, fiscal_year, link, codes))


def pdf_data_uri(agency: Agency, fiscal_year: int, link: str, codes: list[str]) -> str | None:
    """The slips as a ``data:`` link for the page that shows the codes; None if the PDF
    cannot be made or would take too long (the page still shows the codes, which must not
    be lost)."""
    if len(codes) > MAX_PDF_CODES:
        return None
    try:
        pdf = render_pdf(agency, fiscal_year, link, codes)
    except Exception:  # noqa: BLE001 - the codes on the page matter more than the file
        log.exception("access-code slips: PDF not made")
        return None
    return "data:application/pdf;base64," + base64.b64encode(pdf).decode("ascii")
