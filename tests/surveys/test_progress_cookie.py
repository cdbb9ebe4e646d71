"""The progress cookie is signed, not encrypted: anyone holding the device can read it. It
must not hold the access code or the phone number, and it expires with the survey window."""

from __future__ import annotations

import datetime as dt
import json
import zlib

from django.core import signing
from django.test import Client
from django.utils import timezone

from openita.calendars.models import Phase, PhaseWindow
from openita.calendars.services import closing_moment
from openita.surveys import codes, respondent, sms

PHONE = "0812345678"


def read_without_the_key(value: str) -> str:
    """What someone who copied the cookie reads, with no server key: the signed payload."""
    payload = value.rsplit(":", 2)[0]
    compressed = payload.startswith(".")
    data = signing.b64_decode(payload.lstrip(".").encode())
    return (zlib.decompress(data) if compressed else data).decode()


def _forms_of_the_phone() -> list[str]:
    return [PHONE, PHONE[1:], "66" + PHONE[1:], "081 234 5678", "081-234-5678",
            "08x-xxx-5678", "081-xxx-5678"]


def _cookie(client: Client, instrument: str, world) -> str:
    return read_without_the_key(
        client.cookies[respondent.cookie_name(instrument, world.link.code)].value)


def test_the_cookie_never_holds_the_access_code(collecting):
    [code] = codes.issue_access_codes(collecting.enrolment, 1, acting_user=collecting.admin_a)
    client = Client()
    client.post(f"/go/iit/{collecting.link.code}/", {"eligible": "yes",
                                                     "access_code": code.lower()})
    readable = _cookie(client, "IIT", collecting)
    assert json.loads(readable)["e"] is True  # it is readable: this is what anyone sees
    bare = code.replace("-", "")
    for form in (code, bare, code.lower(), bare.lower(), bare[:4], bare[4:]):
        assert form not in readable, form
    # The answers page works from the hash alone, and sending spends the code.
    client.post(f"/go/iit/{collecting.link.code}/page/1/",
                {"q1a": "4", "q1b": "3", "q1c": "1", "q2": "no"})
    client.post(f"/go/iit/{collecting.link.code}/page/2/", {"q3": "1"})
    response = client.post(f"/go/iit/{collecting.link.code}/review/")
    assert response["Location"].endswith("/thanks/")


def test_the_cookie_never_holds_the_phone_number(collecting):
    client = Client()
    base = f"/go/eit/{collecting.link.code}/"
    client.post(base, {"eligible": "yes", "respondent_type": "person"})
    client.post(base + "phone/", {"phone": "+66 81 234 5678"})
    waiting = _cookie(client, "EIT", collecting)
    assert PHONE not in waiting and PHONE[1:] not in waiting  # only a masked hint
    assert "08x-xxx-5678" in client.get(base + "verify/").content.decode()
    code = sms.SENT[-1][1].split(": ")[1].split(" ")[0]
    assert client.post(base + "verify/", {"code": code})["Location"] == base + "page/1/"
    verified = _cookie(client, "EIT", collecting)
    assert json.loads(verified)["v"] is True
    for form in _forms_of_the_phone():
        assert form not in verified, form
    assert client.get(base + "page/1/").status_code == 200


def test_the_cookie_expires_when_the_window_closes(collecting):
    closes_on = timezone.localdate() + dt.timedelta(days=3)
    PhaseWindow.objects.filter(year=collecting.year, phase=Phase.IIT_COLLECTION).update(
        closes_on=closes_on)
    client = Client()
    response = client.post(f"/go/iit/{collecting.link.code}/",
                           {"eligible": "yes", "access_code": "ABCD-EFGH"})
    max_age = int(response.cookies[respondent.cookie_name("IIT", collecting.link.code)][
        "max-age"])
    expected = (closing_moment(closes_on) - timezone.now()).total_seconds()
    assert abs(max_age - expected) < 60 and max_age < 4 * 24 * 3600
