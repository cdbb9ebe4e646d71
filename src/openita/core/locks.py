"""Named locks that serialise writers for the rest of the current transaction.

On PostgreSQL a transaction-level advisory lock; on SQLite every write transaction starts
IMMEDIATE (see settings), which already holds the one database write lock.
"""

from __future__ import annotations

import zlib

from django.db import connection


def hold(name: str) -> None:
    """Block until no other transaction holds the lock ``name``; released at commit."""
    if not connection.in_atomic_block:
        raise RuntimeError("a named lock only makes sense inside a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(name.encode())])
