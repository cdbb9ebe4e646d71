"""The open data of a published year, as CSV files anyone may download, from which anyone
can recompute every published score with ``openita score``:

- ``results.csv``: each agency's published scores (the importer's columns, so another
  system can read them back in);
- ``oit.csv``: each agency's pass (1) or fail (0) of every OIT item;
- ``responses-<instrument>.csv``: the anonymous survey answers, one row per counted
  response: the agency's code and the answers only (no date, channel or respondent
  type), in an order that says nothing of when they came (rows sorted by their random
  identifiers), leaving out every agency with fewer than ``MIN_RESPONSES`` responses in
  that instrument, whose answers would be too few to hide one person among.

Only a year whose results are published has any of these; a year imported from before
openita has ``results.csv`` alone (openita never had its answers).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from openita.calendars.models import AssessmentYear, Enrolment
from openita.core.tables import safe_row
from openita.disclosure.models import Answer, ItemState
from openita.frameworks.schema import Framework
from openita.surveys.models import Response

from . import portal
from .models import ResultKind
from .past import COLUMNS

MIN_RESPONSES = 10
RESULT_COLUMNS = COLUMNS  # the importer's, its descriptive columns included


def _lines(rows: Iterator[list[Any]]) -> Iterator[str]:
    """CSV text, a row at a time (a file of a million rows is never held whole)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"  # the byte-order mark makes Excel read the Thai as UTF-8
    for row in rows:
        writer.writerow(safe_row(row))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def results_csv(year: AssessmentYear) -> Iterator[str]:
    framework = portal.framework_of(year)
    numbers = [str(n) for n in range(1, 11)]

    def rows() -> Iterator[list[Any]]:
        yield RESULT_COLUMNS
        for r in portal.published_results(year).select_related(
                "agency__province").order_by("agency__code").iterator(chunk_size=2000):
            yield [r.agency.code, year.fiscal_year, r.framework,
                   *[r.instruments.get(i.code, "") for i in framework.instruments],
                   *[r.indicators.get(n, "") for n in numbers], f"{r.total:.2f}", r.rating,
                   r.agency.name_th, r.agency.kind,
                   r.agency.province.code if r.agency.province else ""]
    return _lines(rows())


def _final_enrolments(year: AssessmentYear) -> dict[int, str]:
    """Enrolment id -> agency code, for the agencies with a published computed result."""
    agencies = portal.published_results(year).filter(kind=ResultKind.FINAL).values_list(
        "agency_id", flat=True)
    return dict(Enrolment.objects.filter(year=year, agency_id__in=agencies).values_list(
        "pk", "agency__code"))


def oit_csv(year: AssessmentYear) -> Iterator[str]:
    framework = portal.framework_of(year)
    codes = [item.code for item in framework.oit_items]
    enrolments = _final_enrolments(year)

    def rows() -> Iterator[list[Any]]:
        yield ["agency_code", *codes]
        decided: dict[str, dict[str, bool]] = {}
        for agency, code, passed in Answer.objects.filter(
                submission__enrolment_id__in=list(enrolments),
                submission__confirmed_at__isnull=False, state=ItemState.FINAL).values_list(
                "submission__enrolment_id", "item_code", "passed"):
            decided.setdefault(enrolments[agency], {})[code] = bool(passed)
        for agency_code in sorted(decided):
            items = decided[agency_code]
            yield [agency_code, *[("1" if items.get(c) else "0") for c in codes]]
    return _lines(rows())


def survey_cells(framework: Framework, instrument: str) -> list[str]:
    numbers = {i.number for i in framework.indicators_of(instrument)}
    return [key for q in framework.questions if q.indicator in numbers
            for key, _polarity in q.cells]


def responses_csv(year: AssessmentYear, instrument: str) -> Iterator[str]:
    framework = portal.framework_of(year)
    cells = survey_cells(framework, instrument)
    enrolments = _final_enrolments(year)
    counted = Response.objects.filter(enrolment_id__in=list(enrolments), instrument=instrument,
                                      excluded=False)
    enough = [e for e, n in counted.values_list("enrolment_id").annotate(
        n=Count("pk")).order_by() if n >= MIN_RESPONSES]

    def rows() -> Iterator[list[Any]]:
        yield ["agency_code", *cells]
        # Ordered by the random identifier: an order that says nothing of time or agency.
        for enrolment_id, answers in counted.filter(enrolment_id__in=enough).order_by(
                "pk").values_list("enrolment_id", "answers").iterator(chunk_size=5000):
            yield [enrolments[enrolment_id], *[answers.get(c, "") for c in cells]]
    return _lines(rows())


def has_microdata(year: AssessmentYear) -> bool:
    """Whether the year was computed by openita (an imported year has no answers)."""
    return portal.published_results(year).filter(kind=ResultKind.FINAL).exists()


@dataclass(frozen=True)
class Example:
    agency_code: str
    agency_name: str
    framework: str
    total: str
    rating: str
    iit: int
    eit: int


def worked_example(year: AssessmentYear) -> Example | None:
    """The first agency (by code) whose answers are in the files for both surveys."""
    enrolments = _final_enrolments(year)
    counts: dict[int, dict[str, int]] = {}
    for enrolment_id, instrument, n in Response.objects.filter(
            enrolment_id__in=list(enrolments), excluded=False).values_list(
            "enrolment_id", "instrument").annotate(n=Count("pk")).order_by():
        counts.setdefault(enrolment_id, {})[instrument] = n
    eligible = sorted(enrolments[e] for e, c in counts.items()
                      if c.get("IIT", 0) >= MIN_RESPONSES and c.get("EIT", 0) >= MIN_RESPONSES)
    if not eligible:
        return None
    result = portal.published_results(year).select_related("agency").get(
        agency__code=eligible[0])
    enrolment = next(e for e, code in enrolments.items() if code == eligible[0])
    return Example(eligible[0], result.agency.name_th, result.framework, f"{result.total:.2f}",
                   result.rating, counts[enrolment]["IIT"], counts[enrolment]["EIT"])
