"""The printable survey announcement (ประกาศ): one A4 page per instrument, in Thai.

Layout follows shared/design/thai-documents.md §2.1 and §6.2: A4, margins 3 cm left and
2 cm right, Google Sarabun at the sizes that match 16 pt TH SarabunPSK, a blank slot where
the agency's own Garuda goes (we ship no emblem), the link and a QR code, and a signature
block the executive signs by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import segno
from django.template.loader import render_to_string
from django.utils import timezone
from pythainlp.util import normalize

from openita.agencies.models import Agency, AgencyKind
from openita.calendars import services as calendar
from openita.calendars.models import Enrolment
from openita.core.pdf import font_uris, write_pdf
from openita.core.thaidates import thai_long_date, with_digits

from .services import PHASES

INSTRUMENTS = ("iit", "eit")



@dataclass(frozen=True)
class Announcement:
    agency_name: str
    position: str  # the signer's position; "" leaves a dotted line to fill in by hand
    instrument: str  # "iit" or "eit"
    fiscal_year: int  # B.E.
    link: str
    opens_on: dt.date | None
    closes_on: dt.date | None
    issued_on: dt.date
    needs_access_code: bool = False
    thai_digits: bool = False


def executive_position(agency: Agency) -> str:
    """The head's title where the law derives it from the body's name, else "".

    Only local bodies qualify (นายก + name; a municipality's head is a นายกเทศมนตรี); other
    kinds name their heads too variously to guess, so the agency writes it in by hand.
    """
    name = normalize(agency.name_th.strip())
    if agency.kind in (AgencyKind.SAO, AgencyKind.PAO) and name.startswith("องค์การบริหารส่วน"):
        return "นายก" + name
    if agency.kind in (AgencyKind.CITY_MUNICIPALITY, AgencyKind.TOWN_MUNICIPALITY,
                       AgencyKind.SUBDISTRICT_MUNICIPALITY) and name.startswith("เทศบาล"):
        return "นายกเทศมนตรี" + name.removeprefix("เทศบาล")
    if agency.kind == AgencyKind.PATTAYA and name == "เมืองพัทยา":
        return "นายกเมืองพัทยา"
    if agency.kind == AgencyKind.BANGKOK:
        return "ผู้ว่าราชการกรุงเทพมหานคร"
    return ""


def announcement_for(enrolment: Enrolment, instrument: str, link: str, *,
                     today: dt.date | None = None, thai_digits: bool = False) -> Announcement:
    """The announcement of ``instrument`` for an enrolled agency, dated ``today``."""
    if instrument not in INSTRUMENTS:
        raise ValueError(instrument)
    agency = enrolment.agency
    # The agency's own window: an extension granted to it moves the closing day.
    status = calendar.phase_status(enrolment.year, PHASES[instrument.upper()], agency)
    return Announcement(
        agency_name=normalize(agency.name_th.strip()), position=executive_position(agency),
        instrument=instrument, fiscal_year=enrolment.year.fiscal_year, link=link,
        opens_on=status.opens_on if status else None,
        closes_on=status.closes_on if status else None,
        issued_on=today or timezone.localdate(),
        needs_access_code=instrument == "iit" and enrolment.year.iit_requires_access_code,
        thai_digits=thai_digits)


def render_html(announcement: Announcement) -> str:
    """The HTML source WeasyPrint prints; tests read it because PDF text loses Thai marks."""
    a = announcement
    digits = a.thai_digits
    # Every number is formatted here, so the template holds no digits of its own.
    # The opening day is printed only when collection starts after the day of issue.
    opens = a.opens_on if a.opens_on is not None and a.opens_on > a.issued_on else None
    return render_to_string("surveys/announcement.html", {
        "a": a,
        "agency": with_digits(a.agency_name, digits),
        "position": with_digits(a.position, digits),
        "fiscal_year": with_digits(str(a.fiscal_year), digits),
        "opens": thai_long_date(opens, digits) if opens else "",
        "closes": thai_long_date(a.closes_on, digits) if a.closes_on else "",
        "issued": thai_long_date(a.issued_on, digits),
        "qr": segno.make(a.link, error="m").svg_data_uri(omitsize=True, border=0),
        "fonts": font_uris(),
        "page_counter": "thai" if digits else "decimal",
    })


def render_pdf(announcement: Announcement) -> bytes:
    """The announcement as PDF bytes (A4, Sarabun embedded)."""
    return write_pdf(render_html(announcement))


def filename_of(agency: Agency, announcement: Announcement) -> str:
    return f"announcement-{agency.code}-{announcement.instrument}-{announcement.fiscal_year}.pdf"
