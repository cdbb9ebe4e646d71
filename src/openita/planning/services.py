"""Improvement planning: every change checked, in one transaction with its audit row.

The analysis starts from last year's published result when openita has it (computed or
imported); otherwise the agency types in the scores it was given.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openita.accounts.duties import refuse_if_inactive
from openita.calendars.models import AssessmentYear
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.thaidates import fiscal_year_of
from openita.results import publication
from openita.results import report as reports

from .models import MAX_TEXT, Analysis, AuditAction, ScoreSource

# The ITA's pass mark when the analysed year's framework is not in openita.
DEFAULT_PASS_MARK = Decimal("85")
LOWEST = 3  # the weakest indicators always include the lowest three
INDICATORS = tuple(str(n) for n in range(1, 11))  # the ten indicators of every framework
_TEXTS = ("weaknesses", "topics", "practice", "meeting_attendees")


def weakest(indicators: dict[str, str | None], pass_mark: Decimal = DEFAULT_PASS_MARK
            ) -> list[str]:
    """The indicators to work on, weakest first: every one below the pass mark, and the
    lowest three in any case (a strong agency still has its weakest points)."""
    scored = sorted(((Decimal(v), k) for k, v in indicators.items() if v not in (None, "")),
                    key=lambda pair: (pair[0], int(pair[1])))
    return [k for rank, (v, k) in enumerate(scored) if v < pass_mark or rank < LOWEST]


def _fill_from_published(analysis: Analysis) -> None:
    """Copy in the analysed year's published result, when openita has one."""
    year = AssessmentYear.objects.filter(fiscal_year=analysis.analysed_year).first()
    if year is None or not publication.is_published(year):
        return
    result = reports.result_of(year, analysis.agency)
    if result is None:
        return
    analysis.source, analysis.framework = ScoreSource.OPENITA, result.framework
    analysis.indicators = {k: v for k, v in result.indicators.items() if v not in (None, "")}
    analysis.total, analysis.rating = result.total, result.rating
    analysis.failed_items = [[i.code, i.title]
                             for i in reports.failed_items_of(year, analysis.agency)]


@transaction.atomic
def start_analysis(agency: Any, analysed_year: int, *, acting_user: Any) -> Analysis:
    """The agency's analysis of ``analysed_year``, started now if it does not exist yet."""
    refuse_if_inactive(acting_user, agency)
    require(acting_user, "planning.edit", agency)
    existing = Analysis.objects.filter(agency=agency, analysed_year=analysed_year).first()
    if existing is not None:
        return existing
    if not 2500 <= analysed_year <= fiscal_year_of(timezone.localdate()):
        raise ActionRefused(_("The fiscal year must be a Buddhist-Era year that has begun."))
    analysis = Analysis(agency=agency, analysed_year=analysed_year, updated_by=acting_user,
                        source=ScoreSource.ENTERED)
    _fill_from_published(analysis)
    try:
        with transaction.atomic():
            analysis.save()
    except IntegrityError:  # another request started it a moment ago
        return Analysis.objects.get(agency=agency, analysed_year=analysed_year)
    audit.record(AuditAction.ANALYSIS_START, actor=acting_user, obj=analysis,
                 after={"source": analysis.source, "indicators": analysis.indicators})
    return analysis


def _scores(values: dict[str, str]) -> dict[str, str]:
    """Typed-in indicator scores as two-decimal texts; a blank is left out."""
    clean: dict[str, str] = {}
    for number, value in values.items():
        if number not in INDICATORS:
            raise ActionRefused(_("There is no indicator %(n)s.") % {"n": number})
        text = (value or "").strip().replace(",", ".")
        if not text:
            continue
        try:
            score = Decimal(text)
        except InvalidOperation:
            score = Decimal(-1)
        if not score.is_finite() or not 0 <= score <= 100 or score != round(score, 2):
            raise ActionRefused(_("The score of indicator %(n)s must be a number from 0 to "
                                  "100 with at most two decimals.") % {"n": number})
        clean[number] = f"{score:.2f}"
    return clean


@transaction.atomic
def save_analysis(analysis: Analysis, *, acting_user: Any, meeting_on: dt.date | None,
                  indicators: dict[str, str] | None = None, **texts: str) -> Analysis:
    """Save what the agency wrote; typed-in scores only when openita had none."""
    analysis = Analysis.objects.select_for_update().select_related("agency").get(
        pk=analysis.pk)
    refuse_if_inactive(acting_user, analysis.agency)
    require(acting_user, "planning.edit", analysis.agency)
    unknown = set(texts) - set(_TEXTS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    before = audit.snapshot(analysis, ["indicators", *_TEXTS, "meeting_on"])
    if indicators is not None:
        if analysis.source == ScoreSource.OPENITA:
            raise ActionRefused(_("The scores come from the published result and cannot be "
                                  "changed here."))
        analysis.indicators = _scores(indicators)
    for name, value in texts.items():
        value = (value or "").strip()
        if len(value) > MAX_TEXT:
            raise ActionRefused(_("A text may be at most %(n)d characters long.")
                                % {"n": MAX_TEXT})
        setattr(analysis, name, value)
    if meeting_on is not None and meeting_on > timezone.localdate():
        raise ActionRefused(_("The review meeting cannot be in the future."))
    analysis.meeting_on, analysis.updated_by = meeting_on, acting_user
    analysis.save()
    audit.record(AuditAction.ANALYSIS_SAVE, actor=acting_user, obj=analysis, before=before,
                 after=audit.snapshot(analysis, ["indicators", *_TEXTS, "meeting_on"]))
    return analysis
