"""IIT access codes as cut-out slips: an A4 PDF made in the response that shows the codes."""

from __future__ import annotations

import base64
import re

from django.urls import reverse

from openita.calendars.models import Enrolment
from openita.surveys import slips
from openita.surveys.models import AccessCode
from tests.surveys.test_announcement import _pages, _streams


def _pdf_of(page: str) -> bytes:
    [uri] = re.findall(r'href="data:application/pdf;base64,([A-Za-z0-9+/=]+)"', page)
    return base64.b64decode(uri)


def test_issuing_250_codes_gives_a_pdf_of_twelve_pages_with_sarabun(collecting, client_for):
    Enrolment.objects.filter(pk=collecting.enrolment.pk).update(headcount=250)
    response = client_for(collecting.admin_a).post(
        reverse("agencies:surveys", args=[collecting.agency_a.pk]), {"count": 250})
    page = response.content.decode()
    pdf = _pdf_of(page)
    assert pdf.startswith(b"%PDF-") and _pages(pdf) == 12  # 21 slips a page
    objects = b"\n".join(_streams(pdf))
    fonts = re.findall(rb"/BaseFont /([A-Z]{6}\+[\w-]+)", objects)
    assert fonts and all(b"+Sarabun" in name for name in fonts)  # embedded, no fallback
    assert b"/FontFile2" in objects
    codes = re.findall(r'<span class="code">([A-Z0-9-]{9})</span>', page)
    assert len(codes) == 250 and AccessCode.objects.count() == 250


def test_the_slips_source_carries_every_code_the_link_and_the_agency():
    class Agency:
        name_th = "องค์การบริหารส่วนตำบลหนองบัว"

    codes = ["ABCD-2345", "EFGH-6789"]
    html = slips.render_html(Agency(), 2568, "https://ita.example/go/iit/abc234/", codes)
    assert all(html.count(code) == 1 for code in codes)
    assert html.count("https://ita.example/go/iit/abc234/") == 2
    assert 'lang="th"' in html and "ปีงบประมาณ 2568" in html and "size: A4" in html


def test_a_pdf_failure_still_shows_the_codes(collecting, client_for, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("no fonts")

    monkeypatch.setattr(slips, "render_pdf", broken)
    response = client_for(collecting.admin_a).post(
        reverse("agencies:surveys", args=[collecting.agency_a.pk]), {"count": 3})
    page = response.content.decode()
    assert response.status_code == 200 and page.count('class="slip"') == 3
    assert "data:application/pdf" not in page


def test_more_codes_than_a_pdf_is_made_for_are_still_shown(collecting, client_for,
                                                           monkeypatch):
    monkeypatch.setattr(slips, "MAX_PDF_CODES", 5)
    response = client_for(collecting.admin_a).post(
        reverse("agencies:surveys", args=[collecting.agency_a.pk]), {"count": 6})
    page = response.content.decode()
    assert page.count('class="slip"') == 6 and "data:application/pdf" not in page
