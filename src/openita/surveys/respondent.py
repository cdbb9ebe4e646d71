"""The respondent's progress through a survey, kept in a signed cookie on their device.

Nothing about an unfinished survey is stored on the server: the answers so far, the
submission key and the verification steps travel in a cookie that the server signs (so it
cannot be forged) and the browser keeps (so a respondent can leave and come back on the same
device). The cookie is deleted once the response is stored.

Signed is not encrypted: anyone holding the device can read the cookie. So it never holds
an access code or a phone number: the code only as its keyed hash (``services.code_hash``,
an HMAC under the server key, which is also how the code table keeps it), the phone only
as its keyed hash and a masked hint between "send code" and "check code", and nothing
but "verified" after that. It expires when the survey's collection window closes.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from openita.core.net import client_address
from openita.frameworks.schema import Framework, Question, SubItem, per_version

from . import services, sms

log = logging.getLogger(__name__)

# The signature is honoured this long at most; the cookie itself expires when the window
# closes (see write), and no collection window lasts longer.
MAX_AGE = 60 * 60 * 24 * 366


@dataclass
class Progress:
    key: str = field(default_factory=services.new_submission_key)
    started: int = field(default_factory=lambda: int(time.time()))
    eligible: bool = False
    code_hash: str = ""  # the IIT access code's keyed hash, never the code
    respondent_type: str = ""
    # Only between "send code" and "check code": the phone's keyed hash, and the masked
    # number the verify page shows (08x-xxx-5678).
    phone_hash: str = ""
    phone_hint: str = ""
    verified: bool = False
    answers: dict = field(default_factory=dict)

    def dump(self) -> dict:
        return {"k": self.key, "t": self.started, "e": self.eligible, "c": self.code_hash,
                "r": self.respondent_type, "p": self.phone_hash, "m": self.phone_hint,
                "v": self.verified, "a": self.answers}

    @classmethod
    def load(cls, data: dict) -> Progress:
        code, phone, hint = data["c"], data["p"], data.get("m", "")
        # A cookie written before codes and phones were kept hashed: hash them now.
        if code and len(code) != 64:
            code = services.code_hash(code)
        if phone and len(phone) != 64:
            phone, hint = services.phone_hmac(phone), sms.masked(phone)
        return cls(key=data["k"], started=data["t"], eligible=data["e"], code_hash=code,
                   respondent_type=data["r"], phone_hash=phone, phone_hint=hint,
                   verified=data["v"], answers=data["a"])


def cookie_name(instrument: str, code: str) -> str:
    return f"ita_{instrument.lower()}_{code}"


def _salt(instrument: str, code: str) -> str:
    # The signature binds the cookie to one survey of one agency: a cookie verified for
    # another agency's EIT, or begun on the EIT, is worthless on this survey.
    return f"openita.survey:{instrument}:{code}"


def read(request: HttpRequest, instrument: str, code: str) -> Progress:
    return load(request.COOKIES.get(cookie_name(instrument, code)), instrument, code)


def load(raw: str | None, instrument: str, code: str) -> Progress:
    """The progress in a cookie's value; a fresh one when it is missing or not ours."""
    if raw:
        try:
            return Progress.load(signing.loads(raw, salt=_salt(instrument, code),
                                               max_age=MAX_AGE))
        except (signing.BadSignature, KeyError, TypeError):
            pass  # a tampered, moved or outdated cookie starts a fresh survey
    return Progress()


def write(response: HttpResponse, instrument: str, code: str, progress: Progress,
          closes: dt.datetime) -> None:
    """Keep ``progress`` on the device until the collection window ``closes``."""
    seconds = int((closes - timezone.now()).total_seconds())
    response.set_cookie(
        cookie_name(instrument, code),
        signing.dumps(progress.dump(), salt=_salt(instrument, code), compress=True),
        max_age=max(60, min(seconds, MAX_AGE)), httponly=True, samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE, path=f"/go/{instrument.lower()}/{code}/",
    )


def forget(response: HttpResponse, instrument: str, code: str) -> None:
    response.delete_cookie(cookie_name(instrument, code), path=f"/go/{instrument.lower()}/{code}/")


# --- pages of questions ----------------------------------------------------------------


@per_version
def pages(framework: Framework, instrument: str) -> list[tuple]:
    """One page per indicator: (indicator, its questions)."""
    return [(indicator, [q for q in framework.questions if q.indicator == indicator.number])
            for indicator in framework.indicators_of(instrument)]


def allowed_answers(framework: Framework, question: Question) -> dict[str, object]:
    """The answers a cell accepts, keyed by their form value ("1".."4", "yes", "no")."""
    return {str(level.answer): level.answer for level in framework.scale(question.scale).levels}


def read_answers(framework: Framework, questions: list[Question], data, answers: dict
                 ) -> set[str]:
    """Take the posted answers of ``questions`` into ``answers``; return the keys left
    unanswered or answered outside the scale (those are removed from ``answers``)."""
    errors = set()
    for question in questions:
        allowed = allowed_answers(framework, question)
        for key, _polarity in question.cells:
            value = data.get(key, "")
            if value in allowed:
                answers[key] = allowed[value]
            else:
                answers.pop(key, None)
                errors.add(key)
    return errors


def question_rows(framework: Framework, questions: list[Question], answers: dict) -> list:
    """What a form of questions needs: each question, its answer cells and its levels."""
    return [{"question": q, "levels": framework.scale(q.scale).levels, "cells": [
        {"key": key, "sub": sub, "value": str(answers.get(key, ""))}
        for (key, _p), sub in zip(q.cells, _subitems_or_none(q), strict=False)]}
        for q in questions]


def _subitems_or_none(question: Question) -> list[SubItem | None]:
    """A question's sub-items, or one unnamed cell for a question without any."""
    return [*question.subitems] or [None]


def network(meta: dict) -> str:
    """The network a request comes from, for limits and quality signals; never stored.

    The client is the one behind any trusted proxies (``core.net.client_address``), so
    behind nginx each respondent's network is counted, not the proxy's. IPv6 is grouped by
    /64, the block one household or phone usually holds, so rotating addresses inside it
    does not escape the limits.
    """
    return _network_of(client_address(meta))


@functools.lru_cache(maxsize=65536)
def _network_of(client: str) -> str:
    try:
        parsed = ipaddress.ip_address(client)
    except ValueError:
        return client
    if parsed.version == 6:  # client_address has already unwrapped ::ffff:a.b.c.d
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return client


# --- sending ----------------------------------------------------------------------------


def is_ready(progress: Progress, instrument: str) -> bool:
    """Eligibility confirmed, and for the EIT the phone verified."""
    return progress.eligible and (instrument == "IIT" or progress.verified)


def first_unanswered_page(framework: Framework, instrument: str, answers: dict) -> int | None:
    for number, keys in _page_keys(framework, instrument):
        if not keys <= answers.keys():
            return number
    return None


@per_version
def _page_keys(framework: Framework, instrument: str) -> list[tuple[int, frozenset[str]]]:
    return [(number, frozenset(key for q in questions for key, _p in q.cells))
            for number, (_indicator, questions) in enumerate(pages(framework, instrument),
                                                             start=1)]


def send(enrolment, instrument: str, framework: Framework, progress: Progress,
         address: str) -> services.Submission:
    """Store a finished survey once: what the progress cookie holds, handed to
    ``services.submit`` as data, with the respondent's network for the quality signals."""
    return services.submit(
        enrolment, instrument, progress.answers, submission_key=progress.key,
        respondent_type=progress.respondent_type, access_code_hash=progress.code_hash or None,
        network=address, started=progress.started, framework=framework)
