"""Importing the published results of years before openita, from CSV or XLSX.

One row per agency and year: the agency's code, the fiscal year, the framework the year
was assessed by, either the ten indicator scores or the three instrument scores, and the
published total and rating. The scoring engine computes the total and the rating again
from the scores; a row whose published total differs from it by more than rounding (0.01)
is refused, and says by how much. All or nothing: every row is checked first, and only a
file without any problem is written, in one transaction, with its audit row. The years it
brings in are published: history, reports and planning use them like any other year.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openita.accounts.models import User
from openita.agencies.models import Agency
from openita.calendars.models import AssessmentYear, YearStatus
from openita.core import audit, uploads
from openita.core.permissions import require
from openita.core.uploads import RowProblem
from openita.frameworks import loader
from openita.frameworks import services as frameworks
from openita.frameworks.models import FrameworkVersion
from openita.frameworks.schema import Framework
from openita.scoring import InvalidInput, fmt, round2, score, score_instruments

from . import portal
from .models import AgencyResult, AuditAction, Publication, ResultKind

INSTRUMENT_COLUMNS = ["iit", "eit", "oit"]
INDICATOR_COLUMNS = [f"indicator_{n}" for n in range(1, 11)]
# Read for people, ignored by the import: the open-data file of results carries them.
DESCRIPTIVE_COLUMNS = ["agency_name_th", "agency_type", "province_code"]
COLUMNS = ["agency_code", "fiscal_year", "framework", *INSTRUMENT_COLUMNS,
           *INDICATOR_COLUMNS, "total", "rating", *DESCRIPTIVE_COLUMNS]
REQUIRED = {"agency_code", "fiscal_year", "framework", "total"}
ROUNDING = Fraction(1, 100)
ENGINE_WORDS = {
    "the rating needs this indicator's score": gettext_lazy(
        "The rating of this year's framework needs the indicator scores, not only the "
        "three instrument scores."),
    "missing indicator score": gettext_lazy("An indicator score is missing."),
}


@dataclass
class PastImport:
    rows: int = 0
    years: list[int] = field(default_factory=list)
    created: int = 0
    replaced: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Checked:
    row: int
    agency: Agency
    fiscal_year: int
    framework: Framework
    scores: dict[str, Any]


def import_past_results(name: str, data: bytes, *, acting_user: User) -> PastImport:
    """Check the whole file; write it only if every row is valid."""
    require(acting_user, "results.import_past")
    rows = uploads.read_table(name, data, columns=COLUMNS, required=REQUIRED)
    result = PastImport(rows=len(rows))
    checked = _check(rows, result.problems)
    if result.problems:
        return result
    with transaction.atomic():
        years = _years(checked, acting_user, result.problems)
        if result.problems:
            transaction.set_rollback(True)
            return result
        _write(checked, years, acting_user, result)
        portal.changed()
        audit.record(AuditAction.IMPORT_PAST, actor=acting_user,
                     object_type="results.agencyresult", object_id="*",
                     after={"file": uploads.shown(name, 200), "rows": result.rows,
                            "years": result.years, "created": result.created,
                            "replaced": result.replaced})
    return result


def _check(rows: list[dict[str, str]], problems: list[RowProblem]) -> list[_Checked]:
    codes = {r.get("agency_code", "").strip() for r in rows}
    agencies = Agency.objects.in_bulk([c for c in codes if c], field_name="code")
    seen: dict[tuple[str, int], int] = {}
    checked = []
    for index, row in enumerate(rows, start=2):  # row 1 is the header
        found = _check_row(index, row, agencies, problems)
        if found is None:
            continue
        key = (found.agency.code, found.fiscal_year)
        if key in seen:
            problems.append(RowProblem(index, "agency_code", _(
                "Agency %(code)s has a second row for %(year)s (the first is row %(row)s).")
                % {"code": key[0], "year": key[1], "row": seen[key]}))
            continue
        seen[key] = index
        checked.append(found)
    return checked


def _check_row(index: int, row: dict[str, str], agencies: dict[str, Agency],
               problems: list[RowProblem]) -> _Checked | None:
    before = len(problems)
    code = row.get("agency_code", "").strip()
    agency = agencies.get(code)
    if agency is None:
        problems.append(RowProblem(index, "agency_code", _(
            "No agency in the registry has the code “%(code)s”.") % {
            "code": uploads.shown(code)} if code else _("The agency code is missing.")))
    fiscal_year = _fiscal_year(index, row.get("fiscal_year", ""), problems)
    framework = _framework(index, row.get("framework", "").strip(), problems)
    if len(problems) > before or agency is None or fiscal_year is None or framework is None:
        return None
    scores = _scores(index, row, framework, problems)
    return None if scores is None else _Checked(index, agency, fiscal_year, framework, scores)


def _fiscal_year(index: int, text: str, problems: list[RowProblem]) -> int | None:
    current = timezone.localdate().year + 543
    if text.strip().isdigit() and 2550 <= int(text) <= current:
        return int(text)
    problems.append(RowProblem(index, "fiscal_year", _(
        "The fiscal year must be a Buddhist-Era year from 2550 to %(now)s, not “%(value)s”.")
        % {"now": current, "value": uploads.shown(text)}))
    return None


def _framework(index: int, code: str, problems: list[RowProblem]) -> Framework | None:
    try:
        stored = FrameworkVersion.objects.filter(code=code).first()
        return frameworks.framework_of(stored) if stored else loader.get(code)
    except loader.FrameworkError:
        known = ", ".join(sorted(loader.shipped()))
        problems.append(RowProblem(index, "framework", _(
            "No framework is called “%(code)s”. Known: %(known)s.") % {
            "code": uploads.shown(code), "known": known}))
        return None


def _number(index: int, column: str, text: str, problems: list[RowProblem]
            ) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not 0 <= value <= 100:
        problems.append(RowProblem(index, column, _(
            "A score is a number from 0 to 100, not “%(value)s”.") % {
            "value": uploads.shown(text)}))
        return None
    return value


def _scores(index: int, row: dict[str, str], framework: Framework,
            problems: list[RowProblem]) -> dict[str, Any] | None:
    """The stored fields of the row's result, computed by the engine from its scores."""
    before = len(problems)
    numbers = [i.number for i in framework.indicators]
    given_indicators = {n: row.get(f"indicator_{n}", "").strip() for n in numbers}
    given_instruments = {c: row.get(c.lower(), "").strip()
                         for c in (i.code for i in framework.instruments)}
    if all(given_indicators.values()):
        values = {n: _number(index, f"indicator_{n}", t, problems)
                  for n, t in given_indicators.items()}
        mode = "indicators"
    elif all(given_instruments.values()):
        values = {c: _number(index, c.lower(), t, problems)
                  for c, t in given_instruments.items()}
        mode = "instruments"
    else:
        problems.append(RowProblem(index, "indicator_1", _(
            "Give either the %(n)s indicator scores or the three instrument scores.")
            % {"n": len(numbers)}))
        return None
    total = _number(index, "total", row.get("total", "").strip(), problems)
    if len(problems) > before or total is None:
        return None
    try:
        if mode == "indicators":
            breakdown = score(framework, indicators=values)
            computed, instruments, weighted = (breakdown.total, breakdown.instruments,
                                               breakdown.weighted)
            indicators, rating = breakdown.indicators, breakdown.rating
        else:
            given = score_instruments(framework, values)
            computed, instruments, weighted = given.total, given.instruments, given.weighted
            indicators, rating = {}, given.rating
    except InvalidInput as error:  # the engine's words are English: say it in the page's
        problems.append(RowProblem(index, error.path.rsplit(".", 1)[-1], str(
            ENGINE_WORDS.get(error.message, _("The scores cannot be computed: %(why)s.")
                             % {"why": error.message}))))
        return None
    if abs(Fraction(total) - round2(computed)) > ROUNDING:
        problems.append(RowProblem(index, "total", _(
            "The published total %(given)s differs from %(computed)s, the total of the "
            "scores in this row, by more than rounding.") % {
            "given": total, "computed": fmt(computed)}))
        return None
    named = row.get("rating", "").strip()
    if named and named not in (rating.code, rating.label_th, rating.label_en):
        problems.append(RowProblem(index, "rating", _(
            "The rating “%(given)s” is not the one these scores give: %(computed)s.") % {
            "given": uploads.shown(named), "computed": rating.label_th}))
        return None
    two = {key: fmt(value) for key, value in indicators.items()}
    return {"indicators": two, "instruments": {k: fmt(v) for k, v in instruments.items()},
            "weighted": {k: fmt(v) for k, v in weighted.items()},
            "total": Decimal(fmt(computed)), "rating": rating.code}


def _years(checked: list[_Checked], acting_user: User, problems: list[RowProblem]
           ) -> dict[int, AssessmentYear]:
    """The years of the file, made (closed, with their framework) where they are new.
    Refused for a year openita assesses itself."""
    wanted: dict[int, Framework] = {}
    first_row: dict[int, int] = {}
    for row in checked:
        wanted.setdefault(row.fiscal_year, row.framework)
        first_row.setdefault(row.fiscal_year, row.row)
        if row.framework.id != wanted[row.fiscal_year].id:
            problems.append(RowProblem(row.row, "framework", _(
                "%(year)s is assessed by one framework: %(first)s in row %(row)s.") % {
                "year": row.fiscal_year, "first": wanted[row.fiscal_year].id,
                "row": first_row[row.fiscal_year]}))
    years = {y.fiscal_year: y for y in AssessmentYear.objects.select_for_update().filter(
        fiscal_year__in=wanted)}
    for fiscal_year, framework in wanted.items():
        year = years.get(fiscal_year)
        if year is not None and (year.status != YearStatus.CLOSED or AgencyResult.objects.filter(
                year=year, kind=ResultKind.FINAL).exists()):
            problems.append(RowProblem(first_row[fiscal_year], "fiscal_year", _(
                "%(year)s is assessed in openita itself; its results are computed, not "
                "imported.") % {"year": fiscal_year}))
        elif year is None:
            years[fiscal_year] = AssessmentYear.objects.create(
                fiscal_year=fiscal_year, status=YearStatus.CLOSED,
                title=_("FY %(year)s (results published before openita)") % {
                    "year": fiscal_year},
                framework=_version(framework, acting_user))
    return years


def _version(framework: Framework, acting_user: User) -> FrameworkVersion:
    stored = FrameworkVersion.objects.filter(code=framework.id).first()
    return stored or frameworks.load_shipped(framework.id, acting_user=acting_user)


def _write(checked: list[_Checked], years: dict[int, AssessmentYear], acting_user: User,
           result: PastImport) -> None:
    now = timezone.now()
    existing = {(r.year_id, r.agency_id): r for r in AgencyResult.objects.filter(
        kind=ResultKind.IMPORTED, year__in=years.values())}
    new, replaced = [], []
    for row in checked:
        year = years[row.fiscal_year]
        digest = hashlib.sha256(json.dumps(
            {"framework": row.framework.id, **row.scores}, sort_keys=True,
            default=str).encode()).hexdigest()
        found = AgencyResult(year=year, agency=row.agency, kind=ResultKind.IMPORTED,
                             framework=row.framework.id, inputs_digest=digest,
                             computed_at=now, **row.scores)
        old = existing.get((year.pk, row.agency.pk))
        if old is None:
            new.append(found)
        else:
            found.pk = old.pk
            replaced.append(found)
    AgencyResult.objects.bulk_create(new)
    AgencyResult.objects.bulk_update(replaced, [
        "framework", "inputs_digest", "indicators", "instruments", "weighted", "total",
        "rating", "computed_at"])
    for year in years.values():
        Publication.objects.get_or_create(year=year, defaults={
            "published_at": now, "published_by": acting_user})
    result.created, result.replaced = len(new), len(replaced)
    result.years = sorted(years)
