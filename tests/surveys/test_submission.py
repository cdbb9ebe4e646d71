"""Links, access codes, phone verification and idempotent, anonymous submission."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation

from openita.core.errors import ActionRefused
from openita.surveys import codes as access_codes
from openita.surveys import services, sms
from openita.surveys.models import AccessCode, PhoneClaim, Response
from tests.surveys.conftest import iit_answers


def _unspent(code: str) -> bool:
    return AccessCode.objects.filter(code_hash=services.code_hash(code)).exists()


def test_each_agency_year_gets_one_short_code(collecting):
    link = services.link_for(collecting.enrolment)
    assert link == collecting.link and len(link.code) == 6
    assert set(link.code) <= set(services.CODE_ALPHABET)  # lower case, no look-alikes
    enrolment, framework = services.open_survey(link.code.upper(), "IIT")
    assert enrolment == collecting.enrolment and framework.id == "mini"


def test_a_forged_code_and_a_closed_window_are_refused(collecting):
    with pytest.raises(ActionRefused):
        services.open_survey("zzzzzz", "IIT")
    from openita.calendars.models import Phase, PhaseWindow

    PhaseWindow.objects.filter(year=collecting.year, phase=Phase.EIT_COLLECTION).update(
        opens_on="2020-01-01", closes_on="2020-01-02")
    with pytest.raises(ActionRefused):
        services.open_survey(collecting.link.code, "EIT")


def test_access_codes_are_kept_only_as_hashes_and_work_once(collecting):
    codes = access_codes.issue_access_codes(collecting.enrolment, 5, acting_user=collecting.admin_a)
    assert len(set(codes)) == 5 and all(len(c) == 9 and c[4] == "-" for c in codes)
    stored = set(AccessCode.objects.values_list("code_hash", flat=True))
    assert not any(c.replace("-", "") in h for c in codes for h in stored)
    code = codes[0].lower().replace("-", " ")
    assert _unspent(code)
    services.submit(collecting.enrolment, "IIT", iit_answers(), submission_key="k1",
                    access_code=code)
    assert not _unspent(code)
    with pytest.raises(ActionRefused):
        services.submit(collecting.enrolment, "IIT", iit_answers(), submission_key="k2",
                        access_code=code)
    assert Response.objects.count() == 1


def test_only_the_agency_admin_issues_codes(collecting):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        access_codes.issue_access_codes(collecting.enrolment, 5, acting_user=collecting.executive_a)


def test_a_replayed_submission_key_gives_back_the_same_response(collecting):
    code = access_codes.issue_access_codes(collecting.enrolment, 1,
                                       acting_user=collecting.admin_a)[0]
    first = services.submit(collecting.enrolment, "IIT", iit_answers(), submission_key="same",
                            access_code=code)
    # The replay carries the same (now spent) code: it is recognised as a replay first.
    again = services.submit(collecting.enrolment, "IIT", iit_answers(2), submission_key="same",
                            access_code=code)
    assert again.replayed and again.response.pk == first.response.pk
    assert Response.objects.count() == 1


@pytest.mark.parametrize("answers", [
    {"q1a": 4},
    {**iit_answers(), "q1a": 5},
    {**iit_answers(), "q2": "maybe"},
    {**iit_answers(), "zz": 1},
])
def test_incomplete_or_out_of_scale_answers_store_nothing(collecting, answers):
    codes = access_codes.issue_access_codes(collecting.enrolment, 1, acting_user=collecting.admin_a)
    with pytest.raises(ActionRefused):
        services.submit(collecting.enrolment, "IIT", answers, submission_key="x",
                        access_code=codes[0])
    assert Response.objects.count() == 0
    assert _unspent(codes[0])


def _sent_code() -> str:
    return sms.SENT[-1][1].split(": ")[1].split(" ")[0]


def test_a_phone_verifies_once_per_agency_year_and_is_kept_only_as_a_keyed_hash(collecting):
    phone = services.send_otp(collecting.enrolment, "+66 81 234 5678", session_key="s",
                              address="10.0.0.1")
    assert phone == "0812345678" and sms.SENT[-1][0] == phone
    services.verify_otp(collecting.enrolment, phone, _sent_code())
    claim = PhoneClaim.objects.get()
    assert "812345678" not in claim.phone_hmac and len(claim.phone_hmac) == 64
    # A second attempt gets an SMS like anyone (no oracle for strangers), but the holder
    # of the phone learns after entering the code that it has already answered.
    services.send_otp(collecting.enrolment, phone, session_key="s2", address="10.0.0.2")
    with translation.override("en"), pytest.raises(ActionRefused, match="already answered"):
        services.verify_otp(collecting.enrolment, phone, _sent_code())
    assert PhoneClaim.objects.count() == 1


def test_a_wrong_or_expired_code_is_refused_and_tries_are_limited(collecting):
    phone = services.send_otp(collecting.enrolment, "0812345678", session_key="s",
                              address="a")
    for _ in range(5):
        with pytest.raises(ActionRefused):
            services.verify_otp(collecting.enrolment, phone, "000000x")
    with translation.override("en"), pytest.raises(ActionRefused, match="Too many wrong"):
        services.verify_otp(collecting.enrolment, phone, _sent_code())
    assert not PhoneClaim.objects.exists()


LIMITS = {"phone": (100, 3600), "address": (100, 3600), "session": (100, 3600),
          "agency": (100, 3600), "verify": (100, 3600), "code": (100, 3600)}


@override_settings(OTP_SEND_LIMITS={**LIMITS, "phone": (2, 3600), "address": (2, 3600)})
def test_sending_is_limited_per_phone_and_per_address(collecting):
    send = services.send_otp
    send(collecting.enrolment, "0811111111", session_key="a", address="1.1.1.1")
    send(collecting.enrolment, "0811111111", session_key="b", address="1.1.1.2")
    with pytest.raises(ActionRefused):  # a third text to the same phone
        send(collecting.enrolment, "0811111111", session_key="c", address="1.1.1.3")
    send(collecting.enrolment, "0822222222", session_key="d", address="9.9.9.9")
    send(collecting.enrolment, "0833333333", session_key="e", address="9.9.9.9")
    with pytest.raises(ActionRefused):  # a third send from the same network address
        send(collecting.enrolment, "0844444444", session_key="f", address="9.9.9.9")
    assert len(sms.SENT) == 4


@override_settings(OTP_SEND_LIMITS={**LIMITS, "session": (2, 3600)})
def test_sending_is_limited_per_browser_session(collecting):
    for number in ("0811111111", "0822222222"):
        services.send_otp(collecting.enrolment, number, session_key="one", address="x")
    with pytest.raises(ActionRefused):
        services.send_otp(collecting.enrolment, "0833333333", session_key="one", address="y")


@pytest.mark.parametrize("phone", ["12345", "0212345678", "08123456789", ""])
def test_a_number_that_is_not_a_thai_mobile_is_refused(collecting, phone):
    with pytest.raises(ActionRefused):
        services.send_otp(collecting.enrolment, phone, session_key="s", address="a")
    assert sms.SENT == []


def test_link_facts_are_cached_briefly_and_the_close_is_still_exact(collecting, settings):
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from openita.calendars.services import closing_moment

    settings.OPENITA_SURVEY_CACHE_SECONDS = 30
    services._LOCAL_FACTS.clear()
    services.open_survey(collecting.link.code, "IIT")
    with CaptureQueriesContext(connection) as queries:
        services.open_survey(collecting.link.code, "IIT")
    assert len(queries.captured_queries) == 0
    facts = services.survey_facts(collecting.link.code)
    closes = facts.windows["iit_collection"][1]
    after = closing_moment(closes) + dt.timedelta(seconds=1)
    with pytest.raises(ActionRefused):  # cached dates, but the 24:00 close is computed now
        services.open_survey(collecting.link.code, "IIT", now=after)
    assert timezone.now() < after
    services._LOCAL_FACTS.clear()
