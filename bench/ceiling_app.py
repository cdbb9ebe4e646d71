"""The ceiling for bench/submit.py: a bare WSGI app that does one INSERT per request.

Same database, same app server, same answers payload as a real IIT submission, but no
framework, no validation, no Django: whatever openita achieves is compared with this.
"""

from __future__ import annotations

import os
import threading

import psycopg

_local = threading.local()


def _connection() -> psycopg.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = psycopg.connect(os.environ["BENCH_CEILING_DSN"])
        _local.connection = connection
    return connection


def application(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    connection = _connection()
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_ceiling (payload) VALUES (%s)",
                       [body.decode("utf-8", "replace")])
    connection.commit()
    start_response("302 Found", [("Location", "/thanks/"), ("Content-Length", "0")])
    return [b""]
