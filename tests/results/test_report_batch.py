"""``openita reports``: a batch of agency reports as PDF files, in this process or by a
pool of worker processes (which needs a database the children can open: PostgreSQL)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from pypdf import PdfReader

from openita.calendars.models import Enrolment
from openita.results import report_batch

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


def _second_result_in_province_p(world):
    """Agency B moved to province P with a final result of its own (a copy of A's)."""
    from openita.results.models import AgencyResult

    world.agency_b.province = world.province_p
    world.agency_b.save(update_fields=["province"])
    Enrolment.objects.get_or_create(agency=world.agency_b, year=world.year)
    result = AgencyResult.objects.get(agency=world.agency_a, year=world.year, kind="final")
    result.pk, result.agency = None, world.agency_b
    result.save()


def test_one_agency_that_fails_stops_no_other_and_the_command_says_which(published,
                                                                        tmp_path,
                                                                        monkeypatch):
    world = published
    _second_result_in_province_p(world)
    real = report_batch.reports.render_pdf

    def fails_for_b(report, **kwargs):
        if report.agency.pk == world.agency_b.pk:
            raise RuntimeError("the printer caught fire")
        return real(report, **kwargs)

    monkeypatch.setattr(report_batch.reports, "render_pdf", fails_for_b)
    out = tmp_path / "out"
    with pytest.raises(CommandError, match=world.agency_b.code):
        printed(str(world.year.fiscal_year), "--province", world.province_p.code,
                "--out", str(out), "--workers", "1")
    assert [p.name for p in out.iterdir()] == [
        f"ita-report-{world.agency_a.code}-{world.year.fiscal_year}.pdf"]  # no .part left


@pytest.mark.skipif("connection.vendor == 'sqlite'",
                    reason="the tests' SQLite database is in memory: children cannot open it")
def test_a_province_is_printed_by_a_pool_of_processes(published, tmp_path, monkeypatch):
    world = published
    _second_result_in_province_p(world)
    pools = []
    real = report_batch.ProcessPoolExecutor
    monkeypatch.setattr(report_batch, "ProcessPoolExecutor",
                        lambda **kw: pools.append(kw) or real(**kw))
    out = printed(str(world.year.fiscal_year), "--province", world.province_p.code,
                  "--out", str(tmp_path), "--workers", "2")
    assert pools and pools[0]["max_workers"] == 2  # the pool, not this process
    for agency in (world.agency_a, world.agency_b):
        path = tmp_path / f"ita-report-{agency.code}-{world.year.fiscal_year}.pdf"
        assert agency.name_th in "".join(p.extract_text() for p in PdfReader(path).pages)
    assert "2 reports printed" in out and connection.vendor == "postgresql"
