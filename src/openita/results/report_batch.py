"""Many agency reports at once — every agency of a province, a ministry, or the country —
printed by a pool of worker processes (WeasyPrint is Python: one process prints one PDF at
a time, so a pool of one process per core is what makes a province's reports fast). For
``openita reports``, which NACC and provincial offices run to print or mail a batch."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.db import connections

from openita.agencies.models import Agency
from openita.calendars.models import AssessmentYear

from . import report as reports


@dataclass(frozen=True)
class Printed:
    agency: str
    path: Path | None  # None: the agency has no final result that year, or it failed
    seconds: float
    error: str = ""  # why it could not be printed (the others are printed all the same)


def print_reports(year: AssessmentYear, agencies: list[Agency], folder: Path, *,
                  workers: int = 0, thai_digits: bool = False) -> Iterator[Printed]:
    """Write ``ita-report-<code>-<year>.pdf`` of each agency into ``folder``, as each is
    done. ``workers``: processes (0: one per core); 1 prints here, without a pool."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(year.pk, agency.pk, str(folder), thai_digits) for agency in agencies]
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(jobs) == 1:
        yield from map(_print_one, jobs)
        return
    # The children are forked: each must open its own database connections, never use
    # the parent's sockets, so the parent closes its own before the fork.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(_print_one, jobs, chunksize=4)


def _print_one(job: tuple[int, int, str, bool]) -> Printed:
    import time

    year_id, agency_id, folder, thai_digits = job
    started = time.perf_counter()
    agency = Agency.objects.select_related("province").get(pk=agency_id)
    try:
        year = AssessmentYear.objects.select_related("framework").get(pk=year_id)
        report = reports.build(year, agency)
        if report is None:
            return Printed(agency.code, None, time.perf_counter() - started)
        path = Path(folder) / reports.filename_of(report)
        pdf = reports.render_pdf(report, thai_digits=thai_digits)
        # Written whole under a name of its own, then renamed: a killed print, or two
        # batches into one folder, never leave half a file under the report's name.
        handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{path.stem}-",
                                           suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(pdf)
            os.replace(partial, path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    except Exception as error:  # one agency's failure stops no other
        return Printed(agency.code, None, time.perf_counter() - started, repr(error)[:500])
    return Printed(agency.code, path, time.perf_counter() - started)
