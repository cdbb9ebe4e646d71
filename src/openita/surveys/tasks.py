"""Background work of the surveys on Celery: keeping the answer counts up to date."""

from __future__ import annotations

from openita.calendars import services as calendar
from openita.celery import app

from . import tallies


@app.task(name="openita.surveys.refresh_tallies", acks_late=True)
def refresh_tallies() -> int:
    """Count the current year's enrolments whose responses changed since their last count
    (on the schedule, during collection and after: a computation then counts little).
    Idempotent: a count interrupted halfway is made again on the next run."""
    year = calendar.current_year()
    return tallies.refresh(year.pk) if year is not None else 0
