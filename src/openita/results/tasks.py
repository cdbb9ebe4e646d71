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
