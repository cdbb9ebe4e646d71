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
openita has ``results.csv`` alone (openita never had its answers). The files are written
once, by a worker, after the publication (``write_files``): they are the data of the
published results, from which those results are recomputed. Downloads read the written
file; until it is written (or if the storage has lost it) a download is made from the
database as it is asked. ``openita write-open-data FY`` writes them again, for NACC to
run after it excludes a response from a published year (one that names a person, say).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from openita.calendars.models import AssessmentYear, Enrolment
from openita.core.tables import safe_row
from openita.disclosure.models import Answer, ItemState
from openita.frameworks.schema import Framework
from openita.surveys.models import Response

from . import portal
from .models import OpenDataFile, ResultKind
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


FILES = ("results", "oit", "responses-iit", "responses-eit")


def lines_of(year: AssessmentYear, name: str) -> Iterator[str]:
    """The CSV text of one of the year's files, made from the database."""
    if name == "results":
        return results_csv(year)
    if name == "oit":
        return oit_csv(year)
    return responses_csv(year, name.removeprefix("responses-").upper())


def names_of(year: AssessmentYear) -> list[str]:
    """The files the year has (an imported year: its results alone)."""
    return list(FILES) if has_microdata(year) else ["results"]


def write_files(year: AssessmentYear) -> list[OpenDataFile]:
    """Write every file of a published year through the storage API, each replacing the
    one written before only once it is whole (a worker killed halfway leaves the old file,
    or none, and never half of one)."""
    if not hasattr(year, "publication"):
        return []  # nothing of an unpublished year is ever written where anyone reads
    written = []
    for name in names_of(year):
        with tempfile.TemporaryFile() as spool:
            rows = -1  # the header is not a row
            for line in lines_of(year, name):
                spool.write(line.encode("utf-8"))
                rows += line.count("\n")
            size = spool.tell()
            spool.seek(0)
            stored = default_storage.save(f"opendata/{year.fiscal_year}/ita-"
                                          f"{year.fiscal_year}-{name}.csv", File(spool))
        written.append(_replace(year, name, stored, max(rows, 0), size))
    return written


def _replace(year: AssessmentYear, name: str, stored: str, rows: int, size: int
             ) -> OpenDataFile:
    with transaction.atomic():
        old = OpenDataFile.objects.select_for_update().filter(year=year, name=name).first()
        kept = OpenDataFile(year=year, name=name, file=stored, rows=rows, size=size,
                            written_at=timezone.now())
        if old is not None:
            kept.pk = old.pk
            previous = str(old.file.name)
            transaction.on_commit(lambda: default_storage.delete(previous))
        kept.save()
    return kept


def download(year: AssessmentYear, name: str) -> HttpResponse | StreamingHttpResponse:
    """The file as a download: the one written after publication, else made now."""
    filename = f"ita-{year.fiscal_year}-{name}.csv"
    written = OpenDataFile.objects.filter(year=year, name=name).first()
    if written is not None:
        try:
            opened = written.file.open("rb")
        except OSError:  # the storage lost it, or it was just replaced: make it now
            pass
        else:
            return FileResponse(opened, as_attachment=True, filename=filename,
                                content_type="text/csv; charset=utf-8")
    response = StreamingHttpResponse(lines_of(year, name),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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
