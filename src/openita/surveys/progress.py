"""Collection progress of an agency: responses so far, the minimum sample, a forecast.

People outside NACC see the figures of the last release (``release.py``), NACC the live
ones with the state of the release.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from openita.calendars import services as calendar
from openita.calendars.models import Enrolment
from openita.frameworks.schema import Framework
from openita.scoring import fmt, survey_scores

from . import release as releases
from .models import Instrument, ProvisionalRelease, Response
from .services import PHASES


def minimum_sample(framework: Framework, enrolment: Enrolment, instrument: str) -> int | None:
    """The framework's minimum for this agency; None for IIT without a headcount yet."""
    if instrument == Instrument.IIT:
        policy, headcount = framework.samples.iit, enrolment.headcount
        if not headcount:
            return None
        if headcount < policy.everyone_below:
            return headcount
        wanted = max(policy.minimum, math.ceil(policy.fraction * headcount))
        if policy.maximum:
            wanted = min(wanted, policy.maximum)
        return min(wanted, headcount)
    agency = enrolment.agency
    for row in framework.samples.eit.rows:
        if agency.kind in row.kinds and row.size_class in (None, agency.size_class or None):
            return row.minimum
    return framework.samples.eit.default_minimum


PROVISIONAL_MIN_RESPONSES = releases.MIN_RESPONSES_FOR_SCORE


def may_see_provisional_scores(user, enrolment: Enrolment) -> bool:
    """NACC always; the agency's people and oversight only when the year's settings allow
    (and then only the released score, see ``sees_live_figures``)."""
    return enrolment.year.provisional_scores_visible or user.has_perm(
        "agencies.manage_registry")


def sees_live_figures(user) -> bool:
    """Only NACC admins see counts and scores as they stand; everyone else a release."""
    return bool(user.has_perm("surveys.view_live_progress"))


@dataclass(frozen=True)
class InstrumentProgress:
    instrument: str
    count: int
    minimum: int | None
    per_day: list[tuple[dt.date, int]]
    closes_on: dt.date | None
    forecast: int | None
    provisional: str | None = None  # the instrument score, already rounded for display
    # The release everyone outside NACC sees; for NACC's live figures, the state beside them.
    release: ProvisionalRelease | None = None
    live: bool = False
    next_release_after: dt.datetime | None = None

    @property
    def reached(self) -> bool:
        return self.minimum is not None and self.count >= self.minimum

    @property
    def at_risk(self) -> bool:
        return self.minimum is not None and not self.reached and (
            self.forecast is None or self.forecast < self.minimum)

    @property
    def per_day_bars(self) -> list[tuple[dt.date, int, int]]:
        """(day, responses, bar length in % of the busiest day), for the per-day chart."""
        busiest = max((n for _day, n in self.per_day), default=0)
        return [(day, n, max(1, round(100 * n / busiest))) for day, n in self.per_day]

    @property
    def percent(self) -> int:
        if not self.minimum:
            return 0
        return min(100, int(100 * self.count / self.minimum))


RECENT_DAYS = 7  # the pace is the average of the last week (or of the days open so far)


def forecast_at_close(count: int, recent: int, opens_on: dt.date, closes_on: dt.date,
                      today: dt.date) -> int:
    """Responses expected when the window closes if the recent pace goes on: ``recent``
    responses in the last RECENT_DAYS days (today included), or in the days it has been
    open when that is fewer."""
    days_open = max(1, min(RECENT_DAYS, (today - opens_on).days + 1))
    days_left = max(0, (closes_on - today).days + 1)
    return count + math.floor(recent / days_open * days_left)


def progress_of(enrolment: Enrolment, framework: Framework, instrument: str,
                *, with_scores: bool = False, live: bool = False,
                today: dt.date | None = None) -> InstrumentProgress:
    """The progress of one instrument: by default as last released (see ``release.py``),
    counted, charted and forecast as of the release's day; ``live`` (NACC only) as it
    stands now, with the release beside it."""
    release = releases.current_release(enrolment, instrument, framework=framework)
    status = calendar.phase_status(enrolment.year, PHASES[instrument], enrolment.agency)
    if live:
        today = today or timezone.localdate()
        counted = Response.objects.filter(enrolment=enrolment, instrument=instrument,
                                          excluded=False)
        per_day = list(counted.values_list("submitted_on").annotate(n=Count("id")).order_by(
            "submitted_on"))
        count = sum(n for _day, n in per_day)
        provisional = None
        if with_scores and count >= PROVISIONAL_MIN_RESPONSES:
            answers = list(counted.values_list("answers", flat=True))
            _indicators, score, _n = survey_scores(framework, instrument, answers)
            provisional = fmt(score)
    else:
        # Forecast from the release's own day: the pace is the one it shows.
        today = timezone.localdate(release.released_at)
        per_day = releases.per_day_of(release)
        count = release.count
        provisional = (f"{release.score:.2f}" if with_scores and release.score is not None
                       else None)
    forecast = None
    if status is not None:
        recent = sum(n for day, n in per_day if (today - day).days < RECENT_DAYS)
        forecast = forecast_at_close(count, recent, status.opens_on, status.closes_on, today)
    return InstrumentProgress(instrument, count, minimum_sample(framework, enrolment, instrument),
                              per_day, status.closes_on if status else None, forecast,
                              provisional, release=release, live=live,
                              next_release_after=releases.next_release_after(
                                  release, enrolment.year))
