"""Local HTTP servers for the fetcher's tests, and guards that keep the tests on loopback.

``serve(routes)`` starts a threaded ``http.server`` on 127.0.0.1, port 0, in a daemon thread;
a route is a function of the request handler. ``ConnectionGuard`` records every attempt to
open a socket and fails the ones to anything but loopback; ``FakeDNS`` answers names from a
table and never lets a name reach a real DNS server.
"""

from __future__ import annotations

import gzip
import ipaddress
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Route = Callable[["Handler"], None]
# Taken at import, before any test's monkeypatch: FakeDNS hands IP literals to the real one.
_GETADDRINFO = socket.getaddrinfo


class Handler(BaseHTTPRequestHandler):
    routes: dict[str, Route] = {}
    stopping: threading.Event

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        route = self.routes.get(urlsplit(self.path).path)
        if route is None:
            self.send_body(b"<html><title>Missing</title><body>no such page</body></html>", 404)
            return
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the fetcher gave up (limit or deadline): what the test wanted

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # keep pytest's output clean

    @property
    def query(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(urlsplit(self.path).query).items()}

    def send_body(self, body: bytes, status: int = 200, content_type: str = "text/html",
                  headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 302) -> None:
        self.send_body(b"", status, headers={"Location": location})


    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()  # here, in the handler's thread, not in accept()
        super().setup()


class Server:
    def __init__(self, httpd: ThreadingHTTPServer, scheme: str) -> None:
        self.httpd = httpd
        self.port = httpd.server_address[1]
        self.scheme = scheme
        self.sni: list[str | None] = []  # the TLS server names clients asked for

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True  # a held or trickling handler must not block the shutdown

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up or rejects our certificate is what some tests want


# A self-signed certificate for the name "tls.test" only (not for 127.0.0.1), valid from 2000
# to 2125 so no machine's clock is outside it; made for these tests with `openssl ca -selfsign
# -startdate 20000101000000Z -enddate 21250101000000Z` (SAN DNS:tls.test, CA:FALSE,
# serverAuth). Test-only: the key protects nothing.
TLS_HOST = "tls.test"
TLS_CERT = """-----BEGIN CERTIFICATE-----
MIIBfzCCASegAwIBAgICEAAwCgYIKoZIzj0EAwIwEzERMA8GA1UEAwwIdGxzLnRl
c3QwIBcNMDAwMTAxMDAwMDAwWhgPMjEyNTAxMDEwMDAwMDBaMBMxETAPBgNVBAMM
CHRscy50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE3JxyQxCW/z51nFQL
Pbt+bcZJTi2XSbWZ4dnD2Y7XP7NWG/3rXb1y8dFlQEnofNKqJzAjY/sr4cFHTmI9
xyX/jKNpMGcwEwYDVR0RBAwwCoIIdGxzLnRlc3QwDAYDVR0TAQH/BAIwADAOBgNV
HQ8BAf8EBAMCB4AwEwYDVR0lBAwwCgYIKwYBBQUHAwEwHQYDVR0OBBYEFDwjT4mN
1ljt27LKU6PHgc5gR9zXMAoGCCqGSM49BAMCA0YAMEMCH2ODEACSzm9JTqwJ0vt2
aatPvaIskX5hbelrKbfPs2MCIEAzGOl3gRyKP7gomE0jAAST61q35BmDiHARqsid
3uuf
-----END CERTIFICATE-----
"""
TLS_KEY = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgdqJTBWboCtncp9YJ
q8v8naG0wWvQ8rIRG1Wkpop4w1mhRANCAATcnHJDEJb/PnWcVAs9u35txklOLZdJ
tZnh2cPZjtc/s1Yb/etdvXLx0WVASeh80qonMCNj+yvhwUdOYj3HJf+M
-----END PRIVATE KEY-----
"""


def _server_context(server: Server) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as pem:  # load_cert_chain wants a file
        pem.write(TLS_CERT + TLS_KEY)
        pem.flush()
        context.load_cert_chain(pem.name)
    context.sni_callback = lambda _sock, name, _ctx: server.sni.append(name)  # type: ignore
    return context


@contextmanager
def serve(routes: dict[str, Route], *, tls: bool = False) -> Iterator[Server]:
    """Serve ``routes`` on 127.0.0.1 (https with the tls.test certificate if ``tls``)."""
    stopping = threading.Event()
    handler = type("RouteHandler", (Handler,), {"routes": routes, "stopping": stopping})
    httpd = _Quiet(("127.0.0.1", 0), handler)
    server = Server(httpd, "https" if tls else "http")
    if tls:
        httpd.socket = _server_context(server).wrap_socket(
            httpd.socket, server_side=True, do_handshake_on_connect=False)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stopping.set()  # wakes the handlers that stall or trickle
        httpd.shutdown()
        httpd.server_close()


class Gate:
    """Counts the requests inside a route at once, per Host header, holding each a while."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self.current: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self.total_peak = 0

    def hold(self, handler: Handler, seconds: float, until_total: int = 0) -> None:
        host = handler.headers.get("Host", "").split(":")[0]
        with self._lock:
            self.current[host] = self.current.get(host, 0) + 1
            self.peak[host] = max(self.peak.get(host, 0), self.current[host])
            self.total_peak = max(self.total_peak, sum(self.current.values()))
            self._lock.notify_all()
            # Hold until ``until_total`` requests are in at once (or the time is up), so a
            # test can show that requests to different hosts did run side by side.
            self._lock.wait_for(lambda: bool(until_total)
                                and sum(self.current.values()) >= until_total, seconds)
        if until_total:
            time.sleep(0.05)
        with self._lock:
            self.current[host] -= 1
        handler.send_body(b"<html><title>Held</title><body>done</body></html>")


def trickle(handler: Handler) -> None:
    """Headers at once, then one byte every 0.1 s: each read is quick, the whole is not."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    while not handler.stopping.wait(0.1):
        handler.wfile.write(b"x")
        handler.wfile.flush()


def stall(handler: Handler) -> None:
    """A little of the body, then nothing for 10 s."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "5000")
    handler.end_headers()
    handler.wfile.write(b"<html><title>slow")
    handler.wfile.flush()
    handler.stopping.wait(10)


def silent(handler: Handler) -> None:
    """Accepts the connection and never answers."""
    handler.stopping.wait(10)


def endless(handler: Handler) -> None:
    """An unbounded body with no Content-Length (read until the connection closes)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.end_headers()
    chunk = b"a" * 65536
    while not handler.stopping.is_set():
        handler.wfile.write(chunk)


_BOMB: list[bytes] = []


def gzip_bomb() -> bytes:
    """64 MiB of zeros in about 64 KiB of gzip (made once: compressing takes a moment)."""
    if not _BOMB:
        _BOMB.append(gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9))
    return _BOMB[0]


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


class ConnectionGuard:
    """Records every connection attempt; any to a non-loopback address fails at once."""

    def __init__(self, monkeypatch: Any) -> None:
        self.attempts: list[str] = []
        real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
        real_create = socket.create_connection

        def connect(sock: socket.socket, address: Any) -> Any:
            self.check(address)
            return real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> Any:
            self.check(address)
            return real_connect_ex(sock, address)

        def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
            self.check(address)
            return real_create(address, *args, **kwargs)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
        monkeypatch.setattr(socket, "create_connection", create_connection)

    def check(self, address: Any) -> None:
        host = str(address[0]) if isinstance(address, tuple) else str(address)
        self.attempts.append(host)
        if not is_loopback(host):
            raise OSError(f"test guard: refused to connect to {host}")

    @property
    def outside(self) -> list[str]:
        return [host for host in self.attempts if not is_loopback(host)]


class FakeDNS:
    """``socket.getaddrinfo`` from a table; other names fail, numeric hosts work as usual.

    A table entry may be a list of addresses, or a list of such lists given out in turn (the
    last one repeated), to play a DNS server that rebinds a name between lookups.
    """

    def __init__(self, monkeypatch: Any, table: dict[str, Any] | None = None) -> None:
        self.table: dict[str, Any] = dict(table or {})
        self.lookups: list[str] = []

        def getaddrinfo(host: Any, port: Any, family: int = 0, type: int = 0,  # noqa: A002
                        proto: int = 0, flags: int = 0) -> list[Any]:
            name = host.decode() if isinstance(host, bytes) else str(host)
            self.lookups.append(name)
            if name in self.table:
                return [_info(address, int(port or 0)) for address in self._answer(name)]
            # AI_NUMERICHOST: IP literals (and 2130706433, 0x7f.1...) are parsed here, and a
            # name fails without being looked up: nothing leaves the machine.
            return _GETADDRINFO(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def _answer(self, name: str) -> list[str]:
        answers = self.table[name]
        if answers and isinstance(answers[0], list):
            count = self.lookups.count(name) - 1
            return list(answers[min(count, len(answers) - 1)])
        return list(answers)


def _info(address: str, port: int) -> tuple[Any, ...]:
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
