"""The surveys an agency collects now, for its public page: which of its IIT and EIT links
answer at this moment.

Kept for ``OPENITA_SURVEY_CACHE_SECONDS`` (as the respondent pages keep a link's windows),
never past the next midnight in Bangkok: a link leaves the public page the moment its
window closes at 24:00 (or an extension for the agency ends), when the respondent pages
themselves stop taking answers (``services.open_link``); a window NACC changes shows
within those seconds, as on the respondent pages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from openita.agencies.models import Agency
from openita.calendars import services as calendar

from . import services
from .models import Instrument, SurveyLink


@dataclass(frozen=True)
class OpenSurvey:
    instrument: str  # Instrument.IIT or Instrument.EIT
    slug: str  # "iit" or "eit", as in /go/<slug>/<code>/
    code: str  # the agency-year's link code
    phase: str  # the label of the collection phase
    closes_on: dt.date  # the last day, this agency's extensions included


def open_surveys(agency: Agency, now: dt.datetime | None = None) -> list[OpenSurvey]:
    """The agency's surveys whose collection window is open for it now, IIT first (only
    where the year asks each staff member for an access code); none unless the agency is
    active and registered in the open year (which has its framework)."""
    seconds = min(settings.OPENITA_SURVEY_CACHE_SECONDS, _to_midnight())
    if now is not None or seconds <= 0:
        return _open_surveys(agency, now)
    key = f"surveys:public:{agency.pk}"
    try:
        found = cache.get(key)
    except Exception:  # no cache: read them now
        return _open_surveys(agency, now)
    if found is None:
        found = _open_surveys(agency, now)
        try:
            cache.set(key, found, timeout=seconds)
        except Exception:
            pass
    return list(found)


def _to_midnight() -> int:
    """Whole seconds to the next 00:00 in Bangkok, when windows open and close."""
    now = timezone.localtime()
    midnight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                    microsecond=0)
    return int((midnight - now).total_seconds())


def _open_surveys(agency: Agency, now: dt.datetime | None) -> list[OpenSurvey]:
    if not agency.active:
        return []
    enrolment, _framework = services.collecting_enrolment(agency)
    if enrolment is None:
        return []
    statuses = {s.phase: s for s in calendar.calendar_of(enrolment.year, agency, now)}
    # The IIT is for the agency's own staff: in public only when each answer needs an
    # access code the agency hands to its staff, so that a public link invites no one else.
    instruments = ([Instrument.IIT] if enrolment.year.iit_requires_access_code else []
                   ) + [Instrument.EIT]
    found = [(instrument, status) for instrument in instruments
             if (status := statuses.get(services.PHASES[instrument])) is not None
             and status.is_open]
    # Only a link the agency has already given out (its surveys page makes it): a public
    # page never writes, whoever asks for it.
    link = SurveyLink.objects.filter(enrolment=enrolment).only("code").first() if found else None
    if link is None:
        return []
    return [OpenSurvey(str(instrument), str(instrument).lower(), link.code, status.label,
                       status.closes_on) for instrument, status in found]
