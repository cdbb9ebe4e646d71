"""The scope page's tables as XLSX and CSV: the same figures, only the person's scope,
headers in Thai, and nothing of a year that is neither published nor open."""

from __future__ import annotations

import csv
import io

from django.urls import reverse
from openpyxl import load_workbook

from openita.results import collection

from .test_scope import import_year_before


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def url(year: int, fmt: str = "csv") -> str:
    return reverse("results:scope_export", args=[year, fmt])


def test_the_published_tables_download_with_thai_headers(published, client_for):
    import_year_before(published)
    client = client_for(published.officer_p)
    fy = published.year.fiscal_year
    groups = rows_of(client.get(url(fy), {"table": "groups", "by": "province"}))
    assert groups[0][:2] == ["จังหวัด", "หน่วยงาน"]
    assert [r[0] for r in groups[1:]] == [published.province_p.name_th]
    drops = rows_of(client.get(url(fy), {"table": "drops"}))
    assert drops[1][:2] == [published.agency_a.code, published.agency_a.name_th]
    sheet = load_workbook(io.BytesIO(client.get(url(fy, "xlsx"), {"table": "rises"}).content)
                          ).active
    assert sheet["A1"].value == "รหัสหน่วยงาน" and sheet.max_row == 1  # no rise


def test_the_collection_tables_download_within_the_scope(confirmed, client_for):
    fy = confirmed.year.fiscal_year
    groups = rows_of(client_for(confirmed.officer_p).get(url(fy), {"table": "groups"}))
    labels = [r[0] for r in groups[1:]]
    assert labels == [confirmed.province_p.name_th, "ทั้งหมด"]
    assert groups[1][1] == "1"  # agency A alone is registered in province P
    everyone = rows_of(client_for(confirmed.nacc).get(url(fy), {"table": "groups"}))
    assert len(everyone) >= len(groups)
    at_risk = rows_of(client_for(confirmed.nacc).get(url(fy), {"table": "at_risk"}))
    assert at_risk[0][0] == "รหัสหน่วยงาน"
    everyone_at_risk = collection.collection(confirmed.nacc, confirmed.year, "province",
                                             top=None)
    assert [r[0] for r in at_risk[1:]] == [r.agency.code for r in everyone_at_risk.at_risk]
    assert len(at_risk) - 1 == everyone_at_risk.at_risk_count


def test_other_years_tables_and_formats_are_not_found(confirmed, client_for):
    nacc = client_for(confirmed.nacc)
    fy = confirmed.year.fiscal_year
    assert nacc.get(url(fy - 1)).status_code == 404  # neither published nor open
    assert nacc.get(url(fy), {"table": "drops"}).status_code == 404  # not for collection
    assert nacc.get(url(fy, "pdf")).status_code == 404
    assert client_for(confirmed.admin_a).get(url(fy)).status_code == 403
