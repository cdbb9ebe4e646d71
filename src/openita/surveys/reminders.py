"""Reminders to agencies whose surveys will miss their minimum sample at the current pace.

ITAS had to extend a deadline because many agencies were short of their IIT minimum; an
e-mail while there is still time is cheaper. ``openita remind-collection`` sends them (run
it daily, e.g. from cron) and NACC can send them from the collection overview. An agency is
reminded at most once every OPENITA_REMINDER_INTERVAL_DAYS days, only while a collection
window it is short in is open, and not in that window's first week (there is no pace yet).

The mail goes to the agency, so what it says and whether it is sent at all follow the
released figures (``release.py``), never the live ones: a reminder must not tell the agency
that one more person answered. The run releases every agency that is due first.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation

from openita.accounts.models import AGENCY_ROLES, RoleGrant
from openita.calendars import services as calendar
from openita.calendars.models import AssessmentYear, Enrolment, EnrolmentState
from openita.core import audit
from openita.core.audit import Actor
from openita.core.mail import templated_message
from openita.core.permissions import require_unless_system
from openita.frameworks import services as frameworks

from . import release as releases
from .models import AuditAction, CollectionReminder, Instrument, ProvisionalRelease
from .progress import RECENT_DAYS, forecast_at_close, minimum_sample
from .services import PHASES, link_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Shortfall:
    instrument: str
    count: int
    minimum: int
    forecast: int
    closes_on: dt.date


@dataclass(frozen=True)
class Due:
    enrolment: Enrolment
    shortfalls: list[Shortfall]


def due_reminders(year: AssessmentYear, *, today: dt.date | None = None) -> list[Due]:
    """Agencies short of a minimum in an open window whose forecast (as of their last
    release) stays below it, and who were not reminded within the interval; a handful of
    queries for any number of agencies, plus the work of the releases that are due."""
    today = today or timezone.localdate()
    if not calendar.year_is_open(year) or year.framework is None:
        return []
    framework = frameworks.framework_of(year.framework)
    enrolments = list(Enrolment.objects.filter(year=year, agency__active=True).exclude(
        state=EnrolmentState.NOT_REGISTERED).select_related("agency", "year"))
    released = releases.releases_of_year(year, make_due=True)
    since = today - dt.timedelta(days=settings.OPENITA_REMINDER_INTERVAL_DAYS)
    reminded = set(CollectionReminder.objects.filter(
        enrolment__year=year, sent_on__gt=since).values_list("enrolment_id", flat=True))
    windows = {instrument: calendar.closing_days(year, phase)
               for instrument, phase in PHASES.items()}
    due = []
    for enrolment in enrolments:
        if enrolment.pk in reminded:
            continue
        shortfalls = []
        for instrument, (window, general, own) in windows.items():
            if window is None or general is None or (
                    today - window.opens_on).days + 1 < RECENT_DAYS:
                continue
            closes_on = own.get(enrolment.agency_id, general)
            minimum = minimum_sample(framework, enrolment, instrument)
            release = released.get((enrolment.pk, instrument))
            count = release.count if release is not None else 0
            if today > closes_on or minimum is None or count >= minimum:
                continue
            as_of = min(today, _day_of(release, today))
            forecast = forecast_at_close(count, _recent(release, as_of), window.opens_on,
                                         closes_on, as_of)
            if forecast < minimum:
                shortfalls.append(Shortfall(instrument, count, minimum, forecast, closes_on))
        if shortfalls:
            due.append(Due(enrolment, shortfalls))
    return due


def _day_of(release: ProvisionalRelease | None, today: dt.date) -> dt.date:
    return timezone.localdate(release.released_at) if release is not None else today


def _recent(release: ProvisionalRelease | None, as_of: dt.date) -> int:
    """Responses of the release's last RECENT_DAYS days (the pace it shows)."""
    if release is None:
        return 0
    return sum(n for day, n in releases.per_day_of(release)
               if (as_of - day).days < RECENT_DAYS)


@dataclass(frozen=True)
class Sent:
    agencies: int
    people: int
    failed: int  # agencies whose mail could not be sent; they stay due


def send_reminders(year: AssessmentYear, *, acting_user: Actor, site_url: str,
                   today: dt.date | None = None) -> Sent:
    """E-mail the admins and executives of every agency due a reminder.

    Each agency's reminder is its own change: it is claimed (a row, unique per agency and
    day) with its audit row in one transaction, and its mail leaves only once that has
    committed, so a daily run and NACC's button at the same time send it once. A mail that
    fails releases the claim (audited too), so it is not counted and the agency stays due.
    """
    require_unless_system(acting_user, "surveys.send_reminders")
    today = today or timezone.localdate()
    due = due_reminders(year, today=today)
    people = _recipients([d.enrolment.agency_id for d in due])
    agencies = recipients = failed = 0
    with translation.override(settings.LANGUAGE_CODE), get_connection() as mail:
        for item in due:
            to = people.get(item.enrolment.agency_id, [])
            claim = _claim(item, today, to, acting_user) if to else None
            if claim is None:
                continue
            try:
                mail.send_messages([_message(item, to, site_url)])
            except (OSError, smtplib.SMTPException) as error:
                log.warning("reminder to %s not sent", item.enrolment.agency.code,
                            exc_info=True)
                failed += 1
                try:
                    _release(claim, acting_user, error)
                except DatabaseError:  # the others are still reminded; this one waits a day
                    log.exception("the reminder claim of %s could not be released",
                                  item.enrolment.agency.code)
                continue
            agencies, recipients = agencies + 1, recipients + len(to)
    return Sent(agencies, recipients, failed)


def _claim(item: Due, today: dt.date, to: list[str], actor: Actor
           ) -> CollectionReminder | None:
    """Record that the agency is reminded today, with its audit row; None when another run
    has reminded it today already."""
    try:
        with transaction.atomic():
            claim = CollectionReminder.objects.create(
                enrolment=item.enrolment, sent_on=today, recipients=len(to),
                instruments=",".join(s.instrument for s in item.shortfalls))
            audit.record(AuditAction.REMIND, actor=actor, obj=item.enrolment, after={
                "on": today.isoformat(), "recipients": len(to),
                "shortfalls": {s.instrument: f"{s.count}/{s.minimum}"
                               for s in item.shortfalls}})
            return claim
    except IntegrityError:  # another run is reminding this agency today
        return None


@transaction.atomic
def _release(claim: CollectionReminder, actor: Actor, error: Exception) -> None:
    """The mail did not leave: the agency was not reminded after all."""
    audit.record(AuditAction.REMIND_FAILED, actor=actor, obj=claim.enrolment,
                 before={"on": claim.sent_on.isoformat()}, reason=type(error).__name__)
    claim.delete()


def _recipients(agency_ids: list[int]) -> dict[int, list[str]]:
    people: dict[int, list[str]] = defaultdict(list)
    for agency_id, email in (RoleGrant.objects.filter(
            agency_id__in=agency_ids, revoked_at__isnull=True, user__is_active=True,
            role__in=AGENCY_ROLES)
            .values_list("agency_id", "user__email").order_by("agency_id", "user__email")):
        if email not in people[agency_id]:
            people[agency_id].append(email)
    return people


def _message(item: Due, to: list[str], site_url: str) -> EmailMessage:
    code = link_for(item.enrolment).code
    base = site_url.rstrip("/")
    return templated_message("surveys/email/reminder.txt", {
        "agency": item.enrolment.agency, "shortfalls": item.shortfalls,
        "links": {i: base + reverse("surveys:start", args=[i.lower(), code])
                  for i in Instrument.values},
        "progress": base + reverse("agencies:surveys", args=[item.enrolment.agency_id])}, to)


def last_reminder(enrolment: Enrolment) -> CollectionReminder | None:
    return CollectionReminder.objects.filter(enrolment=enrolment).first()


def latest_sent(year: AssessmentYear) -> dt.date | None:
    return CollectionReminder.objects.filter(enrolment__year=year).aggregate(
        last=Max("sent_on"))["last"]
