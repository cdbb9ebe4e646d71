"""The one Redis client of a process, for what the cache API cannot do in one round trip.

Built from ``REDIS_URL`` (the server the cache uses too) the first time it is asked for,
after the app server has forked its workers, and kept for the life of the process: making
a client per call costs more than the round trip it serves. None in the embedded mode,
which has no Redis.
"""

from __future__ import annotations

import functools

import redis
from django.conf import settings

# A Redis that stops answering costs a request a second, not minutes.
TIMEOUT_SECONDS = 1


def client() -> redis.Redis | None:
    url = settings.REDIS_URL
    return _client_for(url) if url else None


@functools.lru_cache(maxsize=4)
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS,
                                socket_timeout=TIMEOUT_SECONDS)
