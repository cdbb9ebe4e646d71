"""The printable survey announcement (ประกาศ): HTML source, PDF and the download page.

Checks follow shared/design/thai-documents.md §8. Content is asserted on the HTML source;
PDF text is compared without spaces: openita.core.pdf keeps ำ in the text layer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
import zlib
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from pythainlp.util import normalize, thai_strftime

from openita.calendars.models import Phase, PhaseExtension, PhaseWindow
from openita.core.pdf import thai_font
from openita.surveys import announcement as notices

MONTHS = ("มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม|กันยายน|"
          "ตุลาคม|พฤศจิกายน|ธันวาคม")
DATE_LINE = re.compile(rf"ประกาศ ณ วันที่ ([๐-๙0-9]{{1,2}}) ({MONTHS}) พ\.ศ\. ([๐-๙0-9]{{4}})")
SAMPLE = notices.Announcement(
    agency_name="เทศบาลตำบลบ้านใหม่", position="นายกเทศมนตรีตำบลบ้านใหม่", instrument="eit",
    fiscal_year=2570, link="https://ita.example.go.th/go/eit/h9unqk/",
    opens_on=dt.date(2027, 3, 1), closes_on=dt.date(2027, 5, 31), issued_on=dt.date(2027, 3, 3))


def _notice(world, instrument: str = "iit", thai_digits: bool = False):
    link = f"https://ita.example.go.th/go/{instrument}/{world.link.code}/"
    return notices.announcement_for(world.enrolment, instrument, link, thai_digits=thai_digits)


def visible_text(source: str) -> str:
    """What a reader sees: the body without tags, style or comments."""
    body = source.split("<body>", 1)[1]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _lines(source: str) -> list[str]:
    return [" ".join(line.split()) for line in visible_text(source).splitlines()
            if line.strip()]


def _be(day: dt.date) -> str:
    return thai_strftime(day, "%-d %B พ.ศ. %Y")


# --- the HTML source -------------------------------------------------------------------


@pytest.mark.parametrize("instrument", ["iit", "eit"])
def test_the_announcement_reads_as_a_thai_prakat(collecting, instrument):
    source = notices.render_html(_notice(collecting, instrument))
    lines = _lines(source)
    assert lines[0] == "ประกาศองค์การบริหารส่วนตำบลหนองบัว"
    assert lines[1].startswith("เรื่อง ขอเชิญ") and f"({instrument.upper()})" in lines[1]
    assert "ประจำปีงบประมาณ พ.ศ. 2570" in lines[2]
    text = " ".join(lines)
    assert "ไม่ต้องระบุชื่อ" in text and "ไม่สามารถทราบได้ว่าผู้ใดตอบอย่างไร" in text
    if instrument == "iit":
        assert "ไม่น้อยกว่าหนึ่งปี" in text
    else:
        assert "ประชาชน ผู้ประกอบการ และหน่วยงานอื่น" in text and "SMS" in text
    # Closes on the agency's own last day of the window, with the month in full.
    closes = timezone.localdate() + dt.timedelta(days=20)
    assert f"จนถึงวันที่ {_be(closes)}" in text
    # The closing formula ends the body; the QR code, the date line and the signature follow.
    at = lines.index("จึงประกาศให้ทราบโดยทั่วกัน")
    assert lines[at + 1:at + 3] == [f"สแกนเพื่อตอบแบบวัด ({instrument.upper()})",
                                    f"ประกาศ ณ วันที่ {_be(timezone.localdate())}"]
    assert DATE_LINE.fullmatch(lines[at + 2])
    assert lines[-2] == "(....................................................)"
    assert lines[-1] == "นายกองค์การบริหารส่วนตำบลหนองบัว"


def test_an_extension_for_the_agency_moves_the_closing_day(collecting):
    window = PhaseWindow.objects.get(year=collecting.year, phase=Phase.EIT_COLLECTION)
    later = window.closes_on + dt.timedelta(days=7)
    PhaseExtension.objects.create(window=window, agency=collecting.agency_a, closes_on=later,
                                  reason="น้ำท่วม", granted_by=collecting.nacc)
    assert _notice(collecting, "eit").closes_on == later
    assert _notice(collecting, "iit").closes_on == window.closes_on


def test_a_window_that_opens_later_is_announced_with_both_days(collecting):
    start = timezone.localdate() + dt.timedelta(days=5)
    PhaseWindow.objects.filter(year=collecting.year, phase=Phase.IIT_COLLECTION).update(
        opens_on=start)
    text = visible_text(notices.render_html(_notice(collecting)))
    assert f"ได้ตั้งแต่วันที่ {_be(start)} ถึงวันที่" in text and "บัดนี้" not in text


@pytest.mark.parametrize("thai_digits", [False, True])
def test_one_digit_system_and_the_link_untouched(collecting, thai_digits):
    notice = _notice(collecting, "iit", thai_digits=thai_digits)
    source = notices.render_html(notice)
    text = visible_text(source)
    assert f'href="{notice.link}"' in source and text.count(notice.link) == 1
    assert collecting.link.code in notice.link and "\u200b" not in source
    rest = text.replace(notice.link, "")
    assert not re.search(r"[0-9]" if thai_digits else r"[๐-๙]", rest)
    assert ("๒๕๗๐" if thai_digits else "2570") in rest
    day, month, year = DATE_LINE.search(rest).groups()
    assert notices.with_digits(_be(timezone.localdate()), thai_digits) == (
        f"{day} {month} พ.ศ. {year}")


def test_thai_digits_spare_urls_emails_and_codes():
    text = "ตัวชี้วัด O1 ปี 2570 https://ita.example.go.th/go/iit/h9unqk/ a1@b2.go.th"
    assert notices.with_digits(text, thai=True) == (
        "ตัวชี้วัด O1 ปี ๒๕๗๐ https://ita.example.go.th/go/iit/h9unqk/ a1@b2.go.th")


def test_dates_are_official_be_dates():
    source = notices.render_html(SAMPLE)
    text = visible_text(source)
    assert "เดือน" not in text
    assert not [p for p in re.findall(r"<p[^>]*>(.*?)</p>", source, re.S) if "  " in p]
    assert "ประกาศ ณ วันที่ 3 มีนาคม พ.ศ. 2570" in text  # not zero-padded, BE
    assert "ได้ตั้งแต่บัดนี้จนถึงวันที่ 31 พฤษภาคม พ.ศ. 2570" in text


def test_the_position_line_is_derived_or_left_blank(collecting):
    agency = collecting.agency_a
    assert notices.executive_position(agency) == "นายกองค์การบริหารส่วนตำบลหนองบัว"
    agency.kind, agency.name_th = "subdistrict_municipality", "เทศบาลตำบลพอกใหญ่"
    assert notices.executive_position(agency) == "นายกเทศมนตรีตำบลพอกใหญ่"
    assert notices.executive_position(collecting.dla) == ""
    blank = notices.render_html(dataclasses.replace(SAMPLE, position=""))
    assert _lines(blank)[-1].startswith("ตำแหน่ง ......")


def test_the_page_setup_follows_the_style_guide():
    source = notices.render_html(SAMPLE)
    style = source.split("<style>", 1)[1].split("</style>", 1)[0]
    assert '<html lang="th">' in source
    assert re.search(r"@page \{\s*size: A4;\s*margin: 2\.5cm 2cm 2cm 3cm;", style)
    assert "font-size: 10.9pt; line-height: 20.8pt" in style  # 16 pt TH SarabunPSK
    assert "text-indent: 2.5cm" in style
    fonts = re.findall(r'src: url\("([^"]+)"\)', style)
    # The packaged Sarabun with a glyph of its own for SARA AM (openita.core.pdf).
    folder = thai_font("regular").path.parent
    assert len(fonts) == 2 and all(f.startswith(folder.as_uri() + "/Sarabun-") for f in fonts)
    assert all(Path(folder, f.rsplit("/", 1)[1]).is_file() for f in fonts)
    # Nothing is fetched from the network: the QR code is inline, the fonts are files.
    assert re.findall(r'src="([a-z]+):', source) == ["data"]
    assert "https://fonts" not in source and "ครุฑ" not in visible_text(source)


# --- the PDF ---------------------------------------------------------------------------


def _streams(pdf: bytes) -> list[bytes]:
    """Every stream, inflated when it is Flate-compressed (WeasyPrint compresses objects).

    pydyf writes exactly "stream\\n", the data, "\\nendstream": a compressed stream may end
    in a carriage return of its own, so the pattern must not take one as part of the end.
    """
    found = []
    for raw in re.findall(rb"stream\n(.*?)\nendstream", pdf, re.S):
        try:
            found.append(zlib.decompress(raw))
        except zlib.error:
            found.append(raw)
    return found


def _pages(pdf: bytes) -> int:
    objects = b"\n".join(_streams(pdf))
    return int(re.search(rb"/Type /Pages\s*/Kids \[[^\]]*\]\s*/Count (\d+)", objects)[1])


def pdf_text(pdf: bytes) -> str:
    """The text a copy-paste would give: glyph codes through the fonts' ToUnicode maps.

    Both embedded fonts are subsets of one family with one glyph order, so one map serves.
    """
    streams = _streams(pdf)
    to_unicode: dict[bytes, str] = {}
    for stream in streams:
        if b"beginbfchar" in stream:
            for code, target in re.findall(rb"<([0-9a-f]{4})> <([0-9a-f]*)>", stream):
                to_unicode[code] = bytes.fromhex(target.decode()).decode("utf-16-be")
    runs = []
    for stream in streams:
        for array in re.findall(rb"\[(.*?)\] TJ", stream, re.S):
            hexes = b"".join(re.findall(rb"<([0-9a-f]*)>", array))
            runs.append("".join(to_unicode[hexes[i:i + 4]] for i in range(0, len(hexes), 4)))
    return "\n".join(runs)


def comparable(text: str) -> str:
    """Both sides without spaces (line breaks move them); the text layer keeps every Thai
    character, SARA AM included (openita.core.pdf)."""
    return re.sub(r"\s+", "", normalize(text))


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    return notices.render_pdf(SAMPLE)


def test_the_pdf_is_one_a4_page_with_sarabun_embedded(sample_pdf):
    assert sample_pdf.startswith(b"%PDF-")
    objects = b"\n".join(_streams(sample_pdf))
    assert _pages(sample_pdf) == 1 and objects.count(b"/Type /Page/") == 1
    width, height = map(float, re.search(
        rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", objects).groups())
    assert abs(width - 595.28) < 0.5 and abs(height - 841.89) < 0.5
    fonts = re.findall(rb"/BaseFont /([A-Z]{6}\+[\w-]+)", objects)
    assert fonts and all(b"+Sarabun" in name for name in fonts)
    assert objects.count(b"/FontFile2") >= len(set(fonts)) >= 2  # body and headings
    assert not re.search(rb"Tahoma|Angsana|Cordia|DejaVu|Garuda|Loma", objects)


def test_a_long_name_and_every_option_still_fit_one_page():
    longest = dataclasses.replace(
        SAMPLE, instrument="iit", needs_access_code=True, thai_digits=True, position="",
        opens_on=dt.date(2027, 4, 1), link="https://ita-assessment.nacc.go.th/go/iit/h9unqk/",
        agency_name="สำนักงานปลัดกระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์")
    assert _pages(notices.render_pdf(longest)) == 1


def test_the_pdf_carries_the_text_after_normalising(sample_pdf):
    text = comparable(pdf_text(sample_pdf))
    for expected in ("ประกาศเทศบาลตำบลบ้านใหม่", "เรื่อง ขอเชิญผู้รับบริการ",
                     "ประกาศ ณ วันที่ 3 มีนาคม พ.ศ. 2570", "จึงประกาศให้ทราบโดยทั่วกัน",
                     "นายกเทศมนตรีตำบลบ้านใหม่", SAMPLE.link):
        assert comparable(expected) in text
    assert SAMPLE.link in pdf_text(sample_pdf)  # the link survives byte for byte


# --- the download ----------------------------------------------------------------------


def test_the_executive_downloads_the_announcement(collecting, client_for):
    client = client_for(collecting.executive_a)
    page = client.get(reverse("agencies:surveys", args=[collecting.agency_a.pk]))
    url = reverse("agencies:announcement", args=[collecting.agency_a.pk, "eit"])
    assert url.endswith("/surveys/announcement-eit.pdf") and url in page.content.decode()
    response = client.get(url + "?digits=thai")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="announcement-SAO-A-eit-2570.pdf"')
    text = pdf_text(response.content)
    assert f"/go/eit/{collecting.link.code}/" in text and "๒๕๗๐" in text


def test_other_agencies_and_unknown_instruments_get_nothing(collecting, client_for):
    pk = collecting.agency_a.pk
    assert client_for(collecting.admin_b).get(
        reverse("agencies:announcement", args=[pk, "iit"])).status_code == 404
    assert client_for(collecting.admin_a).get(
        reverse("agencies:announcement", args=[pk, "oit"])).status_code == 404
    assert client_for(None).get(
        reverse("agencies:announcement", args=[pk, "iit"])).status_code == 302


def test_no_announcement_before_registration(world, client_for):
    assert client_for(world.admin_a).get(reverse(
        "agencies:announcement", args=[world.agency_a.pk, "iit"])).status_code == 404
