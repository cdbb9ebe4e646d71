"""Publishing a year's results: one step by NACC, after a final computation. Before it
nothing of the year's results is public; after it the final results are, and a worker
writes the year's open-data files."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openita.accounts.models import User
from openita.calendars.models import AssessmentYear
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require

from . import portal
from .models import AgencyResult, AuditAction, ComputationRun, Publication, ResultKind, RunState


def is_published(year: AssessmentYear) -> bool:
    return Publication.objects.filter(year=year).exists()


@transaction.atomic
def publish(year: AssessmentYear, *, acting_user: User) -> Publication:
    """Make the year's final results public. Refused before a final computation has
    finished, while one is under way, and a second time."""
    require(acting_user, "results.publish")
    year = AssessmentYear.objects.select_for_update().get(pk=year.pk)
    if Publication.objects.filter(year=year).exists():
        raise ActionRefused(_("The results of this year are already published."))
    runs = ComputationRun.objects.filter(year=year)
    if runs.filter(state__in=[RunState.QUEUED, RunState.RUNNING]).exists():
        raise ActionRefused(_("A computation of this year is under way; publish once it "
                              "has finished."))
    last = runs.filter(kind=ResultKind.FINAL, state=RunState.DONE, agency__isnull=True
                       ).order_by("-finished_at").first()
    if last is None:
        raise ActionRefused(_("Compute the final results of every agency first."))
    count = AgencyResult.objects.filter(year=year, kind=ResultKind.FINAL).count()
    publication = Publication.objects.create(year=year, published_at=timezone.now(),
                                             published_by=acting_user, run=last)
    portal.changed()
    from .tasks import write_open_data

    transaction.on_commit(lambda: write_open_data.delay(year.pk))
    audit.record(AuditAction.PUBLISH, actor=acting_user, obj=publication,
                 after={"fiscal_year": year.fiscal_year, "agencies": count,
                        "run": last.pk, "not_scored": len(last.incomplete)})
    return publication
