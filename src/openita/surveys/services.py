"""Survey links, access codes, phone verification and anonymous, idempotent submission."""

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
from redis.exceptions import RedisError

from openita.accounts.models import User
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
FACTS_VERSION = 2


@dataclass(frozen=True)
class SurveyFacts:
    """What every respondent page needs about a link, cached briefly (see open_survey)."""

    enrolment: Enrolment
    # phase -> (the moment it opens, the moment it closes with this agency's extensions)
    windows: dict[str, tuple[dt.datetime, dt.datetime] | None]
    checksum: str


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
    return SurveyFacts(enrolment, statuses, version.checksum if version else "")


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


def open_survey(code: str, instrument: str, now: dt.datetime | None = None):
    """The enrolment and framework behind ``/go/<instrument>/<code>``; refuses politely when
    the code is unknown or the collection window is not open for that agency."""
    facts = survey_facts((code or "").lower())
    if facts is None or facts.enrolment.state == EnrolmentState.NOT_REGISTERED:
        raise ActionRefused(_("This survey link is not valid. Check the address or the QR "
                              "code you received from the agency."))
    enrolment = facts.enrolment
    version_id = enrolment.year.framework_id
    if not facts.checksum or version_id is None:
        raise ActionRefused(_("This survey is not ready yet."))
    phase = PHASES[instrument]
    window = facts.windows.get(phase)
    now = now or timezone.now()
    if window is None or not calendar.year_is_open(enrolment.year) or not (
            window[0] <= now < window[1]):
        calendar.require_open(enrolment.year, phase, enrolment.agency, now)  # says why
    return enrolment, frameworks.framework_by_checksum(version_id, facts.checksum)


# --- IIT access codes ------------------------------------------------------------------


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _keyed(purpose: str, text: str) -> str:
    """A keyed hash (HMAC): without the server key, short secrets (8-character codes,
    phone numbers) cannot be recovered by trying every possible value."""
    key = settings.OPENITA_PHONE_KEY or settings.SECRET_KEY
    return hmac.new(f"openita-{purpose}:{key}".encode(), text.encode(), "sha256").hexdigest()


def normalise_access_code(code: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (code or "").upper())


def code_hash(code: str) -> str:
    return _keyed("access-code", normalise_access_code(code))


@_needs_cache
def access_code_is_open(enrolment: Enrolment, code: str, *, address: str = "") -> bool:
    """Whether an unused code exists; guesses are limited per network address."""
    if address and _count("code", address) > settings.OTP_SEND_LIMITS["code"][0]:
        return False
    return AccessCode.objects.filter(enrolment=enrolment, code_hash=code_hash(code)).exists()


def _use_access_code(enrolment: Enrolment, code: str) -> None:
    """Spend a code in its own transaction, before the response is written: the used code
    disappears, and no database transaction ever touches both a code and a response."""
    with transaction.atomic():
        deleted, _per_model = AccessCode.objects.filter(
            enrolment=enrolment, code_hash=code_hash(code)).delete()
    if deleted != 1:
        raise ActionRefused(_("This access code is not valid or was already used."),
                            field="access_code")


def _restore_access_code(enrolment: Enrolment, code: str, receipt: str) -> None:
    """Give back a code spent for a response that was not stored (its INSERT failed), unless
    the response did commit after all and only the answer to it was lost."""
    if Response.objects.filter(receipt=receipt).exists():
        return
    with contextlib.suppress(IntegrityError), transaction.atomic():
        AccessCode.objects.create(enrolment=enrolment, code_hash=code_hash(code))


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


def _count(kind: str, key: str, limits: dict | None = None) -> int:
    """One more event for ``key`` in the window of ``kind``; returns the count so far."""
    _limit, seconds = (limits or settings.OTP_SEND_LIMITS)[kind]
    name = f"otp-limit:{kind}:{_hash(key)}"
    cache.add(name, 0, seconds)
    try:
        return cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, seconds)
        return 1


def _limited(kind: str, key: str) -> bool:
    return _count(kind, key) > settings.OTP_SEND_LIMITS[kind][0]


@_needs_cache
def send_otp(enrolment: Enrolment, phone: str, *, session_key: str, address: str) -> str:
    """Text a one-time password; returns the normalised phone.

    Sends are limited per phone, per network address, per browser and per agency, so the
    page cannot bomb a phone. Whether the phone already answered is told only after the
    code from the SMS is entered, so only the phone's holder can learn it.
    """
    phone = normalise_phone(phone)
    digest = phone_hmac(phone)
    for kind, key in (("phone", digest), ("address", address), ("session", session_key),
                      ("agency", str(enrolment.pk))):
        if _limited(kind, key):
            raise ActionRefused(_("Too many codes were requested. Please wait an hour and "
                                  "try again."), field="phone")
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


def _otp_key(enrolment: Enrolment, digest: str) -> str:
    return f"otp:{enrolment.pk}:{digest}"


@_needs_cache
def verify_otp(enrolment: Enrolment, phone: str, code: str, *, address: str = "") -> None:
    """Check the one-time password and claim the phone for this agency-year.

    Tries are counted atomically (parallel guesses cannot share one try) and per network
    address; a wrong try never extends the code's life. The claim is written now, not when
    the answers arrive, so its place in the table follows verification, not submission.
    """
    digest = phone_hmac(normalise_phone(phone))
    key = _otp_key(enrolment, digest)
    if address and _count("verify", address) > settings.OTP_SEND_LIMITS["verify"][0]:
        raise ActionRefused(_("Too many tries. Please wait an hour and try again."),
                            field="code")
    challenge = cache.get(key)
    if challenge is None or challenge["expires"] < time.time():
        raise ActionRefused(_("The code has expired. Ask for a new one."), field="code")
    tries = _count_tries(key)
    if tries > settings.OTP_MAX_TRIES:
        cache.delete(key)
        raise ActionRefused(_("Too many wrong codes. Ask for a new one."), field="code")
    if not hmac.compare_digest(challenge["hash"], _hash((code or "").strip())):
        raise ActionRefused(_("The code is not right. Check the SMS and try again."),
                            field="code")
    cache.delete(key)
    try:
        with transaction.atomic():
            PhoneClaim.objects.create(enrolment=enrolment, phone_hmac=digest)
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
    network: str | None = None,
    started: int | None = None,
    framework: Framework | None = None,
) -> Submission:
    """Store one complete response, once.

    A replay of the same submission key (double tap, retry after a timeout) returns the
    stored response instead of a second row; a key already used for another survey is
    refused. The IIT access code, when the year requires one, is spent in its own
    transaction first, so no transaction touches both a code and a response. For a
    respondent's own answers, ``network`` (where the request came from, see
    ``respondent.network``) and ``started`` (when the survey was begun, epoch seconds) give
    the quality signals, measured after every check has passed, just before the row is
    written; they are never stored. A replay keeps the flags of its first row. Nothing is
    stored when any answer, the respondent type or the code is missing or invalid; when no
    new row results (a replay, a failed INSERT) the signals' marks are taken back, so a
    retry is not taken for a duplicate, and a code spent for an INSERT that failed is given
    back.
    """
    receipt = _hash(f"receipt:{submission_key}")
    if access_code:
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
    _check_respondent(enrolment, instrument, channel, respondent_type, access_code)
    if access_code:
        _use_access_code(enrolment, access_code)
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
        _take_back(enrolment, access_code, receipt, signals)
        raise
    if not written:
        # This key was stored before, or by a parallel replay that committed first.
        existing = Response.objects.filter(receipt=receipt).first()
        _take_back(enrolment, access_code if existing is None else None, receipt, signals)
        if existing is None:  # another constraint failed: nothing is stored
            raise ActionRefused(_("The answers could not be saved. Please send them again."))
        return _replay(existing, enrolment, instrument)
    return Submission(response, replayed=False)


def _take_back(enrolment: Enrolment, access_code: str | None, receipt: str,
               signals: quality.Signals | None) -> None:
    """Undo what a submission that stored no new row used: its marks in the quality
    counters, and the access code it spent (the respondent must be able to send again)."""
    if signals is not None:
        signals.undo()
    if access_code:
        try:
            _restore_access_code(enrolment, access_code, receipt)
        except DatabaseError:
            # The code is lost: the agency can hand the person a new one. Never log the code.
            log.exception("a spent IIT access code of enrolment %s could not be given back",
                          enrolment.pk)


def _insert_once(response: Response) -> bool:
    """Write the row unless its receipt is already stored; whether it was written.

    One INSERT through the ORM. Outside a transaction it commits on its own (autocommit),
    so on deadline day a submission costs the database one statement and no transaction
    of its own; inside one (an interview and its audit row) it runs in a savepoint. A
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
                response.save(force_insert=True, using=alias)
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
                      respondent_type: str, access_code: str | None) -> None:
    if instrument == Instrument.EIT:
        if respondent_type not in RespondentType.values:
            raise ActionRefused(_("Please choose who you are answering as."),
                                field="respondent_type")
        return
    if respondent_type:
        raise ActionRefused(_("Some answers are missing or not valid (%(where)s). Please go "
                              "back and check them.") % {"where": "respondent_type"})
    if (channel == Channel.SELF and enrolment.year.iit_requires_access_code
            and not access_code):
        raise ActionRefused(_("This access code is not valid or was already used."),
                            field="access_code")
