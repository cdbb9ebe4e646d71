"""Collection figures released in batches, so that no view can be differenced to one answer.

An agency that sees its IIT count and score before and after one person answers learns
that person's score (n′·S′ − n·S), and from the count alone, when they answered. So
everyone outside NACC (the agency's people, oversight, consultants) sees a *release*: the
count, the responses per day, the provisional score and the state of the access codes as
they were at one moment, kept in ``ProvisionalRelease``. A new release replaces it only
when both hold:

- at least the year's ``release_interval_hours`` (default 24) have passed since the last;
- at least the year's ``release_batch`` (default 10, never fewer) responses have *arrived*
  since the last (excluded ones too: an exclusion alone never makes a release).

Two figures of an agency then differ by at least a batch of answers, never by one. A score
is released only for an instrument with at least ``MIN_RESPONSES_FOR_SCORE`` counted
responses. NACC admins see the live figures and the state of the release.

Releases are made lazily, on read: the agency's survey page asks ``current_release``, and
the first reading after the interval with enough new answers makes the next release. The
daily ``openita release-figures`` command (run it with ``remind-collection``) and the
reminder run release every agency that is due, so that oversight's overview, which only
reads releases, stays at most a day behind. Two readers cannot both release: the first
release of an agency-instrument is an INSERT under a unique constraint, each later one an
UPDATE guarded by the release number it replaces (compare and swap), so the second reader
finds the number moved and reads the first one's release instead.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from openita.calendars.models import AssessmentYear, Enrolment, EnrolmentState
from openita.frameworks import services as frameworks
from openita.frameworks.schema import Framework
from openita.scoring import fmt, survey_scores

from .models import AccessCode, Instrument, ProvisionalRelease, Response, SurveyLink

# Below this many responses a score moves visibly with each answer, and an agency that
# knows who answered could read one person's answers from it.
MIN_RESPONSES_FOR_SCORE = 10


@dataclass(frozen=True)
class Policy:
    interval: dt.timedelta
    batch: int


def policy_of(year: AssessmentYear) -> Policy:
    return Policy(dt.timedelta(hours=year.release_interval_hours),
                  max(MIN_RESPONSES_FOR_SCORE, year.release_batch))


def next_release_after(release: ProvisionalRelease, year: AssessmentYear) -> dt.datetime:
    """The earliest moment the figures may move again (once a batch has arrived too)."""
    return release.released_at + policy_of(year).interval


def _due(release: ProvisionalRelease | None, arrived: int, policy: Policy,
         now: dt.datetime) -> bool:
    if release is None:
        return True
    return (now - release.released_at >= policy.interval
            and arrived - release.arrived >= policy.batch)


def current_release(enrolment: Enrolment, instrument: str, *, framework: Framework,
                    now: dt.datetime | None = None) -> ProvisionalRelease:
    """The figures of one instrument as people outside NACC see them, releasing anew
    first when the interval has passed and a batch of answers has arrived (the very first
    release is made at once)."""
    now = now or timezone.now()
    release = ProvisionalRelease.objects.filter(enrolment=enrolment,
                                                instrument=instrument).first()
    policy = policy_of(enrolment.year)
    if release is not None and now - release.released_at < policy.interval:
        return release  # the cheap case: no count is needed
    arrived = Response.objects.filter(enrolment=enrolment, instrument=instrument).count()
    if not _due(release, arrived, policy, now):
        assert release is not None
        return release
    return _release(enrolment, instrument, framework, release, now)


def releases_of_year(year: AssessmentYear, *, make_due: bool,
                     now: dt.datetime | None = None
                     ) -> dict[tuple[int, str], ProvisionalRelease]:
    """The current release of every registered agency-instrument of the year, keyed by
    (enrolment id, instrument); with ``make_due``, those that are due are released first
    (a few queries, plus the work of each release that is due)."""
    now = now or timezone.now()
    releases = {(r.enrolment_id, r.instrument): r
                for r in ProvisionalRelease.objects.filter(enrolment__year=year)}
    if not make_due or year.framework is None:
        return releases
    policy = policy_of(year)
    arrived = {(e, i): n for e, i, n in Response.objects.filter(enrolment__year=year)
               .values_list("enrolment_id", "instrument").annotate(n=Count("id"))}
    framework = frameworks.framework_of(year.framework)
    enrolments = Enrolment.objects.filter(year=year).exclude(
        state=EnrolmentState.NOT_REGISTERED).select_related("year")
    for enrolment in enrolments:
        for instrument in Instrument.values:
            key = (enrolment.pk, instrument)
            if _due(releases.get(key), arrived.get(key, 0), policy, now):
                releases[key] = _release(enrolment, instrument, framework,
                                         releases.get(key), now)
    return releases


def _release(enrolment: Enrolment, instrument: str, framework: Framework,
             previous: ProvisionalRelease | None, now: dt.datetime) -> ProvisionalRelease:
    """Take the figures now and put them in place of ``previous``, unless another reader
    released meanwhile (then that release is returned)."""
    with transaction.atomic():
        # Read under the link's lock: issuing codes takes it too, so the issued total and
        # the unspent codes belong to the same moment.
        link = (SurveyLink.objects.select_for_update().filter(enrolment=enrolment).first()
                if instrument == Instrument.IIT else None)
        rows = list(Response.objects.filter(enrolment=enrolment, instrument=instrument)
                    .values_list("submitted_on", "excluded", "answers"))
        unspent = (AccessCode.objects.filter(enrolment=enrolment).count()
                   if link is not None else 0)
    counted = [(day, answers) for day, excluded, answers in rows if not excluded]
    per_day = sorted(Counter(day for day, _answers in counted).items())
    score = None
    if len(counted) >= MIN_RESPONSES_FOR_SCORE:
        _indicators, value, _n = survey_scores(framework, instrument,
                                               [answers for _day, answers in counted])
        score = Decimal(fmt(value))
    issued = link.codes_issued if link is not None else 0
    figures = {
        "arrived": len(rows), "count": len(counted), "score": score, "released_at": now,
        "per_day": [[day.isoformat(), n] for day, n in per_day],
        "codes_issued": issued if instrument == Instrument.IIT else None,
        "codes_spent": max(0, issued - unspent) if instrument == Instrument.IIT else None,
    }
    if previous is None:
        try:
            with transaction.atomic():
                return ProvisionalRelease.objects.create(
                    enrolment=enrolment, instrument=instrument, number=1, **figures)
        except IntegrityError:  # another reader made the first release
            return ProvisionalRelease.objects.get(enrolment=enrolment, instrument=instrument)
    ProvisionalRelease.objects.filter(pk=previous.pk, number=previous.number).update(
        number=previous.number + 1, **figures)
    # Ours, or the one of a reader who replaced the same release first.
    return ProvisionalRelease.objects.get(pk=previous.pk)


def per_day_of(release: ProvisionalRelease) -> list[tuple[dt.date, int]]:
    return [(dt.date.fromisoformat(day), n) for day, n in release.per_day]
