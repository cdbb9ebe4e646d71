"""The list of agencies that filed an OIT clarification, which NACC publishes (ITAS
publishes it, and once had to re-issue it corrected): each publication is kept, the page
shows the latest with its date, and earlier ones stay listed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from openita.accounts.models import User
from openita.calendars.models import AssessmentYear
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.thaisort import thai_sorted

from . import services
from .models import Answer, AuditAction, ClarificationState, FilersList, Submission


def current_filers(year: AssessmentYear) -> list[dict[str, Any]]:
    """The agencies whose clarification is filed now, with the items they disputed."""
    submissions = Submission.objects.filter(
        enrolment__year=year, clarification=ClarificationState.FILED).select_related(
        "enrolment__agency__province")
    items: dict[int, list[str]] = {}
    for submission_id, code in Answer.objects.filter(
            submission__in=submissions, dispute__isnull=False).values_list(
            "submission_id", "item_code"):
        items.setdefault(submission_id, []).append(code)
    rows = []
    for s in submissions:
        agency = s.enrolment.agency
        rows.append({"code": agency.code, "name_th": agency.name_th, "name_en": agency.name_en,
                     "province_th": agency.province.name_th if agency.province else "",
                     "items": sorted(items.get(s.pk, []), key=services.natural_key)})
    return thai_sorted(rows, key=lambda r: r["name_th"])


def latest(year: AssessmentYear) -> FilersList | None:
    return year.oit_filers_lists.select_related("published_by").first()


def earlier(year: AssessmentYear) -> list[FilersList]:
    return list(year.oit_filers_lists.all()[1:])


@transaction.atomic
def publish(year: AssessmentYear, note: str, *, acting_user: User) -> FilersList:
    """NACC publishes (or re-issues) the list as it stands now."""
    require(acting_user, "disclosure.publish_filers")
    note = (note or "").strip()
    if len(note) > 2000:
        raise ActionRefused(_("The note may be at most %(n)d characters long.") % {"n": 2000})
    rows = current_filers(year)
    published = FilersList.objects.create(year=year, published_by=acting_user,
                                          agencies=rows, note=note)
    audit.record(AuditAction.FILERS_PUBLISH, actor=acting_user, obj=year,
                 after={"agencies": len(rows), "fiscal_year": year.fiscal_year})
    return published


def table(published: FilersList) -> tuple[list[str], list[list[str]]]:
    headers = [str(_("Agency code")), str(_("Agency")), str(_("Province")),
               str(_("Items disputed"))]
    rows = [[r["code"], r["name_th"], r["province_th"], ", ".join(r["items"])]
            for r in published.agencies]
    return headers, rows
