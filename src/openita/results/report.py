"""An agency's report of one assessed year: total and rating, the three instruments, the
ten indicators against the average of its type and its previous year, the OIT item by item
with the consultants' comments, what to improve, and charts — the same content as a web
page and as a Thai PDF of print quality.

Only the final or imported result of a year is reported (the scoring engine computed it);
who may read it is decided by the views through ``results.view_report``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openita.agencies.models import Agency
from openita.agencies.services import visible_agencies
from openita.calendars.models import AssessmentYear
from openita.core.pdf import font_uris, write_pdf
from openita.core.thaidates import thai_long_date
from openita.core.vocabulary import AgencyKind
from openita.disclosure.models import Answer, Decision
from openita.frameworks.schema import Framework

from . import charts, portal
from .models import AgencyResult

LOWEST = 3  # the weakest indicators are those under the pass mark and the lowest three


@dataclass(frozen=True)
class Line:
    """One instrument or indicator: the agency's score beside its comparisons."""

    code: str
    name: str
    score: Decimal | None
    average: Decimal | None
    previous: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.score is None or self.previous is None:
            return None
        return self.score - self.previous


@dataclass(frozen=True)
class ItemLine:
    code: str
    title: str
    passed: bool | None
    comment: str  # the consultant's comment on the final decision
    clarification: str  # the consultant's reply to the agency's clarification, if any


@dataclass(frozen=True)
class Report:
    agency: Agency
    year: AssessmentYear
    framework: Framework
    kind: str
    published: bool
    total: Decimal
    rating: str
    passes: bool
    pass_mark: Decimal
    instruments: list[Line]
    indicators: list[Line]
    items: list[ItemLine]
    history: list[portal.AgencyYear]
    made_on: dt.date
    charts: dict[str, charts.Chart] = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return str(AgencyKind(self.agency.kind).label)

    @property
    def weakest(self) -> list[Line]:
        """Indicators to work on first: every one under the pass mark, and the lowest
        three whatever their score, weakest first."""
        scored = sorted((i for i in self.indicators if i.score is not None),
                        key=lambda i: (i.score, i.code))
        return [i for n, i in enumerate(scored)
                if n < LOWEST or (i.score is not None and i.score < self.pass_mark)]

    @property
    def failed_items(self) -> list[ItemLine]:
        return [i for i in self.items if i.passed is False]


def result_of(year: AssessmentYear, agency: Agency) -> AgencyResult | None:
    """The final or imported result of the agency's year, published or not."""
    return AgencyResult.objects.filter(
        year=year, agency=agency, kind__in=portal.PUBLIC_KINDS, total__isnull=False).first()


def available(user: Any) -> QuerySet[AgencyResult]:
    """The published final or imported results of the agencies ``user`` sees: the reports
    they may read."""
    return AgencyResult.objects.filter(
        kind__in=portal.PUBLIC_KINDS, total__isnull=False, year__publication__isnull=False,
        agency__in=visible_agencies(user)).select_related("agency__province", "year").only(
        "total", "rating", "year__fiscal_year", "agency__code", "agency__name_th",
        "agency__province__name_th").order_by("-year__fiscal_year", "agency__code")


def build(year: AssessmentYear, agency: Agency, *, language: str = "th") -> Report | None:
    """The report of ``agency`` in ``year``; None when the year has no final result."""
    result = result_of(year, agency)
    if result is None or result.total is None:
        return None
    framework = portal.framework_of(year)
    published = hasattr(year, "publication")
    averages = _type_averages(year, agency, published)
    previous = _previous(year, agency)
    name = "name_th" if language == "th" else "name_en"
    instruments = [Line(i.code, getattr(i, name), _dec(result.instruments.get(i.code)),
                        averages.get(i.code),
                        _dec(previous.instruments.get(i.code)) if previous else None)
                   for i in framework.instruments]
    indicators = [Line(i.number, getattr(i, name), _dec(result.indicators.get(i.number)),
                       averages.get(i.number),
                       _dec(previous.indicators.get(i.number)) if previous else None)
                  for i in framework.indicators]
    rules = {r.code: r for r in framework.rating}
    rule = rules.get(result.rating)
    report = Report(
        agency=agency, year=year, framework=framework, kind=result.kind, published=published,
        total=result.total,
        rating=(rule.label_th if language == "th" else rule.label_en) if rule else result.rating,
        passes=bool(rule and rule.passes), pass_mark=portal._pass_mark(framework),
        instruments=instruments, indicators=indicators,
        items=_items(year, agency, framework, language),
        history=[h for h in portal.history(agency, language)
                 if h.fiscal_year <= year.fiscal_year],
        made_on=timezone.localdate())
    report.charts.update(_charts(report, previous is not None))
    return report


def _dec(value: object) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _type_averages(year: AssessmentYear, agency: Agency, published: bool
                   ) -> dict[str, Decimal | None]:
    if published:
        return portal.group_averages(year, agency)
    # Before publication (NACC's preview) the same average over the year's final results.
    sums: dict[str, list[Decimal]] = {}
    rows: QuerySet[AgencyResult] = AgencyResult.objects.filter(
        year=year, kind__in=portal.PUBLIC_KINDS, total__isnull=False, agency__kind=agency.kind)
    for indicators, instruments in rows.values_list("indicators", "instruments"):
        for key, value in {**indicators, **instruments}.items():
            sums.setdefault(key, []).append(Decimal(value))
    return {key: portal._mean(values) for key, values in sums.items()}


def _previous(year: AssessmentYear, agency: Agency) -> AgencyResult | None:
    """The agency's result of the latest published year before ``year``."""
    return AgencyResult.objects.filter(
        agency=agency, kind__in=portal.PUBLIC_KINDS, total__isnull=False,
        year__publication__isnull=False, year__fiscal_year__lt=year.fiscal_year,
    ).order_by("-year__fiscal_year").first()


def failed_items_of(year: AssessmentYear, agency: Agency, *, language: str = "th"
                    ) -> list[ItemLine]:
    """The OIT items the agency failed in ``year``, as its report lists them."""
    return [i for i in _items(year, agency, portal.framework_of(year), language)
            if i.passed is False]


def _items(year: AssessmentYear, agency: Agency, framework: Framework,
           language: str) -> list[ItemLine]:
    """The OIT items of the framework in its order, with the final decision of each and
    the comment that went with it (an imported year has none)."""
    answers = {a.item_code: a for a in Answer.objects.filter(
        submission__enrolment__year=year, submission__enrolment__agency=agency,
    ).select_related("dispute")}
    comments: dict[int, str] = {}
    for answer_id, comment in Decision.objects.filter(
            answer__in=[a.pk for a in answers.values()]).order_by(
            "made_at", "id").values_list("answer_id", "comment"):
        comments[answer_id] = comment  # the latest decision's comment stays
    if not answers:
        return []
    title = "title_th" if language == "th" else "title_en"
    lines = []
    for item in framework.oit_items:
        answer = answers.get(item.code)
        dispute = getattr(answer, "dispute", None) if answer else None
        lines.append(ItemLine(
            item.code, getattr(item, title), answer.passed if answer else None,
            comments.get(answer.pk, "") if answer else "",
            dispute.reply if dispute is not None else ""))
    return lines


def _charts(report: Report, has_previous: bool) -> dict[str, charts.Chart]:
    agency_series = _("This agency")
    average = _("Average of %(kind)s") % {"kind": report.kind_label}
    previous = _("Previous year")
    indicator_series = [
        charts.Series(agency_series, [i.score for i in report.indicators]),
        charts.Series(average, [i.average for i in report.indicators])]
    instrument_series = [
        charts.Series(agency_series, [i.score for i in report.instruments]),
        charts.Series(average, [i.average for i in report.instruments])]
    if has_previous:
        indicator_series.append(charts.Series(previous, [i.previous for i in report.indicators]))
        instrument_series.append(
            charts.Series(previous, [i.previous for i in report.instruments]))
    found = {
        "indicators": charts.bars(
            [f"{i.code}. {i.name}" for i in report.indicators], indicator_series,
            alt=_("Bar chart of the ten indicators of %(agency)s beside the average of "
                  "its type%(previous)s; the table below gives the same numbers.") % {
                "agency": report.agency.name_th,
                "previous": _(" and its previous year") if has_previous else ""}),
        "instruments": charts.bars(
            [i.name for i in report.instruments], instrument_series,
            alt=_("Bar chart of the three instruments of %(agency)s; the table below "
                  "gives the same numbers.") % {"agency": report.agency.name_th}),
    }
    past = list(reversed(report.history))
    if len(past) > 1:
        found["history"] = charts.history(
            [h.fiscal_year for h in past], [h.total for h in past],
            alt=_("Line chart of the total of %(agency)s in every published year; the "
                  "table below gives the same numbers.") % {"agency": report.agency.name_th})
    return found


def render_pdf(report: Report, *, thai_digits: bool = False) -> bytes:
    return write_pdf(render_html(report, thai_digits=thai_digits))


def render_html(report: Report, *, thai_digits: bool = False) -> str:
    """The HTML WeasyPrint prints (tests read it beside the PDF's text)."""
    with translation.override("th"):  # an official Thai document whatever the interface
        return render_to_string("results/report_pdf.html", {
            "r": report, "thai": thai_digits, "fonts": font_uris(),
            "made_on": thai_long_date(report.made_on, thai_digits),
            "page_counter": "thai" if thai_digits else "decimal"})


def filename_of(report: Report) -> str:
    return f"ita-report-{report.agency.code}-{report.year.fiscal_year}.pdf"
