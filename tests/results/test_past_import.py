"""NACC imports the results published before openita: the engine computes each total
again, a disagreeing row is refused with the difference, and nothing is saved from a file
with any bad row."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook

from openita.calendars.models import AssessmentYear, YearStatus
from openita.core.models import AuditEntry
from openita.core.uploads import ImportRejected
from openita.frameworks import loader
from openita.results.models import AgencyResult, Publication, ResultKind
from openita.results.past import COLUMNS, import_past_results
from openita.scoring import as_json, score

HEADER = ",".join(COLUMNS)
INDICATORS = {"1": "90.10", "2": "88.00", "3": "91.25", "4": "87.50", "5": "80.00",
              "6": "92.00", "7": "85.40", "8": "79.90", "9": "100", "10": "75.00"}


def published_total(indicators: dict[str, str]) -> str:
    exact = {k: Decimal(v) for k, v in indicators.items()}
    return as_json(score(loader.get("ita-2568"), indicators=exact))["total"]


def row(code: str, *, year: int = 2567, total: str | None = None, rating: str = "",
        indicators: dict[str, str] | None = None, instruments: tuple = ("", "", "")) -> str:
    values = indicators if indicators is not None else INDICATORS
    cells = [code, str(year), "ita-2568", *instruments,
             *[values.get(str(n), "") for n in range(1, 11)],
             total if total is not None else (published_total(values) if values else ""),
             rating]
    return ",".join(cells)


def csv_file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def test_a_valid_file_brings_in_a_published_past_year(world):
    data = csv_file(row(world.agency_a.code), row(world.agency_b.code, instruments=(
        "88.00", "90.00", "70.00"), indicators={}, total="81.40"))
    result = import_past_results("past.csv", data, acting_user=world.nacc)
    assert result.ok, result.problems
    assert (result.created, result.years) == (2, [2567])
    year = AssessmentYear.objects.get(fiscal_year=2567)
    assert year.status == YearStatus.CLOSED and year.framework.code == "ita-2568"
    assert Publication.objects.filter(year=year).exists()
    a = AgencyResult.objects.get(agency=world.agency_a, kind=ResultKind.IMPORTED)
    expected = as_json(score(loader.get("ita-2568"),
                             indicators={k: Decimal(v) for k, v in INDICATORS.items()}))
    assert a.indicators == expected["indicators"] and str(a.total) == expected["total"]
    b = AgencyResult.objects.get(agency=world.agency_b)
    assert b.instruments == {"IIT": "88.00", "EIT": "90.00", "OIT": "70.00"}
    assert b.indicators == {} and str(b.total) == "81.40"
    assert AuditEntry.objects.filter(action="results.import_past").count() == 1
    again = import_past_results("past.csv", data, acting_user=world.nacc)
    assert (again.created, again.replaced) == (0, 2)


def test_every_bad_row_is_reported_and_nothing_is_saved(world):
    good = row(world.agency_a.code)
    data = csv_file(
        good,
        row("NO-SUCH"),
        row(world.agency_b.code, total="91.00"),  # not the total of its scores
        row(world.agency_b.code, year=2566, indicators={**INDICATORS, "3": "101"},
            total="90.00"),
        row(world.agency_b.code, year=2565, rating="ผ่านดีเยี่ยม"),
        row(world.agency_a.code),  # a second row for the same agency and year
        row(world.agency_b.code, year=2564, indicators={"1": "80"}, total="80.00"),
    )
    result = import_past_results("past.csv", data, acting_user=world.nacc)
    found = [(p.row, p.column) for p in result.problems]
    assert found == [(3, "agency_code"), (4, "total"), (5, "indicator_3"), (6, "rating"),
                     (7, "agency_code"), (8, "indicator_1")]
    total = next(p for p in result.problems if p.column == "total").message
    assert "91.00" in total and published_total(INDICATORS) in total
    assert not AgencyResult.objects.exists()
    assert not AssessmentYear.objects.filter(fiscal_year__lt=2568).exists()


def test_a_year_openita_assesses_is_not_imported_over(world):
    data = csv_file(row(world.agency_a.code, year=world.year.fiscal_year))
    result = import_past_results("past.csv", data, acting_user=world.nacc)
    assert [p.column for p in result.problems] == ["fiscal_year"]
    assert not AgencyResult.objects.exists()


def test_an_xlsx_file_reads_the_same_and_a_broken_one_is_refused(world):
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    sheet.append(row(world.agency_a.code).split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    assert import_past_results("past.xlsx", buffer.getvalue(), acting_user=world.nacc).ok
    with pytest.raises(ImportRejected):
        import_past_results("past.xlsx", b"not a workbook", acting_user=world.nacc)
    with pytest.raises(ImportRejected):
        import_past_results("past.csv", b"code,name\nx,y\n", acting_user=world.nacc)


def test_the_import_page_shows_each_problem_in_thai(world, client_for):
    client = client_for(world.nacc)
    broken = io.BytesIO(csv_file(row("NO-SUCH")))
    broken.name = "past.csv"
    page = client.post(reverse("results:import_past"), {"file": broken})
    body = page.content.decode()
    assert page.status_code == 200 and "NO-SUCH" in body and "ไม่พบหน่วยงาน" in body
    upload = io.BytesIO(csv_file(row(world.agency_a.code)))
    upload.name = "past.csv"
    done = client.post(reverse("results:import_past"), {"file": upload}, follow=True)
    assert AgencyResult.objects.count() == 1
    assert "2567" in done.content.decode()
