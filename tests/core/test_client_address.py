"""The client's address behind trusted proxies: X-Forwarded-For is believed only as far as
proxies we trust wrote it, so a forged header neither hides a respondent nor frames one."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from hypothesis import given
from hypothesis import strategies as st

from openita.core.net import client_address, parse_networks
from openita.surveys import codes, respondent, sms
from tests.surveys import conftest as surveys

PROXIES = parse_networks("10.0.0.0/24, 192.0.2.10, 2001:db8:aaaa::/48")
behind_proxies = override_settings(OPENITA_TRUSTED_PROXIES=PROXIES)
collecting = surveys.collecting  # the fixture: survey windows open, agency A enrolled


def _meta(remote: str, forwarded: str | None = None) -> dict[str, str]:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return meta


@override_settings(OPENITA_TRUSTED_PROXIES=())
def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says():
    assert client_address(_meta("198.51.100.7", "203.0.113.1")) == "198.51.100.7"
    assert client_address(_meta("10.0.0.5", "203.0.113.1")) == "10.0.0.5"


@behind_proxies
def test_a_forged_header_from_a_peer_that_is_not_a_proxy_is_ignored():
    assert client_address(_meta("198.51.100.7", "203.0.113.1, 10.0.0.5")) == "198.51.100.7"


@behind_proxies
def test_behind_a_trusted_proxy_the_client_is_the_address_it_forwarded():
    assert client_address(_meta("10.0.0.5", "203.0.113.1")) == "203.0.113.1"
    assert client_address(_meta("192.0.2.10", " 203.0.113.1 ")) == "203.0.113.1"


@behind_proxies
def test_a_chain_of_trusted_proxies_is_walked_from_the_right():
    # client → 192.0.2.10 (edge) → 10.0.0.7 (balancer) → 10.0.0.5 (nginx) → openita
    assert client_address(_meta("10.0.0.5", "203.0.113.1, 192.0.2.10, 10.0.0.7")) \
        == "203.0.113.1"


@behind_proxies
def test_addresses_the_client_wrote_to_the_left_of_its_own_are_ignored():
    forged = "10.0.0.9, 198.51.100.99, 203.0.113.1"  # the client sent the first two
    assert client_address(_meta("10.0.0.5", forged)) == "203.0.113.1"


@behind_proxies
def test_a_request_made_by_the_proxies_themselves_is_theirs():
    assert client_address(_meta("10.0.0.5")) == "10.0.0.5"
    assert client_address(_meta("10.0.0.5", "")) == "10.0.0.5"
    assert client_address(_meta("10.0.0.5", "192.0.2.10, 10.0.0.7")) == "192.0.2.10"


@behind_proxies
def test_ipv6_clients_and_proxies_and_addresses_with_ports():
    assert client_address(_meta("2001:db8:aaaa::5", "2001:DB8:bbbb::0001")) \
        == "2001:db8:bbbb::1"
    assert client_address(_meta("10.0.0.5", "[2001:db8:bbbb::1]:443")) == "2001:db8:bbbb::1"
    assert client_address(_meta("10.0.0.5", "203.0.113.1:51000")) == "203.0.113.1"
    # A dual-stack socket sees the IPv4 proxy as ::ffff:10.0.0.5; it is still the proxy.
    assert client_address(_meta("::ffff:10.0.0.5", "::ffff:203.0.113.1")) == "203.0.113.1"
    assert client_address(_meta("2001:db8:cccc::5", "203.0.113.1")) == "2001:db8:cccc::5"


@behind_proxies
@pytest.mark.parametrize(("forwarded", "client"), [
    ("unknown", "10.0.0.5"),  # what a proxy writes when it does not know: the proxy stands
    ("garbage, 10.0.0.7", "10.0.0.7"),  # the nearest proxy reached stands for the client
    ("203.0.113.1,,10.0.0.7", "10.0.0.7"),
    ("203.0.113.1, not-an-ip", "10.0.0.5"),
    ("<script>, 203.0.113.1", "203.0.113.1"),  # garbage beyond the client is never read
    ("203.0.113.1,", "203.0.113.1"),
    ("1.2.3.4.5, 999.1.1.1", "10.0.0.5"),
    ("[2001:db8::1", "10.0.0.5"),
    ("\x00\udcff", "10.0.0.5"),
])
def test_a_malformed_header_never_crashes_and_never_lets_the_client_choose(forwarded, client):
    assert client_address(_meta("10.0.0.5", forwarded)) == client


@behind_proxies
def test_a_peer_that_is_not_an_address_is_passed_through_untrusted():
    assert client_address(_meta("", "203.0.113.1")) == ""  # a UNIX socket
    assert client_address({}) == ""


@behind_proxies
@given(st.text())
def test_any_header_gives_the_proxy_or_a_well_formed_address(forwarded):
    found = client_address(_meta("10.0.0.5", forwarded))
    assert found == "10.0.0.5" or str(ipaddress.ip_address(found)) == found


@behind_proxies
def test_the_survey_network_is_the_clients_behind_the_proxy():
    assert respondent.network(_meta("10.0.0.5", "203.0.113.1")) == "203.0.113.1"
    assert respondent.network(_meta("10.0.0.5", "2001:db8:bbbb::1:2")) == "2001:db8:bbbb::/64"
    assert respondent.network(_meta("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


def test_trusted_proxies_are_read_once_and_a_bad_entry_is_named():
    assert [str(n) for n in parse_networks(" 10.0.0.5 ,, 10.1.0.0/16,::1 ,")] \
        == ["10.0.0.5/32", "10.1.0.0/16", "::1/128"]
    assert parse_networks("") == ()
    with pytest.raises(ImproperlyConfigured, match="'proxy.local'"):
        parse_networks("10.0.0.5,proxy.local")
    with pytest.raises(ImproperlyConfigured, match="OPENITA_TRUSTED_PROXIES.*'10.0.0.1/8'"):
        parse_networks("10.0.0.1/8")


# --- the survey limits behind a proxy ---------------------------------------------------

GENEROUS = {"phone": (100, 3600), "address": (100, 3600), "session": (100, 3600),
            "agency": (100, 3600), "verify": (100, 3600), "code": (100, 3600)}


def _through_nginx(forwarded: str) -> Client:
    return Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=forwarded)


def _asks_for_an_sms(world, forwarded: str, phone: str) -> int:
    client = _through_nginx(forwarded)
    base = f"/go/eit/{world.link.code}/"
    client.post(base, {"eligible": "yes", "respondent_type": "person"})
    return client.post(base + "phone/", {"phone": phone}).status_code


@behind_proxies
@override_settings(OTP_SEND_LIMITS={**GENEROUS, "address": (1, 3600)})
def test_respondents_behind_the_proxy_each_have_their_own_sms_limit(collecting):
    assert _asks_for_an_sms(collecting, "203.0.113.1", "0811111111") == 302
    assert _asks_for_an_sms(collecting, "198.51.100.2", "0822222222") == 302
    assert len(sms.SENT) == 2
    # The limit still holds for each network: a forged entry to the left does not help.
    assert _asks_for_an_sms(collecting, "192.0.2.77, 203.0.113.1", "0833333333") == 400
    assert len(sms.SENT) == 2


@override_settings(OTP_SEND_LIMITS={**GENEROUS, "address": (1, 3600)})
def test_behind_an_unlisted_proxy_everyone_shares_its_limit(collecting):
    assert _asks_for_an_sms(collecting, "203.0.113.1", "0811111111") == 302
    assert _asks_for_an_sms(collecting, "198.51.100.2", "0822222222") == 400
    assert len(sms.SENT) == 1


@behind_proxies
@override_settings(OTP_SEND_LIMITS={**GENEROUS, "code": (1, 3600)})
def test_respondents_behind_the_proxy_each_have_their_own_code_guesses(collecting):
    code = codes.issue_access_codes(collecting.enrolment, 1,
                                       acting_user=collecting.admin_a)[0]
    guesser = _answers_the_iit(collecting, "203.0.113.1")
    review = f"/go/iit/{collecting.link.code}/review/"
    # Codes are looked up at the final send only: that is where guesses are counted.
    assert guesser.post(review, {"access_code": "ABCD-EFGH"}).status_code == 400
    honest = _answers_the_iit(collecting, "198.51.100.2")
    assert honest.post(review, {"access_code": code}).status_code == 302
    # The guesser's network is over its limit: even a right code is refused there.
    [other] = codes.issue_access_codes(collecting.enrolment, 1,
                                       acting_user=collecting.admin_a)
    assert guesser.post(review, {"access_code": other}).status_code == 400


def _answers_the_iit(world, forwarded: str) -> Client:
    client = _through_nginx(forwarded)
    base = f"/go/iit/{world.link.code}/"
    client.post(base, {"eligible": "yes", "access_code": "ABCD-EFGH"})
    client.post(base + "page/1/", {"q1a": "4", "q1b": "3", "q1c": "1", "q2": "no"})
    client.post(base + "page/2/", {"q3": "1"})
    return client
