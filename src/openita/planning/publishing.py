"""Publishing a planning document on its stable public page, ``/a/<agency>/<year>/<kind>/``.

What is published is a copy of the document as it stood (``PublishedDocument.content``):
the draft may change afterwards without changing what the agency cited as OIT evidence.
Each publication is a new version; earlier ones stay at ``…/<kind>/v<n>/``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from openita.accounts.duties import refuse_if_inactive
from openita.agencies.models import Agency
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require

from . import documents
from .models import (
    ActionPlan,
    Analysis,
    AuditAction,
    DocumentKind,
    MeasureSet,
    PlanStep,
    ProgressReport,
    PublishedDocument,
    Stage,
)

_PERIODS: dict[str, int] = {DocumentKind.PROGRESS_6: 6, DocumentKind.PROGRESS_12: 12}


def draft_of(agency: Any, fiscal_year: int, kind: str) -> dict | None:
    """The document as it stands now, or None when the agency has not made it."""
    if kind == DocumentKind.ANALYSIS:
        analysis = Analysis.objects.filter(agency=agency, analysed_year=fiscal_year - 1
                                           ).select_related("agency__province").first()
        return documents.analysis_document(analysis, fiscal_year) if analysis else None
    if kind == DocumentKind.MEASURES:
        found = MeasureSet.objects.filter(agency=agency, fiscal_year=fiscal_year
                                          ).select_related("agency__province").first()
        return documents.measures_document(found) if found else None
    if kind == DocumentKind.PLAN:
        plan = ActionPlan.objects.filter(agency=agency, fiscal_year=fiscal_year
                                         ).select_related("agency__province").first()
        return documents.plan_document(plan) if plan else None
    if kind in _PERIODS:
        report = ProgressReport.objects.filter(
            measure_set__agency=agency, measure_set__fiscal_year=fiscal_year,
            period=_PERIODS[kind]).select_related("measure_set__agency__province",
                                                  "approved_by").first()
        return documents.progress_document(report) if report else None
    raise ValueError(kind)


def _require_ready(agency: Any, fiscal_year: int, kind: str) -> None:
    """What may be published: approved measures, acknowledged reports, a plan with steps."""
    if kind == DocumentKind.MEASURES and not MeasureSet.objects.filter(
            agency=agency, fiscal_year=fiscal_year, stage=Stage.APPROVED).exists():
        raise ActionRefused(_("Measures are published once the executive has approved them."))
    if kind in _PERIODS and not ProgressReport.objects.filter(
            measure_set__agency=agency, measure_set__fiscal_year=fiscal_year,
            period=_PERIODS[kind], stage=Stage.APPROVED).exists():
        raise ActionRefused(_("A progress report is published once the executive has "
                              "acknowledged it."))
    if kind == DocumentKind.PLAN and not PlanStep.objects.filter(
            phase__plan__agency=agency, phase__plan__fiscal_year=fiscal_year).exists():
        raise ActionRefused(_("Add the plan's steps before publishing it."))


@transaction.atomic
def publish(agency: Any, fiscal_year: int, kind: str, *, acting_user: Any
            ) -> PublishedDocument:
    """Publish the document as it stands, as the next version (admin or executive)."""
    if kind not in DocumentKind.values:
        raise ActionRefused(_("There is no such document."))
    agency = Agency.objects.select_for_update(of=("self",)).select_related("province").get(
        pk=agency.pk)
    refuse_if_inactive(acting_user, agency)
    require(acting_user, "planning.publish", agency)
    _require_ready(agency, fiscal_year, kind)
    content = draft_of(agency, fiscal_year, kind)
    if content is None:
        raise ActionRefused(_("There is nothing to publish yet."))
    last = PublishedDocument.objects.filter(agency=agency, fiscal_year=fiscal_year,
                                            kind=kind).aggregate(v=Max("version"))["v"]
    published = PublishedDocument.objects.create(
        agency=agency, fiscal_year=fiscal_year, kind=kind, version=(last or 0) + 1,
        content=content, published_at=timezone.now(), published_by=acting_user)
    audit.record(AuditAction.PUBLISH, actor=acting_user, obj=published,
                 after={"agency": agency.code, "fiscal_year": fiscal_year, "kind": kind,
                        "version": published.version})
    return published


def versions_of(agency: Any, fiscal_year: int, kind: str) -> list[PublishedDocument]:
    """Every published version, newest first (without their content)."""
    return list(PublishedDocument.objects.filter(
        agency=agency, fiscal_year=fiscal_year, kind=kind).defer("content")
        .select_related("published_by"))
