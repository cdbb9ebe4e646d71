"""The floor for bench/submit.py: the work a submission must do, with no web framework.

It does what the issue requires of every submission and nothing else: verify the signed
progress cookie, check the answers with the scoring engine, one Redis round trip for the
quality signals, and one INSERT into the real response table (UUID key, unique receipt,
JSONB answers, the foreign key and its index). No Django request cycle, no middleware, no
URL resolution. openita can only be slower than this; the ceiling (one plain INSERT) is
faster. Measuring all three in one run shows how much of the gap is the required work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
import time
import uuid
from http.cookies import SimpleCookie

import psycopg
import redis
from django.conf import settings

settings.configure(SECRET_KEY=os.environ["SECRET_KEY"])

from django.core import signing  # noqa: E402 - needs the settings above

from openita.frameworks import loader  # noqa: E402
from openita.scoring import check_response  # noqa: E402

FRAMEWORK = loader.get("ita-2564")
CODE = os.environ["BENCH_CODE"]
ENROLMENT = int(os.environ["BENCH_ENROLMENT"])
ROUND = os.environ.get("BENCH_ROUND", "")
SALT = f"openita.survey:IIT:{CODE}"
COOKIE = f"ita_iit_{CODE}"
INSERT = ("INSERT INTO surveys_response (id, enrolment_id, instrument, channel, "
          "respondent_type, answers, flags, submitted_on, receipt, excluded, excluded_reason) "
          "VALUES (%s, %s, 'IIT', 'self', '', %s, %s, %s, %s, false, '') "
          "ON CONFLICT (receipt) DO NOTHING RETURNING id")
_local = threading.local()


def _clients():
    if getattr(_local, "pg", None) is None:
        _local.pg = psycopg.connect(os.environ["BENCH_CEILING_DSN"], autocommit=True)
        _local.redis = redis.Redis.from_url(os.environ["REDIS_URL"])
    return _local.pg, _local.redis


def application(environ, start_response):
    cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
    progress = signing.loads(cookie[COOKIE].value, salt=SALT, max_age=30 * 86400)
    answers = progress["a"]
    check_response(FRAMEWORK, "IIT", answers)
    pg, cache = _clients()
    vector = hashlib.sha256(repr(sorted(answers.items())).encode()).hexdigest()
    same = hashlib.sha256(f"{environ.get('REMOTE_ADDR')}:{ENROLMENT}:{vector}".encode())
    burst = f"floor-burst:{ENROLMENT}:{int(time.time()) // 600}"
    pipe = cache.pipeline(transaction=False)
    pipe.set(f"floor-same:{same.hexdigest()}", 1, nx=True, ex=600)
    pipe.incr(burst)
    pipe.expire(burst, 1200)
    fresh, count, _ = pipe.execute()
    flags = [] if fresh and count <= 60 else ["flagged"]
    # Its own receipts: the same cookies were just sent to openita, and must insert again.
    receipt = hashlib.sha256(f"receipt:floor:{ROUND}:{progress['k']}".encode()).hexdigest()
    pg.execute(INSERT, [uuid.uuid4(), ENROLMENT, json.dumps(answers), json.dumps(flags),
                        dt.date.today(), receipt])
    start_response("302 Found", [("Location", f"/go/iit/{CODE}/thanks/"),
                                 ("Content-Length", "0")])
    return [b""]
