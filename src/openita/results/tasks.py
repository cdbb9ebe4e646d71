"""Background work of the results on Celery: a computation run."""

from __future__ import annotations

from openita.celery import app

from . import computation


@app.task(name="openita.results.compute", acks_late=True, time_limit=3600,
          soft_time_limit=3300)
def compute(run_id: int) -> None:
    """Compute the run (idempotent: a run already done is left alone; one killed halfway
    is run again from the start, and unchanged results stay as they were)."""
    computation.execute(run_id)


@app.task(name="openita.results.write_open_data", acks_late=True, time_limit=3600,
          soft_time_limit=3300, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def write_open_data(year_id: int) -> int:
    """Write the open-data files of a published year (again: each replaces its old file
    once whole). How many files were written."""
    from openita.calendars.models import AssessmentYear

    from . import opendata

    year = AssessmentYear.objects.select_related("publication").get(pk=year_id)
    return len(opendata.write_files(year))
