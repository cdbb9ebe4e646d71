"""A cache that is down must not stop respondents: the database still answers."""

from __future__ import annotations

import pytest
import redis
from django.utils import translation

from openita.core.errors import ActionRefused
from openita.surveys import quality, respondent, services
from openita.surveys.models import PhoneClaim, Response
from tests.surveys.conftest import iit_answers


def _unreachable(*args, **kwargs):
    raise redis.exceptions.ConnectionError("Connection refused")


class DownCache:
    get = get_many = set = add = incr = delete = staticmethod(_unreachable)


def test_a_response_is_stored_when_the_quality_counters_are_down(collecting, monkeypatch):
    monkeypatch.setattr(quality, "_remember", _unreachable)
    progress = respondent.Progress(eligible=True, started=0)
    progress.answers = iit_answers()
    collecting.year.iit_requires_access_code = False
    collecting.year.save()
    respondent.send(collecting.enrolment, "IIT", services.open_survey(
        collecting.link.code, "IIT")[1], progress, "192.0.2.1")
    assert Response.objects.get().flags == ["network_unchecked"]


def test_survey_links_open_when_the_cache_is_down(collecting, monkeypatch, settings):
    settings.OPENITA_SURVEY_CACHE_SECONDS = 30
    services._LOCAL_FACTS.clear()
    monkeypatch.setattr(services, "cache", DownCache())
    enrolment, _framework = services.open_survey(collecting.link.code, "IIT")
    assert enrolment == collecting.enrolment
    assert collecting.link.code in services._LOCAL_FACTS  # the next request asks neither


def test_one_time_passwords_are_refused_politely_when_the_cache_is_down(collecting,
                                                                        monkeypatch):
    monkeypatch.setattr(services, "cache", DownCache())
    with pytest.raises(ActionRefused) as refused, translation.override("en"):
        services.send_otp(collecting.enrolment, "0812345678", session_key="s",
                          address="192.0.2.1")
    assert "try again in a few minutes" in refused.value.message
    with pytest.raises(ActionRefused):
        services.verify_otp(collecting.enrolment, "0812345678", "123456", address="192.0.2.1")
    assert not PhoneClaim.objects.exists()


def test_ipv4_users_on_a_dual_stack_server_are_told_apart():
    assert respondent.network({"REMOTE_ADDR": "::ffff:192.0.2.7"}) == "192.0.2.7"
    assert respondent.network({"REMOTE_ADDR": "::ffff:198.51.100.9"}) == "198.51.100.9"
    assert respondent.network({"REMOTE_ADDR": "2001:db8::1"}) == "2001:db8::/64"
