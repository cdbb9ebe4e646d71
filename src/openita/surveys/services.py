"""Survey links, access codes, phone verification and anonymous, idempotent submission.

Access codes and the code oracle
--------------------------------
An agency prints the one-time IIT codes and hands them out, so it may know which code went
to whom. If any page told whether a code is still unused, the agency could enter the code
it gave to employee X and learn whether X has answered. So a code is checked in one place
only, the final send (``submit``): the start page accepts any well-formed code (eight
characters of the printed alphabet, ``access_code_well_formed``) without looking it up, and
the progress cookie keeps only its keyed hash (``code_hash``). At the final send the code
is spent and the response stored; when it is refused ("not valid or already used") the
answers stay in the browser and the respondent may type another code on the review page.
Learning anything about a code therefore costs a complete survey, and trying a code that
is still unused spends it and stores that survey, so the probe is not silent: the
employee's own code is then refused, and they can tell the agency or NACC. Refused codes
count towards a per-network limit of failures (``OTP_SEND_LIMITS["code"]``); valid codes
never count, so an office behind one address is not blocked by its own staff.

Limits
------
Per-network limits count failures only (wrong or spent access codes at the final send,
wrong one-time passwords); a request over a limit is told how many minutes remain in the
window, never that its code is invalid (a window starts with its first event; its start
is kept beside the counter). SMS sends are limited per phone, per browser, per
network and per agency, and by a national budget per hour (``OPENITA_SMS_BUDGET_PER_HOUR``)
so that the cost of texts cannot be run up.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import hmac
import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    router,
    transaction,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from redis.exceptions import RedisError

from openita.accounts.models import User
from openita.agencies.models import Agency
from openita.calendars import services as calendar
from openita.calendars.models import Enrolment, EnrolmentState, Phase
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.frameworks import services as frameworks
from openita.frameworks.schema import Framework
from openita.scoring import InvalidInput, check_response

from . import quality, sms
from .models import (
    AccessCode,
    AuditAction,
    Channel,
    Instrument,
    PhoneClaim,
    RespondentType,
    Response,
    SurveyLink,
)

log = logging.getLogger(__name__)

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (l/1, o/0, i)
ACCESS_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PHASES: dict[str, str] = {Instrument.IIT: Phase.IIT_COLLECTION,
                          Instrument.EIT: Phase.EIT_COLLECTION}


def _needs_cache(function):
    """Limits and one-time passwords live in the cache; when it is down these steps are
    refused with a message (never let through unlimited) instead of an error page."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (RedisError, OSError):
            raise ActionRefused(_("This step is not available just now. Please try again in "
                                  "a few minutes.")) from None
    return wrapper


# --- links -----------------------------------------------------------------------------


def link_for(enrolment: Enrolment) -> SurveyLink:
    """The agency-year's short code, created on first use (six characters)."""
    link = SurveyLink.objects.filter(enrolment=enrolment).first()
    while link is None:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        try:
            with transaction.atomic():
                link = SurveyLink.objects.create(enrolment=enrolment, code=code)
        except IntegrityError:  # the code was taken (or a parallel request made the link)
            link = SurveyLink.objects.filter(enrolment=enrolment).first()
    return link


# Part of the cache key: servers of a new release never read facts of the old shape that
# the shared cache may still hold.
FACTS_VERSION = 3


@dataclass(frozen=True)
class SurveyFacts:
    """What every respondent page needs about a link, cached briefly (see open_survey)."""

    enrolment: Enrolment
    # phase -> (the moment it opens, the moment it closes with this agency's extensions)
    windows: dict[str, tuple[dt.datetime, dt.datetime] | None]
    checksum: str
    # Whether the agency is active (a deactivated agency collects no answers). The pages
    # may read it up to OPENITA_SURVEY_CACHE_SECONDS late; the INSERT itself checks the
    # database (see _insert_once), so not a single response is stored after deactivation.
    active: bool = True


class NotCollecting(ActionRefused):
    """The agency is deactivated: its links answer politely and store nothing."""


def _facts(code: str) -> SurveyFacts | None:
    link = (SurveyLink.objects.select_related("enrolment__agency", "enrolment__year__framework")
            .defer("enrolment__year__framework__content").filter(code=code).first())
    if link is None:
        return None
    enrolment = link.enrolment
    statuses: dict[str, tuple[dt.datetime, dt.datetime] | None] = {}
    for phase in PHASES.values():
        status = calendar.phase_status(enrolment.year, phase, enrolment.agency)
        statuses[phase] = (calendar.opening_moment(status.opens_on),
                           calendar.closing_moment(status.closes_on)) if status else None
    version = enrolment.year.framework
    return SurveyFacts(enrolment, statuses, version.checksum if version else "",
                       active=enrolment.agency.active)


def collecting_enrolment(agency: Any) -> tuple[Enrolment | None, Any]:
    """The agency's enrolment in the open year and that year's framework, when surveys
    apply to it (registered, and the year has a framework); otherwise (None, None)."""
    year = calendar.current_year()
    if year is None or year.framework is None:
        return None, None
    enrolment = Enrolment.objects.filter(agency=agency, year=year).select_related(
        "year").first()
    if enrolment is None or enrolment.state == EnrolmentState.NOT_REGISTERED:
        return None, None
    return enrolment, frameworks.framework_of(year.framework)


def survey_facts(code: str) -> SurveyFacts | None:
    """The link's enrolment and windows. Deadline-day traffic asks for the same few links
    thousands of times, so the answer is cached for OPENITA_SURVEY_CACHE_SECONDS (a changed
    window or extension shows within that time; the 24:00 close itself is computed exactly
    on every request)."""
    seconds = settings.OPENITA_SURVEY_CACHE_SECONDS
    if not seconds:
        return _facts(code)
    now = time.monotonic()
    local = _LOCAL_FACTS.get(code)
    if local is not None and local[0] > now:  # this process asked moments ago
        return local[1]
    key = f"survey-facts:{FACTS_VERSION}:{code}"
    try:
        facts, reachable = cache.get(key), True
    except (RedisError, OSError):  # the cache is down: the database answers, kept below
        facts, reachable = None, False
    if facts is None:
        facts = _facts(code)
        if facts is not None and reachable:
            with contextlib.suppress(RedisError, OSError):
                cache.set(key, facts, seconds)
    if facts is not None:
        _LOCAL_FACTS[code] = (now + min(5, seconds), facts)
    return facts


# Facts this process read in the last few seconds: the hottest links cost no round trip.
_LOCAL_FACTS: dict[str, tuple[float, SurveyFacts]] = {}


def _not_collecting() -> NotCollecting:
    return NotCollecting(_("This agency is not collecting answers at present. Thank you "
                           "for your willingness to answer."))


def open_survey(code: str, instrument: str, now: dt.datetime | None = None):
    """The enrolment and framework behind ``/go/<instrument>/<code>``; refuses politely when
    the code is unknown, the agency is deactivated (``NotCollecting``) or the collection
    window is not open for that agency (``PhaseClosed``)."""
    enrolment, framework, _closes = open_link(code, instrument, now)
    return enrolment, framework


def open_link(code: str, instrument: str, now: dt.datetime | None = None
              ) -> tuple[Enrolment, Framework, dt.datetime]:
    """As ``open_survey``, and the moment this agency's collection window closes (the
    respondent's progress cookie expires then)."""
    facts = survey_facts((code or "").lower())
    if facts is None or facts.enrolment.state == EnrolmentState.NOT_REGISTERED:
        raise ActionRefused(_("This survey link is not valid. Check the address or the QR "
                              "code you received from the agency."))
    if not facts.active:
        raise _not_collecting()
    enrolment = facts.enrolment
    version_id = enrolment.year.framework_id
    if not facts.checksum or version_id is None:
        raise ActionRefused(_("This survey is not ready yet."))
    phase = PHASES[instrument]
    window = facts.windows.get(phase)
    now = now or timezone.now()
    if window is None or not calendar.year_is_open(enrolment.year) or not (
            window[0] <= now < window[1]):
        # Says why; or the cached window is older than a change that opened it.
        status = calendar.require_open(enrolment.year, phase, enrolment.agency, now)
        window = (now, calendar.closing_moment(status.closes_on))
    return (enrolment, frameworks.framework_by_checksum(version_id, facts.checksum),
            window[1])


# --- IIT access codes ------------------------------------------------------------------


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _keyed(purpose: str, text: str) -> str:
    """A keyed hash (HMAC): without the server key, short secrets (8-character codes,
    phone numbers) cannot be recovered by trying every possible value."""
    key = settings.OPENITA_PHONE_KEY or settings.SECRET_KEY
    return hmac.new(f"openita-{purpose}:{key}".encode(), text.encode(), "sha256").hexdigest()


ACCESS_CODE_LENGTH = 8  # as codes.issue_access_codes makes them, printed ABCD-EFGH


def normalise_access_code(code: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (code or "").upper())


def code_hash(code: str) -> str:
    return _keyed("access-code", normalise_access_code(code))


def access_code_well_formed(code: str) -> bool:
    """Whether ``code`` has the shape of an access code (eight characters of the printed
    alphabet; case, spaces and dashes do not matter). This is all the start page checks:
    whether the code exists or was used is told only at the final send (module docstring).
    """
    code = normalise_access_code(code)
    return len(code) == ACCESS_CODE_LENGTH and set(code) <= set(ACCESS_ALPHABET)


# Codes one filled-in survey may try at the final send. Counted on the server by the
# survey's submission key, so replaying an old copy of the cookie does not reset it: asking
# about more codes costs a whole new survey each time.
CODE_TRIES_PER_SURVEY = 3


class StartAgain(ActionRefused):
    """Too many codes were refused for one filled-in survey: it must be started again."""


@_needs_cache
def _use_access_code(enrolment: Enrolment, digest: str, address: str | None,
                     receipt: str = "") -> None:
    """Spend a code (by its keyed hash) in its own transaction, before the response is
    written: the used code disappears, and no database transaction ever touches both a
    code and a response. A network over its limit of refused codes is told to wait before
    the code is even looked at; a refused code counts towards that limit, and towards the
    survey's own CODE_TRIES_PER_SURVEY."""
    if address:
        _refuse_if_over("code", address)
    tries = f"code-tries:{_hash('tries:' + receipt)}"
    if receipt and (cache.get(tries) or 0) >= CODE_TRIES_PER_SURVEY:
        raise StartAgain(_("Too many access codes were refused for this survey. To protect "
                           "the codes, please start the survey again."), field="access_code")
    with transaction.atomic():
        deleted, _per_model = AccessCode.objects.filter(
            enrolment=enrolment, code_hash=digest).delete()
    if deleted != 1:
        if address:
            _fail("code", address)
        if receipt:
            _bump(tries, settings.OTP_SEND_LIMITS["code"][1])
        raise ActionRefused(_("This access code is not valid or was already used."),
                            field="access_code")


def _restore_access_code(enrolment: Enrolment, digest: str, receipt: str) -> None:
    """Give back a code spent for a response that was not stored (its INSERT failed, or the
    agency was deactivated), unless the response did commit after all and only the answer
    to it was lost."""
    if Response.objects.filter(receipt=receipt).exists():
        return
    with contextlib.suppress(IntegrityError), transaction.atomic():
        AccessCode.objects.create(enrolment=enrolment, code_hash=digest)


# --- limits ----------------------------------------------------------------------------


def _bump(name: str, seconds: int) -> int:
    """One more event on the counter ``name`` that lives ``seconds``; the count so far."""
    cache.add(name, 0, seconds)
    try:
        return cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, seconds)
        return 1


def _count(kind: str, key: str) -> tuple[int, int]:
    """One more event for ``key`` in its window of ``kind``: the count so far and the
    seconds left. A window starts with its first event and lasts the configured time; its
    start is kept beside the counter, so a refusal can say how long to wait."""
    _limit, seconds = settings.OTP_SEND_LIMITS[kind]
    name, now = f"otp-limit:{kind}:{_hash(key)}", int(time.time())
    cache.add(name + ":since", now, seconds)
    count = _bump(name, seconds)
    return count, _left(cache.get(name + ":since"), seconds, now)


def _left(since: int | None, seconds: int, now: int) -> int:
    return max(1, (since or now) + seconds - now)


def _wait(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext("Too many attempts. Please try again in %(minutes)d minute.",
                    "Too many attempts. Please try again in %(minutes)d minutes.",
                    minutes) % {"minutes": minutes}


def _refuse_if_over(kind: str, key: str, field: str | None = None) -> None:
    """Refuse, saying how long to wait, when ``key`` has used up its failures of ``kind``
    (reading the counter only: a refused request is not one more failure)."""
    limit, seconds = settings.OTP_SEND_LIMITS[kind]
    name = f"otp-limit:{kind}:{_hash(key)}"
    found = cache.get_many([name, name + ":since"])
    if found.get(name, 0) >= limit:
        raise ActionRefused(_wait(_left(found.get(name + ":since"), seconds,
                                        int(time.time()))), field=field)


def _fail(kind: str, key: str) -> None:
    """Count one failed attempt (a refused access code, a wrong one-time password)."""
    _count(kind, key)


# --- EIT phone verification ------------------------------------------------------------


def normalise_phone(phone: str) -> str:
    """A Thai mobile number as 10 digits (0XXXXXXXXX); +66 and spaces are accepted."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("66") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not re.fullmatch(r"0[689]\d{8}", digits):
        raise ActionRefused(_("Enter a Thai mobile number of 10 digits, e.g. 081 234 5678."),
                            field="phone")
    return digits


def phone_hmac(phone: str) -> str:
    return _keyed("phone", phone)


@_needs_cache
def send_otp(enrolment: Enrolment, phone: str, *, session_key: str, address: str) -> str:
    """Text a one-time password; returns the normalised phone.

    Sends are limited per phone and per browser (strictly: a few an hour, so the page
    cannot bomb a phone), per network address (generously: a service counter's Wi-Fi
    serves many people), per agency, and by the national budget of texts per hour
    (``OPENITA_SMS_BUDGET_PER_HOUR``), so the cost of SMS cannot be run up; a spent budget
    is logged as an error. A refusal says how many minutes to wait. Whether the phone
    already answered is told only after the code from the SMS is entered, so only the
    phone's holder can learn it.
    """
    phone = normalise_phone(phone)
    digest = phone_hmac(phone)
    for kind, key in (("phone", digest), ("session", session_key), ("address", address),
                      ("agency", str(enrolment.pk))):
        count, left = _count(kind, key)
        if count > settings.OTP_SEND_LIMITS[kind][0]:
            raise ActionRefused(_too_many_texts(left), field="phone")
    _spend_sms_budget()
    code = f"{secrets.randbelow(1_000_000):06d}"
    expires = time.time() + settings.OTP_TTL_SECONDS
    cache.set(_otp_key(enrolment, digest), {"hash": _hash(code), "expires": expires},
              settings.OTP_TTL_SECONDS)
    cache.delete(_otp_key(enrolment, digest) + ":tries")
    try:
        sms.gateway().send(phone, _("Your openita code for %(agency)s: %(code)s (valid 5 "
                                    "minutes)") % {"agency": enrolment.agency.name_th,
                                                   "code": code})
    except OSError:
        raise ActionRefused(_("The SMS could not be sent just now. Please try again in a few "
                              "minutes."), field="phone") from None
    return phone


def _too_many_texts(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext("Too many codes were requested. Please try again in %(minutes)d minute.",
                    "Too many codes were requested. Please try again in %(minutes)d minutes.",
                    minutes) % {"minutes": minutes}


def _spend_sms_budget() -> None:
    """Take one text from this hour's national budget, or refuse (and log, once an hour,
    that the budget is spent: it is either a busy day to plan for or an attack)."""
    budget = settings.OPENITA_SMS_BUDGET_PER_HOUR
    now = int(time.time())
    left = 3600 - now % 3600  # the budget is per clock hour
    spent = _bump(f"otp-limit:sms-budget:{now // 3600}", left + 60)
    if spent > budget:
        if spent == budget + 1:
            log.error("the SMS budget of %d texts an hour is spent; one-time passwords are "
                      "refused for the next %d minutes (OPENITA_SMS_BUDGET_PER_HOUR)",
                      budget, -(-left // 60))
        minutes = max(1, -(-left // 60))
        raise ActionRefused(ngettext(
            "Codes by SMS cannot be sent just now. Please try again in %(minutes)d minute.",
            "Codes by SMS cannot be sent just now. Please try again in %(minutes)d minutes.",
            minutes) % {"minutes": minutes}, field="phone")


def _otp_key(enrolment: Enrolment, digest: str) -> str:
    return f"otp:{enrolment.pk}:{digest}"


def verify_otp(enrolment: Enrolment, phone: str, code: str, *, address: str = "") -> None:
    """``check_otp`` for a phone number (the pages keep only its keyed hash)."""
    check_otp(enrolment, phone_hmac(normalise_phone(phone)), code, address=address)


@_needs_cache
def check_otp(enrolment: Enrolment, phone_digest: str, code: str, *, address: str = ""
              ) -> None:
    """Check the one-time password sent to the phone whose keyed hash is ``phone_digest``
    and claim the phone for this agency-year.

    Tries are counted atomically (parallel guesses cannot share one try); wrong codes also
    count towards the network's limit of failures, and a network over it is told how long
    to wait (right codes never count, so one shared address serves a whole office). A
    wrong try never extends the code's life. The claim is written now, not when the
    answers arrive, so its place in the table follows verification, not submission.
    """
    key = _otp_key(enrolment, phone_digest)
    if address:
        _refuse_if_over("verify", address, field="code")
    challenge = cache.get(key)
    if challenge is None or challenge["expires"] < time.time():
        raise ActionRefused(_("The code has expired. Ask for a new one."), field="code")
    tries = _count_tries(key)
    if tries > settings.OTP_MAX_TRIES:
        cache.delete(key)
        raise ActionRefused(_("Too many wrong codes. Ask for a new one."), field="code")
    if not hmac.compare_digest(challenge["hash"], _hash((code or "").strip())):
        if address:
            _fail("verify", address)
        raise ActionRefused(_("The code is not right. Check the SMS and try again."),
                            field="code")
    cache.delete(key)
    try:
        with transaction.atomic():
            PhoneClaim.objects.create(enrolment=enrolment, phone_hmac=phone_digest)
    except IntegrityError:
        raise ActionRefused(_("This phone number has already answered this agency's survey "
                              "this year."), field="phone") from None


def _count_tries(key: str) -> int:
    name = key + ":tries"
    cache.add(name, 0, settings.OTP_TTL_SECONDS)
    try:
        return cache.incr(name)
    except ValueError:
        return settings.OTP_MAX_TRIES + 1  # the code expired meanwhile


# --- submission ------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    response: Response
    replayed: bool


def new_submission_key() -> str:
    """A random key put in the form when it is first served; its hash becomes the receipt."""
    return secrets.token_urlsafe(24)


def submit(
    enrolment: Enrolment,
    instrument: str,
    answers: dict,
    *,
    submission_key: str,
    channel: str = Channel.SELF,
    respondent_type: str = "",
    access_code: str | None = None,
    access_code_hash: str | None = None,
    network: str | None = None,
    started: int | None = None,
    framework: Framework | None = None,
) -> Submission:
    """Store one complete response, once.

    A replay of the same submission key (double tap, retry after a timeout) returns the
    stored response instead of a second row; a key already used for another survey is
    refused. The IIT access code, when the year requires one, is spent in its own
    transaction first, so no transaction touches both a code and a response; it is given
    as typed (``access_code``) or as its keyed hash (``access_code_hash``, what the
    respondent's progress cookie keeps). This is the only place a code is looked up (see
    the module docstring); a refused code counts towards the limit of failures of
    ``network``, and a network over it is told how long to wait. For a
    respondent's own answers, ``network`` (where the request came from, see
    ``respondent.network``) and ``started`` (when the survey was begun, epoch seconds) give
    the quality signals, measured after every check has passed, just before the row is
    written; they are never stored. A replay keeps the flags of its first row. Nothing is
    stored when any answer, the respondent type or the code is missing or invalid; when no
    new row results (a replay, a failed INSERT) the signals' marks are taken back, so a
    retry is not taken for a duplicate, and a code spent for an INSERT that failed is given
    back. A deactivated agency collects nothing (``NotCollecting``): the INSERT itself
    checks the agency in the database, so no cache can let a response through.
    """
    receipt = _hash(f"receipt:{submission_key}")
    if access_code and not access_code_hash:
        access_code_hash = code_hash(access_code)
    if access_code_hash:
        # A replay's code is already spent: recognise the replay before spending it.
        existing = Response.objects.filter(receipt=receipt).first()
        if existing is not None:
            return _replay(existing, enrolment, instrument)
    framework = framework or calendar.framework_for(enrolment.year)
    try:
        check_response(framework, instrument, answers)
    except InvalidInput as error:
        raise ActionRefused(_("Some answers are missing or not valid (%(where)s). Please go "
                              "back and check them.") % {"where": error.path}) from None
    _check_respondent(enrolment, instrument, channel, respondent_type, access_code_hash)
    if access_code_hash:
        _use_access_code(enrolment, access_code_hash, network, receipt)
    signals = None
    if network is not None:
        signals = quality.measure(enrolment.pk, instrument, answers,
                                  int(time.time()) if started is None else started, network)
    response = Response(enrolment=enrolment, instrument=instrument, channel=channel,
                        respondent_type=respondent_type, answers=answers,
                        flags=list(signals or []), submitted_on=timezone.localdate(),
                        receipt=receipt)
    try:
        written = _insert_once(response)
    except BaseException:
        _take_back(enrolment, access_code_hash, receipt, signals)
        raise
    if written is None:  # the agency was deactivated since its facts were read
        _take_back(enrolment, access_code_hash, receipt, signals)
        raise _not_collecting()
    if not written:
        # This key was stored before, or by a parallel replay that committed first.
        existing = Response.objects.filter(receipt=receipt).first()
        _take_back(enrolment, access_code_hash if existing is None else None, receipt,
                   signals)
        if existing is None:  # another constraint failed: nothing is stored
            raise ActionRefused(_("The answers could not be saved. Please send them again."))
        return _replay(existing, enrolment, instrument)
    return Submission(response, replayed=False)


def _take_back(enrolment: Enrolment, access_code_hash: str | None, receipt: str,
               signals: quality.Signals | None) -> None:
    """Undo what a submission that stored no new row used: its marks in the quality
    counters, and the access code it spent (the respondent must be able to send again)."""
    if signals is not None:
        signals.undo()
    if access_code_hash:
        try:
            _restore_access_code(enrolment, access_code_hash, receipt)
        except DatabaseError:
            # The code is lost: the agency can hand the person a new one. Never log the code.
            log.exception("a spent IIT access code of enrolment %s could not be given back",
                          enrolment.pk)


def _insert_once(response: Response) -> bool | None:
    """Write the row unless its receipt is already stored or the agency is deactivated;
    whether it was written (None: the agency is not active, nothing was written).

    One INSERT (``_insert_if_active``). Outside a transaction it commits on its own
    (autocommit), so on deadline day a submission costs the database one statement and no
    transaction of its own; inside one (an interview and its audit row) it runs in a savepoint. A
    replay, or a parallel one that committed first, breaks the unique receipt: the
    IntegrityError means "already stored". A connection that died while idle is reopened
    and the statement sent once more; the receipt makes the retry harmless.
    """
    alias = router.db_for_write(Response)
    for attempt in (1, 2):
        connection = transaction.get_connection(alias)
        inside = connection.in_atomic_block
        try:
            with transaction.atomic(using=alias) if inside else contextlib.nullcontext():
                if not _insert_if_active(response, connection):
                    return None
            response._state.adding, response._state.db = False, alias
            return True
        except IntegrityError:
            # A second try that finds the receipt taken: the first try committed before its
            # connection died (or a parallel replay did, which takes back its own marks).
            return attempt == 2
        except (OperationalError, InterfaceError):
            # Only a dead connection is worth a second try; a lock timeout, a deadlock or a
            # full disk would fail again and hold the respondent twice as long.
            if attempt == 2 or inside or connection.is_usable():
                raise
            connection.close()
    raise AssertionError("unreachable")  # pragma: no cover


def _insert_if_active(response: Response, connection: Any) -> bool:
    """``INSERT INTO response … SELECT … WHERE`` the agency of its enrolment is active: the
    response and the check against the database in one statement, so a deactivated agency
    stores nothing even while the cached survey facts still call it active, and the hot
    path gains no query. The ORM has no conditional INSERT; the columns and values come
    from the model's fields as the ORM would send them. False when nothing was inserted.
    """
    def name(text: str | None) -> str:
        return connection.ops.quote_name(str(text))

    fields = Response._meta.concrete_fields
    values = [field.get_db_prep_save(field.pre_save(response, True), connection)
              for field in fields]
    to_enrolment, to_agency = Response.enrolment.field, Enrolment.agency.field
    enrolments, agencies = name(Enrolment._meta.db_table), name(Agency._meta.db_table)
    sql = (
        f"INSERT INTO {name(Response._meta.db_table)} "
        f"({', '.join(name(field.column) for field in fields)}) "
        f"SELECT {', '.join(['%s'] * len(fields))} WHERE EXISTS ("
        f"SELECT 1 FROM {enrolments} INNER JOIN {agencies} "
        f"ON {agencies}.{name(to_agency.target_field.column)} = "
        f"{enrolments}.{name(to_agency.column)} "
        f"WHERE {enrolments}.{name(to_enrolment.target_field.column)} = %s "
        f"AND {agencies}.{name(Agency.active.field.column)} = %s)")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, response.enrolment_id, True])
        return cursor.rowcount == 1


@transaction.atomic
def record_interview(enrolment: Enrolment, answers: dict, respondent_type: str, *,
                     submission_key: str, acting_user: User, framework=None) -> Submission:
    """A consultant stores the answers of one EIT telephone interview, during the EIT
    collection window of that agency.

    The audit row names the agency and the consultant, never the answers nor the stored
    response (its time would tie an answer to a telephone call); a replay of the same form
    stores and records nothing more."""
    require(acting_user, "surveys.interview", enrolment.agency)
    calendar.require_open(enrolment.year, PHASES[Instrument.EIT], enrolment.agency)
    submission = submit(enrolment, Instrument.EIT, answers, submission_key=submission_key,
                        channel=Channel.CONSULTANT, respondent_type=respondent_type,
                        framework=framework)
    if not submission.replayed:
        audit.record(AuditAction.INTERVIEW, actor=acting_user, obj=enrolment,
                     after={"instrument": Instrument.EIT, "channel": Channel.CONSULTANT})
    return submission


def _replay(existing: Response, enrolment: Enrolment, instrument: str) -> Submission:
    if existing.enrolment_id != enrolment.pk or existing.instrument != instrument:
        raise ActionRefused(_("This form was already sent for another survey."))
    return Submission(existing, replayed=True)


def _check_respondent(enrolment: Enrolment, instrument: str, channel: str,
                      respondent_type: str, access_code_hash: str | None) -> None:
    if instrument == Instrument.EIT:
        if respondent_type not in RespondentType.values:
            raise ActionRefused(_("Please choose who you are answering as."),
                                field="respondent_type")
        return
    if respondent_type:
        raise ActionRefused(_("Some answers are missing or not valid (%(where)s). Please go "
                              "back and check them.") % {"where": "respondent_type"})
    if (channel == Channel.SELF and enrolment.year.iit_requires_access_code
            and not access_code_hash):
        raise ActionRefused(_("This access code is not valid or was already used."),
                            field="access_code")
