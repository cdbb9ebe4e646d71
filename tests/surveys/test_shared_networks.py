"""Many people behind one address (an office, a service counter's Wi-Fi): limits count
failures only, a limited request is told how long to wait, and SMS cost is capped."""

from __future__ import annotations

import logging
import time

import pytest
from django.test import Client
from django.utils import translation

from openita.core.errors import ActionRefused
from openita.surveys import codes, services, sms
from openita.surveys.models import AccessCode, PhoneClaim, Response
from tests.helpers import english, page_text
from tests.surveys.conftest import iit_answers

OFFICE = "203.0.113.50"  # everyone in the office reaches openita from this address
IIT_PAGES = [{"q1a": "4", "q1b": "3", "q1c": "1", "q2": "no"}, {"q3": "1"}]


def _sent_code() -> str:
    return sms.SENT[-1][1].split(": ")[1].split(" ")[0]


def _answers_and_sends(world, code: str) -> Client:
    client = english(Client(REMOTE_ADDR=OFFICE))
    base = f"/go/iit/{world.link.code}/"
    client.post(base, {"eligible": "yes", "access_code": code})
    for number, answers in enumerate(IIT_PAGES, start=1):
        client.post(f"{base}page/{number}/", answers)
    client.response = client.post(f"{base}review/")
    return client


def test_the_61st_valid_code_from_one_office_is_accepted(collecting):
    issued = codes.issue_access_codes(collecting.enrolment, 70, acting_user=collecting.admin_a)
    for typo in ("ABCD-EFGH", "WXYZ-2345", "HJKM-NPQR"):  # a few mistyped codes on the way
        assert _answers_and_sends(collecting, typo).response.status_code == 400
    for code in issued:
        response = _answers_and_sends(collecting, code).response
        assert response.status_code == 302, page_text(response)
    assert Response.objects.count() == 70 and not AccessCode.objects.exists()


def test_the_11th_sms_request_from_one_counter_is_accepted(collecting):
    for n in range(12):
        client = Client(REMOTE_ADDR=OFFICE)
        base = f"/go/eit/{collecting.link.code}/"
        client.post(base, {"eligible": "yes", "respondent_type": "person"})
        response = client.post(base + "phone/", {"phone": f"08123456{n:02d}"})
        assert response.status_code == 302, n
    assert len(sms.SENT) == 12


def test_right_one_time_passwords_never_count_against_the_counter(collecting, settings):
    settings.OTP_SEND_LIMITS = {**settings.OTP_SEND_LIMITS, "verify": (2, 3600)}
    for n in range(4):
        phone = services.send_otp(collecting.enrolment, f"08123456{n:02d}",
                                  session_key=f"s{n}", address=OFFICE)
        services.verify_otp(collecting.enrolment, phone, _sent_code(), address=OFFICE)
    assert PhoneClaim.objects.count() == 4


def test_after_the_failure_limit_a_request_is_told_how_many_minutes_to_wait(collecting,
                                                                            monkeypatch):
    [real] = codes.issue_access_codes(collecting.enrolment, 1, acting_user=collecting.admin_a)
    limit = services.settings.OTP_SEND_LIMITS["code"][0]
    for n in range(limit):  # someone on the office network guesses codes
        with pytest.raises(ActionRefused):
            services.submit(collecting.enrolment, "IIT", iit_answers(),
                            submission_key=f"guess-{n}", access_code="ABCD-EFGH",
                            network=OFFICE)
    with translation.override("en"), pytest.raises(ActionRefused) as limited:
        services.submit(collecting.enrolment, "IIT", iit_answers(), submission_key="honest",
                        access_code=real, network=OFFICE)
    assert limited.value.message == "Too many attempts. Please try again in 60 minutes."
    assert AccessCode.objects.count() == 1  # the valid code was not spent, nor refused
    # The page says the same, never "invalid", and the time left shrinks with the window.
    clock = time.time() + 25 * 60
    monkeypatch.setattr(services.time, "time", lambda: clock)
    response = _answers_and_sends(collecting, real).response
    body = page_text(response)
    assert response.status_code == 400 and "try again in 35 minutes" in body
    assert "not valid" not in body
    # Another network is not affected.
    assert services.submit(collecting.enrolment, "IIT", iit_answers(), submission_key="other",
                           access_code=real, network="198.51.100.1").response


def test_wrong_one_time_passwords_are_limited_with_the_time_to_wait(collecting, settings):
    settings.OTP_SEND_LIMITS = {**settings.OTP_SEND_LIMITS, "verify": (2, 3600)}
    phone = services.send_otp(collecting.enrolment, "0812345678", session_key="s",
                              address=OFFICE)
    for _ in range(2):
        with translation.override("en"), pytest.raises(ActionRefused, match="not right"):
            services.verify_otp(collecting.enrolment, phone, "000000x", address=OFFICE)
    with translation.override("en"), pytest.raises(ActionRefused) as limited:
        services.verify_otp(collecting.enrolment, phone, _sent_code(), address=OFFICE)
    assert limited.value.message == "Too many attempts. Please try again in 60 minutes."
    assert not PhoneClaim.objects.exists()


def test_a_phone_still_gets_at_most_three_texts_an_hour(collecting):
    for n in range(3):
        services.send_otp(collecting.enrolment, "0812345678", session_key=f"s{n}",
                          address=f"198.51.100.{n}")
    with translation.override("en"), pytest.raises(ActionRefused, match="try again in"):
        services.send_otp(collecting.enrolment, "0812345678", session_key="s9",
                          address="198.51.100.9")
    assert len(sms.SENT) == 3


def test_the_national_sms_budget_stops_sends_and_says_so(collecting, settings, caplog):
    settings.OPENITA_SMS_BUDGET_PER_HOUR = 3
    for n in range(3):
        services.send_otp(collecting.enrolment, f"08123456{n:02d}", session_key=f"s{n}",
                          address=f"198.51.100.{n}")
    caplog.set_level(logging.ERROR, logger="openita.surveys.services")
    for n in (7, 8):
        with translation.override("en"), pytest.raises(ActionRefused) as refused:
            services.send_otp(collecting.enrolment, f"08123456{n:02d}", session_key=f"s{n}",
                              address=f"198.51.100.{n}")
        assert "cannot be sent just now. Please try again in" in refused.value.message
    assert len(sms.SENT) == 3
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "SMS budget" in errors[0].getMessage()  # once, not per send
