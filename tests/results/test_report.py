"""An agency's report: the same content as a web page and as a Thai PDF (cover, total and
rating, instruments, indicators beside the type's average and the previous year, the OIT
item by item with comments, what to improve, charts with a text alternative and a table);
who may read it before and after publication."""

from __future__ import annotations

import io
import re

import pypdf
from django.urls import reverse
from pythainlp.util import normalize

from openita.results import report as reports
from tests.results.conftest import computed
from tests.results.test_scope import import_year_before


def _url(world, name="results:report"):
    return reverse(name, args=[world.year.fiscal_year, world.agency_a.code])


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_the_report_gives_scores_comparisons_items_and_what_to_improve(published):
    import_year_before(published)
    report = reports.build(published.year, published.agency_a)
    assert report is not None and report.total == published.result.total
    assert [i.code for i in report.instruments] == ["IIT", "EIT", "OIT"]
    first = report.indicators[0]
    assert first.previous == 99 and first.average == first.score  # the only agency of its type
    items = {i.code: i for i in report.items}
    assert items["O2"].passed is False and items["O2"].comment == "ไม่พบข้อมูลตามเกณฑ์"
    assert [i.code for i in report.failed_items] == ["O2"]
    weakest = report.weakest
    scores = sorted(i.score for i in report.indicators if i.score is not None)
    assert [i.score for i in weakest][:3] == scores[:3]
    assert all(i.score < report.pass_mark for i in weakest[3:])
    assert set(report.charts) == {"indicators", "instruments", "history"}
    chart = report.charts["indicators"]
    assert chart.svg.startswith("<svg") and "<script" not in chart.svg
    assert len(chart.rows) == len(report.indicators) and len(chart.series) == 3


def test_the_agency_reads_its_report_as_a_page_and_as_a_pdf(published, client_for):
    client = client_for(published.admin_a)
    page = client.get(_url(published))
    assert page.status_code == 200
    body = page.content.decode()
    assert str(published.result.total) in body and "ไม่พบข้อมูลตามเกณฑ์" in body
    assert body.count('<img src="data:image/svg+xml;base64,') == 2  # no previous year here
    assert 'alt="' in body and 'id="report-indicators"' in body
    pdf = client.get(_url(published, "results:report_pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    # The text layer keeps every Thai character, SARA AM included (core.pdf).
    for expected in ("รายงานผลการประเมินคุณธรรมและความโปร่งใส", published.agency_a.name_th,
                     "ไม่พบข้อมูลตามเกณฑ์", "ตัวชี้วัด", str(published.result.total)):
        assert normalize(expected) in normalize(text), expected


def test_the_pdf_in_thai_digits(published, client_for):
    html = reports.render_html(reports.build(published.year, published.agency_a),
                               thai_digits=True)
    visible = re.sub(r"<(style|figure)[^>]*>.*?</\1>|<[^>]+>", "", html, flags=re.S)
    assert "๑๐๐" in visible and not re.search(r"[0-9]", re.sub(r"[A-Za-z]+[0-9]+", "", visible))


def test_who_reads_the_report(confirmed, client_for):
    computed(confirmed)
    # Before publication only NACC (a preview); nobody else learns the agency has one.
    assert client_for(confirmed.nacc).get(_url(confirmed)).status_code == 200
    for person in (confirmed.admin_a, confirmed.officer_p, confirmed.consultant_x):
        assert client_for(person).get(_url(confirmed)).status_code == 404
    # Another agency's admin never reads it, published or not.
    assert client_for(confirmed.admin_b).get(_url(confirmed)).status_code == 404


def test_the_reports_list_shows_what_each_person_may_read(published, client_for):
    url = reverse("results:reports")
    report = _url(published)
    assert report in client_for(published.admin_a).get(url).content.decode()
    assert report in client_for(published.officer_p).get(url).content.decode()
    assert report not in client_for(published.admin_b).get(url).content.decode()
