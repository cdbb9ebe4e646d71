"""NACC's award categories of a year and who is in each: the top agencies of each agency
type, or every agency at or above a total. Membership follows from the year's final (or
imported) results by the category's rule; nobody picks a winner by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openita.calendars.models import AssessmentYear
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.pdf import font_uris, write_pdf
from openita.core.permissions import require
from openita.core.thaidates import thai_long_date
from openita.core.thaisort import thai_sorted
from openita.core.vocabulary import AgencyKind

from . import portal
from .models import AgencyResult, AuditAction, AwardCategory, AwardRule


@dataclass(frozen=True)
class Winner:
    rank: int  # within its agency type, 1 the highest total (ties share a rank)
    code: str
    name: str
    kind: str
    province: str
    total: Decimal
    rating: str


@transaction.atomic
def define(year: AssessmentYear, *, name_th: str, name_en: str, rule: str,
           top: int | None, min_total: Decimal | None, kinds: list[str],
           acting_user: Any) -> AwardCategory:
    require(acting_user, "results.awards")
    if rule == AwardRule.TOP_PER_KIND and not top:
        raise ActionRefused(_("Say how many agencies of each type are in."), field="top")
    if rule == AwardRule.MIN_TOTAL and min_total is None:
        raise ActionRefused(_("Give the lowest total that is in."), field="min_total")
    if AwardCategory.objects.filter(year=year, name_th=name_th).exists():
        raise ActionRefused(_("This year already has a category of that name."),
                            field="name_th")
    category = AwardCategory.objects.create(
        year=year, name_th=name_th, name_en=name_en, rule=rule,
        top=top if rule == AwardRule.TOP_PER_KIND else None,
        min_total=min_total if rule == AwardRule.MIN_TOTAL else None,
        kinds=sorted(kinds), created_by=acting_user)
    audit.record(AuditAction.AWARD_DEFINE, actor=acting_user, obj=category, after={
        "fiscal_year": year.fiscal_year, "name": name_th, "rule": rule, "top": category.top,
        "min_total": str(min_total) if category.min_total is not None else None,
        "kinds": category.kinds})
    return category


@transaction.atomic
def remove(category: AwardCategory, *, acting_user: Any) -> None:
    require(acting_user, "results.awards")
    audit.record(AuditAction.AWARD_REMOVE, actor=acting_user, obj=category, before={
        "fiscal_year": category.year.fiscal_year, "name": category.name_th,
        "rule": category.rule})
    category.delete()


def winners(category: AwardCategory) -> list[Winner]:
    """The agencies in the category, by agency type (in Thai order) and rank."""
    framework = portal.framework_of(category.year)
    labels = {r.code: r.label_th for r in framework.rating}
    results = AgencyResult.objects.filter(
        year=category.year, kind__in=portal.PUBLIC_KINDS, total__isnull=False,
        agency__active=True).select_related("agency__province").only(
        "total", "rating", "agency__code", "agency__name_th", "agency__kind",
        "agency__province__name_th")
    if category.kinds:
        results = results.filter(agency__kind__in=category.kinds)
    if category.rule == AwardRule.MIN_TOTAL:
        results = results.filter(total__gte=category.min_total)
    by_kind: dict[str, list[AgencyResult]] = {}
    for r in results:
        by_kind.setdefault(r.agency.kind, []).append(r)
    found = []
    for kind in thai_sorted(by_kind, key=lambda k: str(AgencyKind(k).label)):
        ranked = sorted(by_kind[kind], key=lambda r: (-(r.total or 0), r.agency.code))
        rank = 0
        for n, r in enumerate(ranked, start=1):
            if rank == 0 or r.total != ranked[n - 2].total:
                rank = n  # ties share the rank of the first of them
            if category.rule == AwardRule.TOP_PER_KIND and rank > (category.top or 0):
                break
            assert r.total is not None
            found.append(Winner(rank, r.agency.code, r.agency.name_th,
                                str(AgencyKind(kind).label),
                                r.agency.province.name_th if r.agency.province else "",
                                r.total, labels.get(r.rating, r.rating)))
    return found


def render_pdf(year: AssessmentYear, *, thai_digits: bool = False) -> bytes:
    """Every award list of the year in one Thai document."""
    with translation.override("th"):
        lists = [(c, winners(c)) for c in AwardCategory.objects.filter(year=year)]
        html = render_to_string("results/awards_pdf.html", {
            "year": year, "lists": lists, "thai": thai_digits, "fonts": font_uris(),
            "made_on": thai_long_date(timezone.localdate(), thai_digits),
            "page_counter": "thai" if thai_digits else "decimal"})
    return write_pdf(html)
