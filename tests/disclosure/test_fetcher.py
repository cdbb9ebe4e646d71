"""The fetcher against servers on 127.0.0.1 only: every other address is refused before any
connection is tried (the guard below fails and records any attempt to one)."""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import ssl
import threading
import time
import tracemalloc
import uuid
import zlib

import httpcore
import pytest

from openita.disclosure import fetcher
from openita.disclosure.fetcher import FetchResult, HostBusy, Problem, fetch, url_problem

from .servers import (
    TLS_CERT,
    TLS_HOST,
    ConnectionGuard,
    FakeDNS,
    Gate,
    Handler,
    endless,
    gzip_bomb,
    serve,
    silent,
    stall,
    trickle,
)

PAGE = ("<html><head><title>หน้าหลัก Home</title></head>"
        "<body><p>ประกาศ integrity</p></body></html>").encode()
GATE = Gate()


def _redirect_chain(h: Handler) -> None:
    left = int(h.query.get("n", "0"))
    # The last hop is relative ("page" against /redirect is /page): Locations often are.
    h.redirect("page" if left <= 1 else f"/redirect?n={left - 1}")


def _slow_redirect(h: Handler) -> None:
    time.sleep(0.4)
    h.redirect(f"/slow-redirect?n={int(h.query['n']) + 1}")


def _echo(h: Handler) -> None:
    seen = {name: h.headers.get(name, "") for name in
            ("Host", "User-Agent", "Accept", "Accept-Encoding", "Cookie")}
    h.send_body(json.dumps(seen).encode(), content_type="application/json",
                headers={"Set-Cookie": "session=secret; Path=/"})


def _declared_huge(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/pdf")
    h.send_header("Content-Length", str(50 * 1024 * 1024))
    h.end_headers()


ROUTES = {
    "/page": lambda h: h.send_body(PAGE, content_type="text/html; charset=UTF-8"),
    "/redirect": _redirect_chain,
    "/loop": lambda h: h.redirect("/loop", 301),
    "/to": lambda h: h.redirect(h.query["target"]),
    "/slow-redirect": _slow_redirect,
    "/echo": _echo,
    "/status": lambda h: h.send_body(b"<title>error</title>", int(h.query["code"])),
    "/huge": lambda h: h.send_body(b"x" * 200_000, content_type="text/plain"),
    "/declared-huge": _declared_huge,
    "/endless": endless,
    "/bomb": lambda h: h.send_body(gzip_bomb(), headers={"Content-Encoding": "gzip"}),
    "/gzip": lambda h: h.send_body(gzip.compress(PAGE), headers={"Content-Encoding": "gzip"}),
    "/deflate": lambda h: h.send_body(zlib.compress(PAGE), headers={"Content-Encoding": "deflate"}),
    "/raw-deflate": lambda h: h.send_body(
        zlib.compress(PAGE, wbits=-15), headers={"Content-Encoding": "deflate"}),
    "/trickle": trickle,
    "/stall": stall,
    "/silent": silent,
    "/hold": lambda h: GATE.hold(h, float(h.query.get("s", "0.3")), int(h.query.get("all", "0"))),
}


@pytest.fixture(scope="module")
def server():
    with serve(ROUTES) as running:
        yield running


@pytest.fixture(autouse=True)
def guard(monkeypatch):
    """Every test: no connection but to loopback, and no real DNS lookup."""
    return ConnectionGuard(monkeypatch)


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    return FakeDNS(monkeypatch)


@pytest.fixture
def loopback(settings):
    settings.OPENITA_FETCH_ALLOW_LOOPBACK = True
    return settings


def unique(name: str) -> str:
    """A host name of this test alone: the cache is shared with other xdist workers."""
    return f"{name}-{uuid.uuid4().hex[:12]}.test"


def test_normal_page(loopback, server, guard):
    result = fetch(server.url("/page"))
    assert result.ok and result.problem == "" and result.detail == ""
    assert (result.status, result.content_type, result.charset) == (200, "text/html", "utf-8")
    assert result.final_url == result.requested_url == server.url("/page")
    assert result.body == PAGE and result.size == len(PAGE) == result.declared_size
    assert result.sha256 == hashlib.sha256(PAGE).hexdigest()
    assert result.redirects == () and not result.truncated
    assert result.address == "127.0.0.1" and result.elapsed_ms >= 0
    stored = result.as_dict()
    assert "body" not in stored and json.loads(json.dumps(stored))["sha256"] == result.sha256
    assert guard.outside == []


def test_headers_name_and_no_cookies(loopback, server):
    host = unique("echo")
    loopback.OPENITA_FETCH_STATIC_HOSTS = {host: "127.0.0.1"}
    first = json.loads(fetch(server.url("/echo", host)).body)
    assert first["Host"] == f"{host}:{server.port}"  # the name, not the pinned address
    assert first["User-Agent"] == loopback.OPENITA_FETCH_USER_AGENT
    for media in ("text/html", "application/pdf", "wordprocessingml", "*/*"):
        assert media in first["Accept"]
    assert first["Accept-Encoding"] == "gzip, deflate"
    # The first answer set a cookie: the next fetch does not send it back.
    assert json.loads(fetch(server.url("/echo", host)).body)["Cookie"] == ""


def test_no_proxy_from_the_environment(loopback, server, guard, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://10.9.9.9:3128")
    assert fetch(server.url("/page")).ok
    assert guard.outside == []


def test_redirect_chain_records_every_hop(loopback, server):
    result = fetch(server.url("/redirect?n=3"))
    assert result.ok and result.final_url == server.url("/page") and result.body == PAGE
    assert [(hop.url, hop.status) for hop in result.redirects] == [
        (server.url("/redirect?n=3"), 302), (server.url("/redirect?n=2"), 302),
        (server.url("/redirect?n=1"), 302)]


def test_five_redirects_are_followed_six_are_not(loopback, server):
    assert fetch(server.url("/redirect?n=5")).ok
    result = fetch(server.url("/redirect?n=6"))
    assert result.problem == Problem.TOO_MANY_REDIRECTS and len(result.redirects) == 5
    assert result.status == 302 and result.final_url == server.url("/redirect?n=1")
    assert fetch(server.url("/loop")).problem == Problem.TOO_MANY_REDIRECTS


@pytest.mark.parametrize("target", [
    "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:192.168.0.1]/", "http://internal.intranet.th/", "http://100.64.0.1/",
    "http://[fd00::1]/", "https://192.168.1.1:8443/admin",
])
def test_redirect_to_a_refused_address_is_not_followed(loopback, server, guard, dns, target):
    dns.table["internal.intranet.th"] = ["10.0.0.5"]
    result = fetch(server.url("/to?target=" + target))
    assert result.problem == Problem.REFUSED_ADDRESS and not result.ok
    assert [hop.status for hop in result.redirects] == [302] and result.final_url == target
    assert result.body == b"" and result.address == ""
    assert guard.outside == [] and set(guard.attempts) == {"127.0.0.1"}


def test_redirect_to_another_scheme_is_not_followed(loopback, server, guard):
    result = fetch(server.url("/to?target=file:///etc/passwd"))
    assert result.problem == Problem.BAD_SCHEME and len(result.redirects) == 1


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://127.8.9.10:8000/", "http://2130706433/", "http://0x7f.1/",
    "http://0x7f000001/", "http://127.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
    "http://[0:0:0:0:0:ffff:7f00:1]/",
])
def test_loopback_refused_without_the_setting(url, guard):
    # getaddrinfo turns the decimal and hex forms into 127.0.0.1, which is then checked.
    result = fetch(url)
    assert result.problem == Problem.REFUSED_ADDRESS and "loopback" in result.detail
    assert guard.attempts == []


@pytest.mark.parametrize("url", ["http://0177.0.0.1/", "http://0127.0.0.01/", "http://010.0.0.1/"])
def test_octal_dotted_addresses_are_bad_urls(loopback, url, guard):
    # httpx rejects a dotted quad with leading zeros outright: refused, even before the policy.
    assert url_problem(url) == Problem.BAD_URL
    assert fetch(url).problem == Problem.BAD_URL and guard.attempts == []


@pytest.mark.parametrize("url", [
    "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/", "http://169.254.169.254/",
    "http://100.64.0.1/", "http://0.0.0.0/", "http://0/", "http://224.0.0.1/",
    "http://233.252.0.1/", "http://240.0.0.1/", "http://255.255.255.255/", "http://[fe80::1]/",
    "http://[fc00::1]/", "http://[fec0::1]/", "http://[ff02::1]/", "http://[::]/",
    "http://[::ffff:10.0.0.1]/", "http://[2002:c0a8:101::1]/", "http://[64:ff9b::a00:1]/",
    "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/", "http://[2001:db8::1]/",
])
def test_other_private_addresses_refused_even_with_loopback_allowed(loopback, url, guard):
    assert fetch(url).problem == Problem.REFUSED_ADDRESS
    assert guard.attempts == []


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111",
                                     "::ffff:8.8.8.8", "2002:808:808::1"])
def test_public_addresses_pass_the_policy(address):
    assert fetcher.address_refusal(address) == ""


def test_refused_if_any_resolved_address_is_private(loopback, dns, guard):
    dns.table["mixed.intranet.th"] = ["93.184.215.14", "10.0.0.5"]
    result = fetch("http://mixed.intranet.th/")
    assert result.problem == Problem.REFUSED_ADDRESS and "10.0.0.5" in result.detail
    assert guard.attempts == []


def test_unresolved_name(dns, guard):
    result = fetch("http://nowhere.intranet.th/")
    assert result.problem == Problem.UNRESOLVED and guard.attempts == []
    assert dns.lookups == ["nowhere.intranet.th"]


@pytest.mark.parametrize("host", ["sao-00001.demo.invalid", "agency.example",
                                  "x.example.test"])
def test_special_use_names_are_never_looked_up(dns, guard, host):
    result = fetch(f"https://{host}/ita")
    assert result.problem == Problem.UNRESOLVED and "special-use" in result.detail
    assert dns.lookups == [] and guard.attempts == []


def test_a_hung_dns_lookup_is_within_the_deadline(monkeypatch, guard):
    def hung(*args: object, **kwargs: object) -> list:
        time.sleep(1.5)
        raise socket.gaierror(socket.EAI_AGAIN, "too late")

    monkeypatch.setattr(socket, "getaddrinfo", hung)
    began = time.monotonic()
    result = fetch("http://slow-dns.intranet.th/", timeout=0.5)
    assert result.problem == Problem.TIMEOUT and time.monotonic() - began < 1
    assert guard.attempts == []


def test_the_backend_never_connects_a_name_it_did_not_check(guard):
    backend = fetcher._PinnedBackend(fetcher._Clock(1))
    with pytest.raises(httpcore.ConnectError):
        backend.connect_tcp("127.0.0.1", 80)
    assert guard.attempts == []


def test_connects_to_the_checked_address_only(loopback, server, dns, guard):
    """DNS rebinding: the name's second answer is never asked for on the same hop."""
    dns.table["rebind.intranet.th"] = [["127.0.0.1"], ["10.0.0.9"]]
    result = fetch(server.url("/page", "rebind.intranet.th"))
    assert result.ok and result.address == "127.0.0.1"
    assert dns.lookups.count("rebind.intranet.th") == 1 and guard.outside == []


def test_every_hop_is_checked_again(loopback, server, dns, guard):
    dns.table["rebind.intranet.th"] = [["127.0.0.1"], ["10.0.0.9"]]
    result = fetch(server.url("/redirect?n=1", "rebind.intranet.th"))  # to the same host, rebound
    assert result.problem == Problem.REFUSED_ADDRESS and len(result.redirects) == 1
    assert guard.outside == []


def test_static_hosts_come_before_dns_and_obey_the_policy(settings, server, dns, guard):
    host, inside = unique("site"), unique("inside")
    settings.OPENITA_FETCH_STATIC_HOSTS = {host: "127.0.0.1", inside: "10.0.0.1"}
    assert fetch(server.url("/page", host)).problem == Problem.REFUSED_ADDRESS  # loopback off
    settings.OPENITA_FETCH_ALLOW_LOOPBACK = True
    assert fetch(server.url("/page", host.upper())).ok
    assert fetch(server.url("/page", inside)).problem == Problem.REFUSED_ADDRESS
    # Only the pinned literal reaches getaddrinfo (inside create_connection, no DNS there).
    assert set(dns.lookups) == {"127.0.0.1"} and guard.outside == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/f", "gopher://x.org/",
                                 "javascript:alert(1)", "data:text/html,hi", "mailto:a@b.go.th"])
def test_other_schemes_refused_without_network(url, dns, guard):
    assert url_problem(url) == Problem.BAD_SCHEME
    assert fetch(url).problem == Problem.BAD_SCHEME
    assert dns.lookups == [] and guard.attempts == []


@pytest.mark.parametrize("url", ["http://user:pw@example.com/", "https://admin@example.com/",
                                 "", "http://", "http:///path", "http://[::1/", "example.com/page",
                                 "http://exa mple.com/", "http://example.com/" + "a" * 2000])
def test_bad_urls(url, dns, guard):
    assert url_problem(url) == Problem.BAD_URL
    result = fetch(url)
    assert result.problem == Problem.BAD_URL and result.final_url == url
    assert dns.lookups == [] and guard.attempts == []


def test_good_urls_pass_the_syntax_check():
    assert url_problem("https://www.example.go.th/ita/o1.pdf?x=1#top") is None
    assert url_problem("http://ด่วน.ไทย/หน้า") is None


def test_declared_too_large_refused_before_reading(loopback, server):
    result = fetch(server.url("/declared-huge"), max_bytes=1_000_000)
    assert result.problem == Problem.TOO_LARGE and result.truncated and result.body == b""
    assert result.declared_size == 50 * 1024 * 1024 and result.sha256 == ""


@pytest.mark.parametrize("path", ["/endless", "/huge"])
def test_body_over_the_limit_keeps_the_first_bytes(loopback, server, path):
    result = fetch(server.url(path), max_bytes=150_000 if path == "/huge" else 10_000)
    if path == "/huge":  # declared 200 000 > 150 000: refused from its Content-Length
        assert result.body == b"" and result.declared_size == 200_000
    else:
        assert result.body == b"a" * 10_000 and result.size == 10_000
        assert result.sha256 == hashlib.sha256(b"a" * 10_000).hexdigest()
    assert result.problem == Problem.TOO_LARGE and result.truncated


def test_gzip_bomb_stays_within_the_limit(loopback, server):
    gzip_bomb()  # made before measuring
    tracemalloc.start()
    try:
        result = fetch(server.url("/bomb"), max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.problem == Problem.TOO_LARGE and result.truncated
    assert result.size == 1_000_000 and result.body == b"\0" * 1_000_000
    assert peak < 12 * 1024 * 1024  # 64 MiB would have been decoded without the bound


@pytest.mark.parametrize("path", ["/gzip", "/deflate", "/raw-deflate"])
def test_compressed_bodies_are_decoded(loopback, server, path):
    result = fetch(server.url(path))
    assert result.ok and result.body == PAGE


@pytest.mark.parametrize("path", ["/trickle", "/stall", "/silent"])
def test_deadline_covers_the_whole_fetch(loopback, server, path):
    began = time.monotonic()
    result = fetch(server.url(path), timeout=1)
    took = time.monotonic() - began
    assert result.problem == Problem.TIMEOUT and fetcher.is_transient(result)
    assert 0.9 < took < 1.6


def test_deadline_covers_redirects(loopback, server):
    began = time.monotonic()
    result = fetch(server.url("/slow-redirect?n=0"), timeout=1)  # 0.4 s a hop
    assert result.problem == Problem.TIMEOUT and len(result.redirects) == 2
    assert time.monotonic() - began < 1.5


@pytest.mark.parametrize(("code", "transient"), [(401, False), (404, False), (500, False),
                                                 (429, True), (503, True)])
def test_http_errors(loopback, server, code, transient):
    result = fetch(server.url(f"/status?code={code}"))
    assert result.problem == Problem.HTTP_ERROR and result.status == code
    assert result.body == b"<title>error</title>" and fetcher.is_transient(result) is transient


def test_closed_port_is_unreachable(loopback):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = fetch(f"http://127.0.0.1:{port}/")
    assert result.problem == Problem.UNREACHABLE and fetcher.is_transient(result)


def test_refusals_are_not_transient():
    assert not fetcher.is_transient(fetch("http://10.0.0.1/"))


def _together(urls: list[str], **kwargs: float) -> list[FetchResult | BaseException]:
    results: list[FetchResult | BaseException] = [None] * len(urls)  # type: ignore[list-item]

    def run(i: int) -> None:
        try:
            results[i] = fetch(urls[i], **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(urls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results


def test_at_most_two_requests_at_a_time_per_host(loopback, server):
    host = unique("busy")
    loopback.OPENITA_FETCH_STATIC_HOSTS = {host: "127.0.0.1"}
    results = _together([server.url("/hold?s=0.3", host)] * 5)
    assert all(isinstance(r, FetchResult) and r.ok for r in results)
    assert GATE.peak[host] == 2


def test_hosts_do_not_limit_each_other(loopback, server):
    a, b = unique("a"), unique("b")
    loopback.OPENITA_FETCH_STATIC_HOSTS = {a: "127.0.0.1", b: "127.0.0.1"}
    began = time.monotonic()
    results = _together([server.url("/hold?s=2&all=4", host) for host in (a, a, b, b)])
    assert all(isinstance(r, FetchResult) and r.ok for r in results)
    assert GATE.peak[a] == GATE.peak[b] == 2 and time.monotonic() - began < 1.5


def test_host_busy_when_no_slot_comes_free(loopback, server):
    host = unique("one")
    loopback.OPENITA_FETCH_STATIC_HOSTS = {host: "127.0.0.1"}
    loopback.OPENITA_FETCH_PER_HOST = 1
    holder = threading.Thread(target=fetch, args=(server.url("/hold?s=1.2", host),))
    holder.start()
    time.sleep(0.3)
    with pytest.raises(HostBusy):
        fetch(server.url("/page", host), timeout=0.4)
    holder.join()
    assert fetch(server.url("/page", host), timeout=0.4).ok  # the slot was given back


def test_slot_given_back_after_an_error_and_expires_by_itself(loopback, server, monkeypatch):
    from django.core.cache import cache

    host = unique("error")
    loopback.OPENITA_FETCH_STATIC_HOSTS = {host: "127.0.0.1"}
    loopback.OPENITA_FETCH_PER_HOST = 1
    expiries: list[float] = []
    real_add = cache.add
    monkeypatch.setattr(cache, "add", lambda key, value, timeout: expiries.append(timeout)
                        or real_add(key, value, timeout=timeout))

    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(fetcher._Fetch, "request", broken)
    with pytest.raises(RuntimeError):
        fetch(server.url("/page", host), timeout=3)
    monkeypatch.undo()
    assert expiries and all(expiry > 3 for expiry in expiries)  # outlives the fetch
    loopback.OPENITA_FETCH_ALLOW_LOOPBACK = True
    assert fetch(server.url("/page", host), timeout=0.3).ok


@pytest.fixture(scope="module")
def tls_server():
    with serve({"/page": ROUTES["/page"]}, tls=True) as running:
        yield running


def test_tls_certificate_is_verified(loopback, tls_server):
    loopback.OPENITA_FETCH_STATIC_HOSTS = {TLS_HOST: "127.0.0.1"}
    result = fetch(tls_server.url("/page", TLS_HOST))  # self-signed: not in the trust store
    assert result.problem == Problem.UNREACHABLE and "CERTIFICATE_VERIFY_FAILED" in result.detail
    assert tls_server.sni[-1] == TLS_HOST  # SNI carries the name, not the pinned address


def test_tls_checked_against_the_real_name(loopback, tls_server, monkeypatch):
    trusting = ssl.create_default_context(cadata=TLS_CERT)
    monkeypatch.setattr(fetcher, "_ssl_context", lambda: trusting)
    other = unique("other")
    loopback.OPENITA_FETCH_STATIC_HOSTS = {TLS_HOST: "127.0.0.1", other: "127.0.0.1"}
    result = fetch(tls_server.url("/page", TLS_HOST))
    assert result.ok and result.body == PAGE and result.address == "127.0.0.1"
    # The same address under a name the certificate does not carry, or the bare IP: refused.
    for host in (other, "127.0.0.1"):
        mismatch = fetch(tls_server.url("/page", host))
        assert mismatch.problem == Problem.UNREACHABLE and "mismatch" in mismatch.detail.lower()
