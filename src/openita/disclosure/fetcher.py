"""Fetch an agency's evidence URL safely: public addresses only, bounded in time and size.

``fetch`` never raises for network or policy reasons; the ``FetchResult``'s ``problem`` says
why there is no usable page:

* only ``http(s)`` (``BAD_SCHEME``); a host, no credentials, <= 2000 characters (``BAD_URL``);
* every hop's host is resolved once (``OPENITA_FETCH_STATIC_HOSTS`` first, then getaddrinfo,
  both families) and refused (``REFUSED_ADDRESS``) if ANY address is not public: private,
  loopback, link-local, multicast, reserved, unspecified, site-local, 100.64/10, or such an
  IPv4 address inside IPv6 (mapped, 6to4, Teredo, NAT64). ``OPENITA_FETCH_ALLOW_LOOPBACK``
  lets loopback alone through (tests);
* redirects are followed here, each hop checked again, at most ``OPENITA_FETCH_MAX_REDIRECTS``;
* ``OPENITA_FETCH_TIMEOUT_SECONDS`` is one deadline for everything, DNS and redirects included
  (``TIMEOUT``); waiting for a per-host slot is not charged to it;
* at most ``OPENITA_FETCH_MAX_BYTES`` of *decoded* body are kept (``TOO_LARGE``, truncated);
* at most ``OPENITA_FETCH_PER_HOST`` requests at once per host across all workers (Django's
  cache); ``HostBusy`` is raised when no slot comes free within the timeout.

Pinning the checked address (why DNS rebinding cannot get round the check): httpx's client is
not used; httpcore's connection pool is driven with our own network backend. The URL keeps
its real host name, so the Host header, SNI and certificate verification use the real name,
but the backend's ``connect_tcp`` never resolves it: it opens the socket to one of the IP
literals this fetch resolved and checked for that name (``create_connection`` does not send
a literal to DNS), and a name with no checked addresses cannot be connected at all. A second
answer from a rebinding DNS server is therefore never asked for. The backend also gives each
connect, handshake, read and write at most the time left before the deadline. httpcore has
no cookie jar, no proxies from the environment and no redirect following of its own.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import ipaddress
import math
import os
import random
import socket
import ssl
import time
import uuid
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from enum import StrEnum
from typing import Any

import httpcore
import httpx
from django.conf import settings
from django.core.cache import cache

MAX_URL_LENGTH = 2000
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCEPT = (
    "text/html,application/xhtml+xml;q=0.9,application/pdf;q=0.9,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document;q=0.8,"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;q=0.8,"
    "application/msword;q=0.7,application/vnd.ms-excel;q=0.7,*/*;q=0.5"
)
# Only the encodings we decode ourselves with a bound on the output (see _Decoder).
ACCEPT_ENCODING = "gzip, deflate"
# NAT64 prefixes (RFC 6052 well-known, RFC 8215 local use): the last 32 bits are IPv4.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


# Names reserved by RFC 2606/6761 never resolve on the internet: they are not looked up at
# all (the demo country's websites and the tests' hosts live under them).
SPECIAL_USE_DOMAINS = frozenset({"test", "example", "invalid"})


class Problem(StrEnum):
    """Why a fetch gave no usable page."""

    BAD_URL = "bad_url"
    BAD_SCHEME = "bad_scheme"
    UNRESOLVED = "unresolved"
    REFUSED_ADDRESS = "refused_address"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    TOO_LARGE = "too_large"
    HTTP_ERROR = "http_error"


class HostBusy(Exception):
    """No per-host slot came free within the timeout; the caller should retry later."""


@dataclass(frozen=True)
class Hop:
    url: str
    status: int


@dataclass(frozen=True)
class FetchResult:
    requested_url: str
    final_url: str
    redirects: tuple[Hop, ...]
    status: int | None
    content_type: str
    charset: str
    declared_size: int | None
    body: bytes
    size: int
    truncated: bool
    sha256: str
    problem: str
    detail: str
    address: str
    elapsed_ms: int

    @property
    def ok(self) -> bool:
        return not self.problem

    def as_dict(self) -> dict[str, Any]:
        """Every field but the body, JSON-safe, for storing beside the capture."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        del data["body"]  # asdict() would copy megabytes only to drop them
        data["redirects"] = [dataclasses.asdict(hop) for hop in self.redirects]
        return data


def url_problem(url: str) -> str | None:
    """Syntax only (no network): a ``Problem`` value if the URL cannot be fetched, else None."""
    if not url or len(url) > MAX_URL_LENGTH:
        return Problem.BAD_URL
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return Problem.BAD_URL
    if not parsed.scheme:
        return Problem.BAD_URL  # a relative reference, not a link to a page
    if parsed.scheme not in ("http", "https"):
        return Problem.BAD_SCHEME
    # httpx percent-encodes what a host name cannot hold (spaces, controls): not a real host.
    if not parsed.raw_host or b"%" in parsed.raw_host:
        return Problem.BAD_URL
    if parsed.userinfo:
        return Problem.BAD_URL  # credentials would be sent to the agency's server and logged
    return None


def gave_up(url: str, detail: str) -> FetchResult:
    """The result of a fetch that never started (its host stayed busy): a timeout."""
    return FetchResult(
        requested_url=url, final_url=url, redirects=(), status=None, content_type="",
        charset="", declared_size=None, body=b"", size=0, truncated=False, sha256="",
        problem=Problem.TIMEOUT, detail=detail, address="", elapsed_ms=0)


def is_transient(result: FetchResult) -> bool:
    """Worth trying again later: the network or the server may be better then."""
    return result.problem in (Problem.UNREACHABLE, Problem.TIMEOUT) or result.status in (
        429, 502, 503, 504)


def address_refusal(address: str) -> str:
    """'' if ``address`` may be connected to, else why not (e.g. "private", for ``detail``)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return address_refusal(str(ip.ipv4_mapped))  # the same host as the IPv4 address
        embedded = [ip.sixtofour, *(ip.teredo or ())]
        embedded += [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) for net in _NAT64 if ip in net]
        for inner in embedded:
            if inner is not None and (reason := address_refusal(str(inner))):
                return f"embeds {inner}, {reason}"
    if ip.is_loopback:
        return "" if settings.OPENITA_FETCH_ALLOW_LOOPBACK else "loopback"
    # is_global alone lets some multicast through (224/4 is not "private"), hence the list.
    for name in ("is_private", "is_link_local", "is_multicast", "is_reserved",
                 "is_unspecified", "is_site_local"):
        if getattr(ip, name, False):
            return name[3:].replace("_", "-")
    return "" if ip.is_global else "not public"


def fetch(url: str, *, max_bytes: int | None = None, timeout: float | None = None) -> FetchResult:
    """Fetch ``url`` under the rules of the module docstring; the result says what happened."""
    limit = settings.OPENITA_FETCH_MAX_BYTES if max_bytes is None else max_bytes
    seconds = float(settings.OPENITA_FETCH_TIMEOUT_SECONDS if timeout is None else timeout)
    return _Fetch(url, limit, seconds).run()


class _Clock:
    """The fetch's deadline; every socket operation gets at most the time left."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def clamp(self, timeout: float | None) -> float:
        # Never 0: a socket timeout of 0 means non-blocking, not "no time left".
        left = max(self.left(), 0.001)
        return left if timeout is None else max(min(timeout, left), 0.001)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, clock: _Clock) -> None:
        self._inner, self._clock = inner, clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._clock.clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._clock.clamp(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._clock.clamp(timeout))
        return _DeadlineStream(inner, self._clock)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects a host name only to the addresses this fetch resolved and checked for it."""

    def __init__(self, clock: _Clock) -> None:
        self._clock = clock
        self._inner = httpcore.SyncBackend()
        self.pins: dict[str, list[str]] = {}
        self.connected: dict[str, str] = {}

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        addresses = self.pins.get(host)
        if not addresses:  # never happens through fetch(): a name we did not check
            raise httpcore.ConnectError(f"{host} was not checked")
        error: Exception = httpcore.ConnectError("no address")
        for address in addresses:  # in getaddrinfo's order of preference, all checked
            try:
                stream = self._inner.connect_tcp(address, port, self._clock.clamp(timeout),
                                                 local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
                continue
            self.connected[host] = address
            return _DeadlineStream(stream, self._clock)
        raise error

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")


class _Decoder:
    """gzip/deflate decoding that never produces more than asked for (a bomb stays small)."""

    def __init__(self, encoding: str) -> None:
        self._plain = encoding in ("", "identity")
        # 32 + MAX_WBITS reads a gzip or zlib header; bare deflate is tried on failure.
        self._z = zlib.decompressobj(32 + zlib.MAX_WBITS)
        self._started = False

    def feed(self, data: bytes, budget: int) -> bytes:
        if self._plain:
            return data[:budget]
        if not self._started:
            self._started = True
            try:
                return self._z.decompress(data, budget)
            except zlib.error:  # "deflate" sent without the zlib wrapper
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
        # The caller stops once it gets ``budget`` bytes, so an unconsumed tail means too large.
        return self._z.decompress(data, budget)


class _Fetch:
    """One call of ``fetch``: its deadline, pinned addresses, hops so far."""

    def __init__(self, url: str, limit: int, seconds: float) -> None:
        self.requested, self.limit, self.seconds = url, limit, seconds
        self.started = time.monotonic()
        self.clock = _Clock(seconds)
        self.backend = _PinnedBackend(self.clock)
        self.hops: list[Hop] = []
        self.url = url  # the hop being fetched
        self.response: dict[str, Any] = {}  # status, headers, size, address of its response

    def result(self, problem: str = "", detail: str = "", *, body: bytes = b"",
               truncated: bool = False, url: str | None = None) -> FetchResult:
        headers = self.response.get("headers") or httpx.Headers()
        media, charset = _content_type(headers.get("content-type", ""))
        return FetchResult(
            requested_url=self.requested, final_url=self.url if url is None else url,
            redirects=tuple(self.hops), status=self.response.get("status"),
            content_type=media, charset=charset, declared_size=self.response.get("declared"),
            body=body, size=len(body), truncated=truncated,
            sha256=hashlib.sha256(body).hexdigest() if body else "",
            problem=str(problem), detail=detail[:500], address=self.response.get("address", ""),
            elapsed_ms=int((time.monotonic() - self.started) * 1000))

    def run(self) -> FetchResult:
        if problem := url_problem(self.requested):
            return self.result(problem, f"not a fetchable URL ({problem})")
        url = httpx.URL(self.requested)
        with httpcore.ConnectionPool(ssl_context=_ssl_context(), network_backend=self.backend,
                                     max_connections=1, retries=0) as pool:
            for hop in range(settings.OPENITA_FETCH_MAX_REDIRECTS + 1):
                self.url, self.response = str(url), {}
                outcome = self.hop(pool, url, last=hop == settings.OPENITA_FETCH_MAX_REDIRECTS)
                if isinstance(outcome, FetchResult):
                    return outcome
                url = outcome
        raise AssertionError("unreachable: the last hop always returns a result")

    def hop(self, pool: httpcore.ConnectionPool, url: httpx.URL,
            last: bool) -> FetchResult | httpx.URL:
        """Check, then request one URL: the final result, or the checked URL to go to next."""
        host = url.raw_host.decode("ascii").lower()
        port = url.port or (443 if url.scheme == "https" else 80)
        addresses, problem, detail = self.resolve(host, port)
        if problem:
            return self.result(problem, detail)
        self.backend.pins[host] = addresses
        with _host_slot(host, wait=self.seconds, hold=self.seconds) as waited:
            self.clock.deadline += waited  # waiting for a slot is not fetching
            try:
                return self.request(pool, url, host, last)
            except httpcore.TimeoutException as exc:
                return self.result(Problem.TIMEOUT, _describe(exc, "timed out"))
            except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.ProxyError,
                    httpcore.UnsupportedProtocol, ssl.SSLError, zlib.error) as exc:
                # zlib: a body that says gzip but is not; the page cannot be read either way.
                return self.result(Problem.UNREACHABLE, _describe(exc, "read error"))

    def request(self, pool: httpcore.ConnectionPool, url: httpx.URL, host: str,
                last: bool) -> FetchResult | httpx.URL:
        left = max(self.clock.left(), 0.001)
        target = httpcore.URL(scheme=url.raw_scheme, host=host.encode("ascii"), port=url.port,
                              target=url.raw_path)
        headers = [(b"Host", url.netloc), (b"Accept", ACCEPT.encode()),
                   (b"User-Agent", settings.OPENITA_FETCH_USER_AGENT.encode()),
                   (b"Accept-Encoding", ACCEPT_ENCODING.encode()),
                   (b"Accept-Language", b"th,en;q=0.8")]
        timeouts = {"connect": left, "read": left, "write": left, "pool": left}
        with pool.stream("GET", target, headers=headers, extensions={"timeout": timeouts}) as resp:
            got = httpx.Headers(resp.headers)
            length = got.get("content-length", "").strip()
            declared = int(length) if length.isdigit() else None
            self.response = {"status": resp.status, "headers": got, "declared": declared,
                             "address": self.backend.connected.get(host, "")}
            if resp.status in REDIRECT_STATUSES and got.get("location"):
                return self.redirect(url, resp.status, got["location"], last)
            if declared is not None and declared > self.limit:  # refused before reading it
                return self.result(Problem.TOO_LARGE, f"Content-Length {declared} is over "
                                   f"{self.limit} bytes", truncated=True)
            encoding = got.get("content-encoding", "").strip().lower()
            if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
                return self.result(Problem.UNREACHABLE, f"unsupported encoding {encoding!r}")
            body, truncated = self.read_body(resp.iter_stream(), _Decoder(encoding))
        if body is None:
            return self.result(Problem.TIMEOUT, "deadline passed while reading the body")
        if truncated:
            return self.result(Problem.TOO_LARGE, f"body over {self.limit} bytes", body=body,
                               truncated=True)
        if resp.status >= 400:
            return self.result(Problem.HTTP_ERROR, f"HTTP {resp.status}", body=body)
        return self.result(body=body)

    def redirect(self, url: httpx.URL, status: int, location: str,
                 last: bool) -> FetchResult | httpx.URL:
        if last:
            return self.result(Problem.TOO_MANY_REDIRECTS, f"more than "
                               f"{settings.OPENITA_FETCH_MAX_REDIRECTS} redirects; next was "
                               f"{location[:200]}")
        self.hops.append(Hop(str(url), status))
        self.response = {}  # the result, if any, is about where the redirect points
        try:
            following = str(url.join(location))  # relative Locations are common
        except (httpx.InvalidURL, TypeError, ValueError):
            return self.result(Problem.BAD_URL, "redirect to an unparseable Location",
                               url=location[:MAX_URL_LENGTH])
        if problem := url_problem(following):
            return self.result(problem, f"redirect to a URL that cannot be fetched ({problem})",
                               url=following[:MAX_URL_LENGTH])
        return httpx.URL(following)

    def read_body(self, chunks: Iterable[bytes], decoder: _Decoder) -> tuple[bytes | None, bool]:
        """(body, truncated), or (None, False) once the deadline has passed."""
        body = bytearray()
        for chunk in chunks:
            # Count decoded bytes: at most limit + 1 are ever produced, whatever the ratio.
            body += decoder.feed(chunk, self.limit + 1 - len(body))
            if len(body) > self.limit:
                return bytes(body[: self.limit]), True
            if self.clock.left() <= 0:  # a server that trickles bytes still hits the deadline
                return None, False
        return bytes(body), False

    def resolve(self, host: str, port: int) -> tuple[list[str], str, str]:
        """(checked addresses, problem, detail): every address must pass the policy."""
        static = {name.lower(): address for name, address
                  in settings.OPENITA_FETCH_STATIC_HOSTS.items()}.get(host)
        if static:
            addresses = [static]
        elif host.rstrip(".").rsplit(".", 1)[-1] in SPECIAL_USE_DOMAINS:
            return [], Problem.UNRESOLVED, f"{host} is a special-use name and is not looked up"
        else:
            try:
                future = _resolver().submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
                infos = future.result(timeout=max(self.clock.left(), 0.001))
            except FutureTimeout:
                return [], Problem.TIMEOUT, f"DNS lookup of {host} timed out"
            except (OSError, UnicodeError) as exc:
                return [], Problem.UNRESOLVED, _describe(exc, f"{host} did not resolve")
            addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses:
            return [], Problem.UNRESOLVED, f"{host} has no address"
        for address in addresses:
            if reason := address_refusal(address):
                return [], Problem.REFUSED_ADDRESS, f"{host} resolves to {address} ({reason})"
        return addresses, "", ""


@contextmanager
def _host_slot(host: str, *, wait: float, hold: float) -> Iterator[float]:
    """Hold one of the host's N slots in the shared cache; yields the seconds spent waiting.

    ``cache.add`` only succeeds on a free key, so it is a counting semaphore across processes.
    A slot expires by itself a little after the longest a fetch can hold it (a dead worker does
    not block the host for ever) and is released only if it is still ours.
    """
    digest = hashlib.sha256(host.encode()).hexdigest()[:32]  # any host fits a cache key
    slots = max(1, settings.OPENITA_FETCH_PER_HOST)
    keys = [f"openita:fetch-slot:{digest}:{n}" for n in range(slots)]
    token, begun = uuid.uuid4().hex, time.monotonic()
    expiry = math.ceil(hold) + 10
    while True:
        random.shuffle(keys)
        taken = next((key for key in keys if cache.add(key, token, timeout=expiry)), None)
        if taken is not None:
            break
        if time.monotonic() - begun >= wait:
            raise HostBusy(f"{host}: all {len(keys)} fetch slots busy for {wait:g}s")
        time.sleep(random.uniform(0.02, 0.08))  # jitter so waiting workers do not move in step
    try:
        yield time.monotonic() - begun
    finally:
        if cache.get(taken) == token:
            cache.delete(taken)


_RESOLVERS: dict[int, ThreadPoolExecutor] = {}


def _resolver() -> ThreadPoolExecutor:
    """getaddrinfo has no timeout; a thread lets the deadline cover a hung DNS server.

    One pool per process id, because a pool's threads do not survive Celery's fork.
    """
    pid = os.getpid()
    if pid not in _RESOLVERS:
        _RESOLVERS[pid] = ThreadPoolExecutor(max_workers=8, thread_name_prefix="openita-dns")
    return _RESOLVERS[pid]


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """httpx's default verifying context (certifi's roots), built once: loading them is slow."""
    return httpx.create_ssl_context(trust_env=False)


def _content_type(value: str) -> tuple[str, str]:
    """(media type, charset), both lowercase, '' when absent."""
    if not value.strip():
        return "", ""
    message = Message()
    message["content-type"] = value
    return message.get_content_type(), str(message.get_content_charset() or "")


def _describe(exc: BaseException, fallback: str) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else f"{type(exc).__name__}: {fallback}"
