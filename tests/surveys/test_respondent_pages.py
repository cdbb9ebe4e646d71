"""A respondent answers on the phone: IIT with an access code, EIT with an SMS code."""

from __future__ import annotations

import gzip

import pytest
from django.test import Client

from openita.surveys import codes, sms
from openita.surveys.models import AccessCode, Response
from tests.helpers import english, page_text

IIT_PAGES = [{"q1a": "4", "q1b": "3", "q1c": "1", "q2": "no"}, {"q3": "1"}]


def _url(world, instrument: str, step: str = "", *more) -> str:
    tail = "/".join([step, *map(str, more)]) + "/" if step else ""
    return f"/go/{instrument}/{world.link.code}/{tail}"


def _answer_iit(client: Client, world) -> None:
    for number, answers in enumerate(IIT_PAGES, start=1):
        response = client.post(_url(world, "iit", "page", number), answers)
        assert response.status_code == 302, page_text(response)


def test_a_staff_member_answers_the_iit_with_a_one_time_code(collecting):
    code = codes.issue_access_codes(collecting.enrolment, 1,
                                       acting_user=collecting.admin_a)[0]
    client = Client()
    landing = client.get(_url(collecting, "iit"))
    assert landing.status_code == 200
    body = page_text(landing)
    assert collecting.agency_a.name_th in body and "ไม่ระบุตัวตน" in body
    response = client.post(_url(collecting, "iit"), {"eligible": "yes", "access_code": code})
    assert response["Location"] == _url(collecting, "iit", "page", 1)
    _answer_iit(client, collecting)
    response = client.post(_url(collecting, "iit", "review"))
    assert response["Location"] == _url(collecting, "iit", "thanks")
    stored = Response.objects.get()
    assert stored.answers == {"q1a": 4, "q1b": 3, "q1c": 1, "q2": "no", "q3": 1}
    assert stored.instrument == "IIT" and stored.enrolment == collecting.enrolment
    assert "ขอบคุณ" in page_text(client.get(response["Location"]))
    assert not AccessCode.objects.exists()  # spent at the final send


def test_a_malformed_code_or_no_confirmation_is_refused_next_to_the_field(collecting):
    client = english(Client())
    response = client.post(_url(collecting, "iit"), {"access_code": "NOPE-NOPE"})
    assert response.status_code == 400
    body = page_text(response)
    assert "8-character access code" in body and "Please confirm" in body
    assert client.get(_url(collecting, "iit", "page", 1)).status_code == 302


def test_a_refused_code_is_replaced_on_the_review_page_and_the_answers_are_kept(collecting):
    [code] = codes.issue_access_codes(collecting.enrolment, 1, acting_user=collecting.admin_a)
    client = english(Client())
    client.post(_url(collecting, "iit"), {"eligible": "yes", "access_code": "ABCD-EFGH"})
    _answer_iit(client, collecting)
    refused = client.post(_url(collecting, "iit", "review"))
    assert refused.status_code == 400
    body = page_text(refused)
    assert "not valid or was already used" in body and 'name="access_code"' in body
    assert not Response.objects.exists()
    response = client.post(_url(collecting, "iit", "review"), {"access_code": code.lower()})
    assert response["Location"] == _url(collecting, "iit", "thanks")
    assert Response.objects.get().answers["q3"] == 1 and not AccessCode.objects.exists()


def test_a_service_user_answers_the_eit_after_an_sms_code(collecting):
    client = Client()
    client.post(_url(collecting, "eit"), {"eligible": "yes", "respondent_type": "business"})
    response = client.post(_url(collecting, "eit", "phone"), {"phone": "081 234 5678"})
    assert response["Location"] == _url(collecting, "eit", "verify")
    sent = sms.SENT[-1][1].split(": ")[1].split(" ")[0]
    wrong = client.post(_url(collecting, "eit", "verify"), {"code": "999999x"})
    assert wrong.status_code == 400
    response = client.post(_url(collecting, "eit", "verify"), {"code": sent})
    assert response["Location"] == _url(collecting, "eit", "page", 1)
    client.post(_url(collecting, "eit", "page", 1), {"e1": "3"})
    response = client.post(_url(collecting, "eit", "review"))
    assert response.status_code == 302
    stored = Response.objects.get()
    assert stored.respondent_type == "business" and stored.answers == {"e1": 3}


def test_leaving_and_coming_back_keeps_the_answers(collecting):
    collecting.year.iit_requires_access_code = False
    collecting.year.save()
    client = Client()
    client.post(_url(collecting, "iit"), {"eligible": "yes"})
    client.post(_url(collecting, "iit", "page", 1), IIT_PAGES[0])
    later = client.get(_url(collecting, "iit", "page", 1))  # the same device, later
    assert 'value="3" checked' in page_text(later)
    # Jumping to the end with a page missing goes back to that page.
    assert client.get(_url(collecting, "iit", "review"))["Location"] == _url(
        collecting, "iit", "page", 2)


def test_a_double_tap_on_send_stores_one_response(collecting):
    collecting.year.iit_requires_access_code = False
    collecting.year.save()
    client = Client()
    client.post(_url(collecting, "iit"), {"eligible": "yes"})
    _answer_iit(client, collecting)
    cookie = dict(client.cookies)
    first = client.post(_url(collecting, "iit", "review"))
    client.cookies.update(cookie)  # the second tap still carries the form's cookie
    second = client.post(_url(collecting, "iit", "review"))
    assert first["Location"] == second["Location"] == _url(collecting, "iit", "thanks")
    assert Response.objects.count() == 1


def test_an_unanswered_question_is_pointed_out_and_nothing_is_kept_for_it(collecting):
    collecting.year.iit_requires_access_code = False
    collecting.year.save()
    client = english(Client())
    client.post(_url(collecting, "iit"), {"eligible": "yes"})
    response = client.post(_url(collecting, "iit", "page", 1), {"q1a": "4", "q1b": "7"})
    assert response.status_code == 400
    assert "Please answer every question" in page_text(response)
    assert Response.objects.count() == 0


def test_a_forged_link_and_a_closed_window_say_so_politely(collecting):
    client = english(Client())
    response = client.get("/go/iit/zzzzzz/")
    assert response.status_code == 404 and "not valid" in page_text(response)
    from openita.calendars.models import Phase, PhaseWindow

    PhaseWindow.objects.filter(year=collecting.year, phase=Phase.IIT_COLLECTION).update(
        opens_on="2020-01-01", closes_on="2020-01-02")
    response = client.get(_url(collecting, "iit"))
    assert response.status_code == 200 and "not open" in page_text(response)


def test_a_tampered_cookie_starts_over(collecting):
    client = Client()
    client.cookies[f"ita_iit_{collecting.link.code}"] = "forged-value"
    assert client.get(_url(collecting, "iit", "page", 1))["Location"] == _url(collecting, "iit")


@pytest.mark.parametrize("instrument", ["iit", "eit"])
def test_a_question_page_is_small(collecting, instrument):
    collecting.year.iit_requires_access_code = False
    collecting.year.save()
    client = Client()
    client.post(_url(collecting, instrument), {"eligible": "yes", "respondent_type": "person"})
    if instrument == "eit":
        client.post(_url(collecting, "eit", "phone"), {"phone": "0812345678"})
        code = sms.SENT[-1][1].split(": ")[1].split(" ")[0]
        client.post(_url(collecting, "eit", "verify"), {"code": code})
    page = client.get(_url(collecting, instrument, "page", 1))
    assert page.status_code == 200
    assert len(gzip.compress(page.content)) < 30 * 1024
    assert "<script" not in page.content.decode() and "http://" not in page.content.decode()


def test_the_page_loads_a_small_thai_font_subset_from_this_site(collecting):
    from django.contrib.staticfiles import finders

    body = page_text(Client().get(_url(collecting, "iit")))
    assert "sarabun-thai-400.woff2" in body and ".ttf" not in body
    path = finders.find("openita/fonts/sarabun-thai-400.woff2")
    from pathlib import Path

    assert 0 < Path(path).stat().st_size < 30 * 1024
