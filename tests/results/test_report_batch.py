"""``openita reports``: a batch of agency reports as PDF files, in this process or by a
pool of worker processes (which needs a database the children can open: PostgreSQL)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from pypdf import PdfReader

from openita.calendars.models import Enrolment

pytestmark = pytest.mark.django_db(transaction=True)


def printed(*args: str) -> str:
    out = io.StringIO()
    call_command("reports", *args, stdout=out)
    return out.getvalue()


def test_the_reports_of_chosen_agencies_are_written_as_pdf(published, tmp_path):
    world = published
    out = printed(str(world.year.fiscal_year), "--agency", world.agency_a.code,
                  "--out", str(tmp_path), "--workers", "1")
    path = tmp_path / f"ita-report-{world.agency_a.code}-{world.year.fiscal_year}.pdf"
    assert path.exists() and "1 reports printed, 0 skipped" in out
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    assert world.agency_a.name_th in text
    assert not list(tmp_path.glob("*.part"))


def test_an_agency_without_a_final_result_is_listed_and_skipped(published, tmp_path):
    world = published
    Enrolment.objects.get_or_create(agency=world.agency_b, year=world.year)
    codes = [world.agency_a.code, world.agency_b.code]
    out = printed(str(world.year.fiscal_year), "--agency", codes[0], "--agency", codes[1],
                  "--out", str(tmp_path), "--workers", "1")
    assert f"{world.agency_b.code}: no final result" in out
    assert "1 reports printed, 1 skipped" in out


def test_a_choice_that_names_nothing_is_refused(published, tmp_path):
    year = str(published.year.fiscal_year)
    with pytest.raises(CommandError, match="Choose one"):
        printed(year, "--out", str(tmp_path))
    with pytest.raises(CommandError, match="No province"):
        printed(year, "--province", "99", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="Not enrolled"):
        printed(year, "--agency", "NO-SUCH", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="No assessment year"):
        printed("2400", "--all", "--out", str(tmp_path))


@pytest.mark.skipif("connection.vendor == 'sqlite'",
                    reason="the tests' SQLite database is in memory: children cannot open it")
def test_a_province_is_printed_by_a_pool_of_processes(published, tmp_path):
    world = published
    out = printed(str(world.year.fiscal_year), "--province", world.province_p.code,
                  "--out", str(tmp_path), "--workers", "2")
    assert (tmp_path / f"ita-report-{world.agency_a.code}-{world.year.fiscal_year}.pdf"
            ).exists()
    assert "reports printed" in out
    assert connection.vendor == "postgresql"
