"""Attempts to game or de-anonymise the surveys, found in review, and how they fail."""

from __future__ import annotations

import time

import pytest
from django.test import Client, override_settings
from django.utils import translation

from openita.calendars.models import Enrolment, EnrolmentState
from openita.core.errors import ActionRefused
from openita.surveys import codes, services, sms
from openita.surveys.models import AccessCode, PhoneClaim, Response
from tests.surveys.conftest import iit_answers


def _sent_code() -> str:
    return sms.SENT[-1][1].split(": ")[1].split(" ")[0]


def _verified_eit_cookie(client: Client, world, code: str) -> str:
    client.post(f"/go/eit/{code}/", {"eligible": "yes", "respondent_type": "person"})
    client.post(f"/go/eit/{code}/phone/", {"phone": "0812345678"})
    client.post(f"/go/eit/{code}/verify/", {"code": _sent_code()})
    return client.cookies[f"ita_eit_{code}"].value


def test_a_cookie_from_the_eit_does_not_open_the_iit_without_a_code(collecting):
    client = Client()
    cookie = _verified_eit_cookie(client, collecting, collecting.link.code)
    client.cookies[f"ita_iit_{collecting.link.code}"] = cookie
    response = client.get(f"/go/iit/{collecting.link.code}/page/1/")
    assert response["Location"] == f"/go/iit/{collecting.link.code}/"
    assert client.post(f"/go/iit/{collecting.link.code}/review/").status_code == 302
    assert not Response.objects.filter(instrument="IIT").exists()


def test_a_phone_verified_for_another_agency_does_not_open_this_one(collecting):
    other = Enrolment.objects.create(agency=collecting.agency_b, year=collecting.year,
                                     state=EnrolmentState.REGISTERED)
    other_code = services.link_for(other).code
    client = Client()
    cookie = _verified_eit_cookie(client, collecting, other_code)
    client.cookies[f"ita_eit_{collecting.link.code}"] = cookie
    response = client.get(f"/go/eit/{collecting.link.code}/page/1/")
    assert response["Location"] == f"/go/eit/{collecting.link.code}/"


def test_the_service_refuses_an_iit_response_without_a_required_code(collecting):
    with pytest.raises(ActionRefused):
        services.submit(collecting.enrolment, "IIT", iit_answers(), submission_key="k")
    with pytest.raises(ActionRefused):
        services.submit(collecting.enrolment, "IIT", iit_answers(), submission_key="k",
                        respondent_type="person", access_code="ABCD-EFGH")
    with pytest.raises(ActionRefused):  # an EIT response needs its respondent type
        services.submit(collecting.enrolment, "EIT", {"e1": 1}, submission_key="e")
    assert not Response.objects.exists()


def test_a_key_used_for_one_survey_is_refused_on_another(collecting):
    services.submit(collecting.enrolment, "EIT", {"e1": 1}, submission_key="shared",
                    respondent_type="person")
    with pytest.raises(ActionRefused):
        services.submit(collecting.enrolment, "IIT", iit_answers(), submission_key="shared",
                        access_code=codes.issue_access_codes(
                            collecting.enrolment, 1, acting_user=collecting.admin_a)[0])
    assert Response.objects.count() == 1


def test_a_used_code_is_deleted_and_codes_are_kept_only_as_keyed_hashes(collecting):
    import hashlib

    code = codes.issue_access_codes(collecting.enrolment, 1,
                                       acting_user=collecting.admin_a)[0]
    stored = AccessCode.objects.get().code_hash
    assert stored != hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    services.submit(collecting.enrolment, "IIT", iit_answers(), submission_key="k",
                    access_code=code)
    assert not AccessCode.objects.exists()


def test_strangers_cannot_learn_whether_a_phone_answered(collecting):
    phone = services.send_otp(collecting.enrolment, "0812345678", session_key="a",
                              address="1.1.1.1")
    services.verify_otp(collecting.enrolment, phone, _sent_code())
    # Asking again sends an SMS as for anyone else: no different answer to read.
    assert services.send_otp(collecting.enrolment, phone, session_key="b",
                             address="2.2.2.2") == phone
    assert PhoneClaim.objects.count() == 1


def test_wrong_tries_do_not_extend_a_code_and_are_counted_once_each(collecting, monkeypatch):
    phone = services.send_otp(collecting.enrolment, "0812345678", session_key="a",
                              address="1.1.1.1")
    real = _sent_code()
    clock = [time.time()]
    monkeypatch.setattr(services.time, "time", lambda: clock[0])
    for _ in range(3):
        clock[0] += 100
        with pytest.raises(ActionRefused):
            services.verify_otp(collecting.enrolment, phone, "000000x")
    with translation.override("en"), pytest.raises(ActionRefused, match="expired"):
        services.verify_otp(collecting.enrolment, phone, real)  # 300 s have passed


@override_settings(OTP_SEND_LIMITS={"phone": (99, 3600), "address": (99, 3600),
                                    "session": (99, 3600), "agency": (99, 3600),
                                    "verify": (3, 3600), "code": (2, 3600)})
def test_guessing_codes_is_limited_per_network(collecting):
    phone = services.send_otp(collecting.enrolment, "0812345678", session_key="a",
                              address="1.1.1.1")
    for _ in range(3):
        with pytest.raises(ActionRefused):
            services.verify_otp(collecting.enrolment, phone, "nope", address="6.6.6.6")
    with pytest.raises(ActionRefused):  # the right code, but this network is over its limit
        services.verify_otp(collecting.enrolment, phone, _sent_code(), address="6.6.6.6")
    real = codes.issue_access_codes(collecting.enrolment, 1,
                                       acting_user=collecting.admin_a)[0]
    for key in ("g1", "g2"):  # access codes are guessed at the final send
        with pytest.raises(ActionRefused):
            services.submit(collecting.enrolment, "IIT", iit_answers(), submission_key=key,
                            access_code="ABCD-EFGH", network="7.7.7.7")
    with pytest.raises(ActionRefused):
        services.submit(collecting.enrolment, "IIT", iit_answers(), submission_key="g3",
                        access_code=real, network="7.7.7.7")
    assert AccessCode.objects.count() == 1 and not Response.objects.exists()


def test_a_replay_keeps_the_first_responses_flags_and_adds_no_row(collecting):
    now = int(time.time())
    first = services.submit(collecting.enrolment, "EIT", {"e1": 1}, submission_key="k",
                            respondent_type="person", network="192.0.2.1", started=now)
    again = services.submit(collecting.enrolment, "EIT", {"e1": 1}, submission_key="k",
                            respondent_type="person", network="192.0.2.1", started=now - 600)
    assert again.replayed and again.response.pk == first.response.pk
    assert list(Response.objects.values_list("flags", flat=True)) == [["too_fast"]]


def test_a_failing_sms_gateway_gets_a_clear_message(collecting, monkeypatch):
    class Broken:
        def send(self, phone, text):
            raise OSError("gateway down")

    monkeypatch.setattr(sms, "gateway", lambda: Broken())
    with translation.override("en"), pytest.raises(ActionRefused, match="could not be sent"):
        services.send_otp(collecting.enrolment, "0812345678", session_key="a", address="1")


def test_the_demo_outbox_and_the_log_never_hold_a_whole_phone_number(tmp_path, caplog):
    sms.FileGateway(tmp_path).send("0812345678", "code 123456")
    written = (tmp_path / "outbox.txt").read_text(encoding="utf-8")
    assert "08x-xxx-5678 code 123456" in written and "0812345678" not in written
    sms.ConsoleGateway().send("0812345678", "code 654321")
    assert "0812345678" not in caplog.text and "08x-xxx-5678" in caplog.text
