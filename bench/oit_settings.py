"""Django settings for the OIT capture benchmark (bench/oit_capture.py): openita's own
settings, plus host names that all resolve to loopback, as the fetcher's tests do.

``OPENITA_BENCH_HOSTS`` (default 200) names the hosts ``agency1.bench.test`` … ``agencyN``;
every one maps to 127.0.0.1 through ``OPENITA_FETCH_STATIC_HOSTS``, and loopback is let
through with ``OPENITA_FETCH_ALLOW_LOOPBACK`` (the test setting). The ``.test`` names are
reserved: no DNS server answers them.

Belt and braces, because nothing of the benchmark may leave the machine: in any process
that loads these settings, a socket may connect only to a loopback address, and a host name
other than ``localhost`` is never handed to the system's resolver. Both guards raise
``OSError``, which the fetcher reports as a failed fetch (and the benchmark counts).

With ``OPENITA_BENCH_TIMINGS=1`` the worker also writes, for every run of the capture and
snapshot tasks, (task, job key or capture id, start, end, outcome) to the Redis list
``openita-bench:timings`` of the broker's database, so the benchmark gets the time per
capture without a change to openita.

``OPENITA_BENCH_SNAPSHOT_QUEUE=name`` sends the snapshot tasks to a queue of that name
instead of the default one (where openita sends them, behind the captures), and
``OPENITA_BENCH_CONSUME=name`` makes a worker take its tasks from that queue only.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import time

from openita.settings import *  # noqa: F403
from openita.settings import CELERY_BROKER_URL

BENCH_HOSTS = int(os.environ.get("OPENITA_BENCH_HOSTS", "200"))
OPENITA_FETCH_ALLOW_LOOPBACK = True
OPENITA_FETCH_STATIC_HOSTS = {f"agency{n}.bench.test": "127.0.0.1"
                              for n in range(1, BENCH_HOSTS + 1)}


def _loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, bytes):
        host = host.decode()
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _install_guards() -> None:
    if getattr(socket, "_openita_bench_guard", False):
        return
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
            raise OSError(f"bench guard: refused to connect to {address!r}")

    def connect(sock: socket.socket, address: object) -> None:
        check(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: object) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002
        name = host.decode() if isinstance(host, bytes) else host
        if name not in (None, "localhost"):
            flags |= socket.AI_NUMERICHOST  # an IP literal is parsed; a name is not looked up
        return real_getaddrinfo(host, port, family, type, proto, flags)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo
    socket._openita_bench_guard = True  # type: ignore[attr-defined]


_install_guards()

TIMINGS_KEY = "openita-bench:timings"
TIMED = {"openita.disclosure.capture_url": "capture", "openita.disclosure.snapshot": "snapshot"}


def _install_timings() -> None:
    from celery import signals

    started: dict[str, float] = {}
    clients: list[object] = []

    def prerun(task_id=None, task=None, kwargs=None, **_):
        if task is not None and task.name in TIMED:
            started[task_id] = time.time()

    def postrun(task_id=None, task=None, kwargs=None, state=None, **_):
        begun = started.pop(task_id, None)
        if begun is None:
            return
        if not clients:
            import redis

            clients.append(redis.Redis.from_url(CELERY_BROKER_URL))  # thread-safe, pooled
        kwargs = kwargs or {}
        key = kwargs.get("job_key") or kwargs.get("capture_id", "")
        clients[0].rpush(TIMINGS_KEY, f"{TIMED[task.name]}\t{key}\t{begun:.6f}\t"
                                      f"{time.time():.6f}\t{state}")

    signals.task_prerun.connect(prerun, weak=False)
    signals.task_postrun.connect(postrun, weak=False)


if os.environ.get("OPENITA_BENCH_TIMINGS") == "1":
    _install_timings()

if os.environ.get("OPENITA_BENCH_SNAPSHOT_QUEUE"):
    CELERY_TASK_ROUTES = {
        "openita.disclosure.snapshot": {"queue": os.environ["OPENITA_BENCH_SNAPSHOT_QUEUE"]}}
if os.environ.get("OPENITA_BENCH_CONSUME"):
    CELERY_TASK_DEFAULT_QUEUE = os.environ["OPENITA_BENCH_CONSUME"]
