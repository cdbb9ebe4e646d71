"""Every table of the public portal downloads as CSV and XLSX, equal to the page's table
(headers in the page's language, labels rather than codes, scores as numbers); the agency
page shows its survey links only while its collection is open; the year page links to
the published list of clarification filers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from openita.calendars.models import Enrolment, EnrolmentState, Phase
from openita.disclosure import filers
from openita.results.past import import_past_results
from tests.disclosure.conftest import set_phase
from tests.helpers import english, page_text
from tests.results.test_past_import import csv_file, row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the Thai
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[list[object]]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"  # the header stays in view
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def url(name: str, *args) -> str:
    return reverse(f"portal:{name}", args=args)


def test_the_year_page_tables_download_as_the_page_shows_them(published, client):
    fy, total = published.year.fiscal_year, published.result.total
    page = page_text(client.get(url("year", fy)))
    assert '<span class="figure">0.00%</span>' in page  # none passes: 0, not "—"
    for table in ("ratings", "averages", "provinces", "types"):
        for fmt in ("xlsx", "csv"):
            assert f'href="{url("year_table", fy, table, fmt)}"' in page, (table, fmt)

    ratings = read_xlsx(client.get(url("year_table", fy, "ratings", "xlsx")))
    assert ratings[0] == ["ระดับผลการประเมิน", "หน่วยงาน"]
    labels = [r.label_th for r in published.framework.rating]
    assert [r[0] for r in ratings[1:]] == labels  # labels, every rating, in order
    assert sum(r[1] for r in ratings[1:]) == 1 and all(isinstance(r[1], int)
                                                       for r in ratings[1:])
    assert read_csv(client.get(url("year_table", fy, "ratings", "csv")))[1:] == [
        [label, str(n)] for label, n in ((r[0], r[1]) for r in ratings[1:])]

    provinces = read_xlsx(client.get(url("year_table", fy, "provinces", "xlsx")))
    assert provinces == [["จังหวัด", "หน่วยงาน", "ค่าเฉลี่ย"], ["เชียงใหม่", 1, float(total)]]
    types = read_csv(client.get(url("year_table", fy, "types", "csv")))
    assert types == [["ประเภทหน่วยงาน", "หน่วยงาน", "ค่าเฉลี่ย"],
                     ["องค์การบริหารส่วนตำบล (อบต.)", "1", str(total)]]

    averages = read_xlsx(client.get(url("year_table", fy, "averages", "xlsx")))
    names = [i.name_th for i in published.framework.instruments] + [
        f"ตัวชี้วัดที่ {i.number} {i.name_th}" for i in published.framework.indicators]
    assert [r[0] for r in averages[1:]] == names
    assert averages[1][1] == float(published.result.instruments["IIT"])
    assert all(isinstance(r[1], (int, float)) for r in averages[1:]), averages


def test_the_ranked_lists_download_with_labels_and_numbers(published, client):
    fy, total = published.year.fiscal_year, published.result.total
    code = published.province_p.code
    page = page_text(client.get(url("province", fy, code)))
    assert f'href="{url("province_table", fy, code, "xlsx")}"' in page
    assert "ดาวน์โหลด" in page or "Download" in page
    by_province = read_xlsx(client.get(url("province_table", fy, code, "xlsx")))
    rating = {r.code: r.label_th for r in published.framework.rating}[published.result.rating]
    assert by_province == [["อันดับ", "หน่วยงาน", "ประเภท", "คะแนนรวม", "ระดับผลการประเมิน"],
                           [1, "องค์การบริหารส่วนตำบลหนองบัว", "องค์การบริหารส่วนตำบล (อบต.)",
                            float(total), rating]]
    by_kind = read_csv(client.get(url("kind_table", fy, "sao", "csv")))
    assert by_kind == [["อันดับ", "หน่วยงาน", "จังหวัด", "คะแนนรวม", "ระดับผลการประเมิน"],
                       ["1", "องค์การบริหารส่วนตำบลหนองบัว", "เชียงใหม่", str(total), rating]]
    # An empty list downloads as its headers, as the page shows an empty table.
    assert read_csv(client.get(url("kind_table", fy, "pao", "csv"))) == [by_kind[0]]


def test_in_english_the_downloads_are_in_english(published, client):
    fy = published.year.fiscal_year
    english(client)
    by_kind = read_csv(client.get(url("kind_table", fy, "sao", "csv")))
    rating = {r.code: r.label_en for r in published.framework.rating}[published.result.rating]
    assert by_kind[0] == ["Rank", "Agency", "Province", "Total", "Rating"]
    assert by_kind[1][1:3] == ["Nong Bua SAO", "Chiang Mai"] and by_kind[1][4] == rating
    assert read_csv(client.get(url("year_table", fy, "provinces", "csv")))[1][0] == (
        "Chiang Mai")
    assert read_csv(client.get(url("year_table", fy, "types", "csv")))[1][0] == (
        "Sub-district Administrative Organisation")
    history = read_xlsx(client.get(url("agency_table", published.agency_a.code, "history",
                                       "xlsx")))
    assert history[0] == ["Year", "Total", "Rating"]


def test_the_agency_tables_download_beside_the_average_and_the_previous_year(published,
                                                                            client):
    a, fy = published.agency_a, published.year.fiscal_year
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert import_past_results("past.csv", csv_file(row(a.code)),
                                   acting_user=published.nacc).ok
    page = page_text(client.get(url("agency", a.code)))
    for table in ("instruments", "indicators", "history"):
        assert f'href="{url("agency_table", a.code, table, "csv")}"' in page, table

    instruments = read_xlsx(client.get(url("agency_table", a.code, "instruments", "xlsx")))
    assert instruments[0] == ["เครื่องมือการประเมิน", "คะแนน"]
    assert instruments[1:] == [[i.name_th, float(published.result.instruments[i.code])]
                               for i in published.framework.instruments]

    indicators = read_xlsx(client.get(url("agency_table", a.code, "indicators", "xlsx")))
    assert indicators[0] == ["ตัวชี้วัด", "คะแนน", "ค่าเฉลี่ยของหน่วยงานประเภทเดียวกัน",
                             "ปีก่อนหน้า"]
    first = published.result.indicators["1"]
    # A is the only SAO published: the average of its type is its own score.
    assert indicators[1] == ["1. ตัวชี้วัดหนึ่ง", float(first), float(first), 90.1]

    history = read_csv(client.get(url("agency_table", a.code, "history", "csv")))
    assert [r[:2] for r in history] == [["ปี", "คะแนนรวม"], [str(fy), str(
        published.result.total)], ["2567", history[2][1]]]
    assert Decimal(history[2][1]) > 0


def test_only_csv_and_xlsx_and_only_tables_that_exist(published, client):
    fy, a = published.year.fiscal_year, published.agency_a.code
    code = published.province_p.code
    for missing in (url("year_table", fy, "ratings", "pdf"), url("year_table", fy, "people",
                                                                   "csv"),
                    url("province_table", fy, code, "json"),
                    url("province_table", fy, "TH-99", "csv"),
                    url("kind_table", fy, "sao", "html"), url("kind_table", fy, "nokind", "csv"),
                    url("agency_table", a, "history", "txt"),
                    url("agency_table", a, "secrets", "csv"),
                    url("agency_table", "NO-SUCH", "history", "csv"),
                    url("year_table", fy + 1, "ratings", "csv"),
                    # B has no published result: its page shows no table to download
                    url("agency_table", published.agency_b.code, "history", "csv")):
        assert client.get(missing).status_code == 404, missing


def test_a_download_neutralises_a_formula_in_a_name(published, client):
    a = published.agency_a
    a.name_th = "=HYPERLINK(\"https://evil.example\")"
    a.save(update_fields=["name_th"])
    rows = read_csv(client.get(url("kind_table", published.year.fiscal_year, "sao", "csv")))
    assert rows[1][1].startswith("'=")


# --- the survey links on the agency page -------------------------------------------------


def _collecting(world, *, iit: bool = True, eit: bool = True, link: bool = True) -> None:
    """Open or close the world's survey windows; ``link``: the agency has given out its
    survey link (its own surveys page makes it)."""
    if link:
        from openita.surveys.services import link_for

        link_for(world.enrolment)
    for phase, is_open in ((Phase.IIT_COLLECTION, iit), (Phase.EIT_COLLECTION, eit)):
        if is_open:
            set_phase(world, phase)
        else:
            set_phase(world, phase, opened_days_ago=30, closes_in_days=-1)


def _survey_hrefs(client, agency) -> list[str]:
    page = page_text(client.get(url("agency", agency.code)))
    return [href for href in (reverse("surveys:start", args=[slug, code])
                              for slug in ("iit", "eit")
                              for code in _codes(agency)) if f'href="{href}"' in page]


def _codes(agency) -> list[str]:
    from openita.surveys.models import SurveyLink

    return list(SurveyLink.objects.filter(enrolment__agency=agency).values_list("code",
                                                                                flat=True))


def test_while_collection_is_open_the_agency_page_links_to_its_surveys(published, client):
    _collecting(published)
    page = page_text(client.get(url("agency", published.agency_a.code)))
    code = published.enrolment.survey_link.code
    assert f'href="{reverse("surveys:start", args=["iit", code])}"' in page
    assert f'href="{reverse("surveys:start", args=["eit", code])}"' in page
    assert "24.00 น." in page
    # The link works: the respondent's page opens.
    start = client.get(reverse("surveys:start", args=["iit", code]))
    assert start.status_code == 200 and "ไม่ระบุตัวตน" in page_text(start)


def test_no_link_before_the_agency_has_one_and_the_public_page_never_makes_it(published,
                                                                             client):
    from openita.surveys.models import SurveyLink

    SurveyLink.objects.filter(enrolment=published.enrolment).delete()
    _collecting(published, link=False)
    assert "/go/" not in page_text(client.get(url("agency", published.agency_a.code)))
    assert not SurveyLink.objects.filter(enrolment=published.enrolment).exists()


def test_the_staff_survey_is_public_only_where_each_answer_needs_an_access_code(published,
                                                                             client):
    _collecting(published)
    published.year.iit_requires_access_code = False
    published.year.save(update_fields=["iit_requires_access_code"])
    code = published.enrolment.survey_link.code
    assert _survey_hrefs(client, published.agency_a) == [
        reverse("surveys:start", args=["eit", code])]


def test_only_the_open_survey_is_linked(published, client):
    _collecting(published, iit=False)
    hrefs = _survey_hrefs(client, published.agency_a)
    code = published.enrolment.survey_link.code
    assert hrefs == [reverse("surveys:start", args=["eit", code])]


def test_when_collection_closes_the_links_go_though_the_page_is_kept(published, client):
    _collecting(published)
    assert len(_survey_hrefs(client, published.agency_a)) == 2  # the figures now kept
    _collecting(published, iit=False, eit=False)
    page = page_text(client.get(url("agency", published.agency_a.code)))
    assert "/go/" not in page and 'id="surveys"' not in page
    assert str(published.result.total) in page  # the kept figures still shown


def test_no_survey_links_for_an_agency_not_registered_or_a_closed_year(published, client):
    _collecting(published)
    assert "/go/" not in page_text(client.get(url("agency", published.agency_b.code)))
    Enrolment.objects.filter(pk=published.enrolment.pk).update(
        state=EnrolmentState.NOT_REGISTERED)
    assert "/go/" not in page_text(client.get(url("agency", published.agency_a.code)))
    Enrolment.objects.filter(pk=published.enrolment.pk).update(
        state=EnrolmentState.HEADCOUNT_APPROVED)
    assert "/go/" in page_text(client.get(url("agency", published.agency_a.code)))
    published.year.status = "closed"
    published.year.save(update_fields=["status"])
    assert "/go/" not in page_text(client.get(url("agency", published.agency_a.code)))


# --- the filers list ----------------------------------------------------------------------


@pytest.mark.parametrize("listed", [False, True], ids=["not published", "published"])
def test_the_year_page_links_to_the_filers_list_once_nacc_publishes_it(published, client,
                                                                        listed):
    fy = published.year.fiscal_year
    link = f'href="{reverse("oit:filers", args=[fy])}"'
    assert link not in page_text(client.get(url("year", fy)))  # the page now kept
    if listed:
        with TestCase.captureOnCommitCallbacks(execute=True):
            filers.publish(published.year, "", acting_user=published.nacc)
    assert (link in page_text(client.get(url("year", fy)))) is listed


# --- by region and by ministry ------------------------------------------------------------


def test_the_year_is_browsed_by_region_and_by_ministry(published, client):
    fy, a = published.year.fiscal_year, published.agency_a
    page = page_text(client.get(reverse("portal:year", args=[fy])))
    region = published.province_p.region
    assert f'href="{reverse("portal:region", args=[fy, region])}"' in page
    assert f'href="{reverse("portal:ministry", args=[fy, published.ministry.code])}"' in page
    north = client.get(reverse("portal:region", args=[fy, region]))
    assert [r.code for r in north.context["rows"]] == [a.code]
    other = "south" if region != "south" else "north"
    assert client.get(reverse("portal:region", args=[fy, other])).context["rows"] == []
    assert client.get(reverse("portal:region", args=[fy, "atlantis"])).status_code == 404
    under = client.get(reverse("portal:ministry", args=[fy, published.ministry.code]))
    assert [r.code for r in under.context["rows"]] == [a.code]
    # Only the top of a hierarchy is a ministry page; A itself has a parent.
    assert client.get(reverse("portal:ministry", args=[fy, a.code])).status_code == 404
    rows = read_csv(client.get(url("year_table", fy, "ministries", "csv")))
    assert rows[0] == ["กระทรวง", "หน่วยงาน", "ค่าเฉลี่ย"]
    assert rows[1][:2] == [published.ministry.name_th, "1"]


def test_the_links_are_kept_as_briefly_as_the_respondent_pages_keep_their_windows(
        published, client, settings, monkeypatch):
    from django.core.cache import cache

    from openita.surveys import public

    settings.OPENITA_SURVEY_CACHE_SECONDS = 30
    _collecting(published)
    assert len(_survey_hrefs(client, published.agency_a)) == 2
    _collecting(published, iit=False, eit=False)  # NACC closes the windows
    assert len(_survey_hrefs(client, published.agency_a)) == 2  # within the 30 seconds
    cache.clear()
    assert _survey_hrefs(client, published.agency_a) == []
    # Never kept across midnight, when windows close: a second before, nothing is kept.
    _collecting(published)
    monkeypatch.setattr(public, "_to_midnight", lambda: 0)
    assert len(_survey_hrefs(client, published.agency_a)) == 2
    _collecting(published, iit=False, eit=False)
    assert _survey_hrefs(client, published.agency_a) == []


def test_news_shows_on_the_kept_year_page_as_soon_as_nacc_publishes_changes_or_withdraws(
        published, client):
    from openita.results import news

    fy = published.year.fiscal_year
    assert "ข่าวทดสอบ" not in page_text(client.get(url("year", fy)))  # the page now kept
    post = news.save(None, {"title_th": "ข่าวทดสอบ", "body_th": "เนื้อหา"}, [],
                     acting_user=published.nacc)
    with TestCase.captureOnCommitCallbacks(execute=True):
        news.publish(post, acting_user=published.nacc)
    assert "ข่าวทดสอบ" in page_text(client.get(url("year", fy)))
    with TestCase.captureOnCommitCallbacks(execute=True):
        news.save(post, {"title_th": "ข่าวแก้ไขแล้ว", "body_th": "เนื้อหา"}, [],
                  acting_user=published.nacc)
    assert "ข่าวแก้ไขแล้ว" in page_text(client.get(url("year", fy)))
    with TestCase.captureOnCommitCallbacks(execute=True):
        news.withdraw(post, acting_user=published.nacc)
    assert "ข่าวแก้ไขแล้ว" not in page_text(client.get(url("year", fy)))


def test_the_kept_year_page_shows_news_in_the_visitor_s_language(published, client):
    from openita.results import news

    post = news.save(None, {"title_th": "ข่าวภาษาไทย", "title_en": "News in English",
                            "body_th": "เนื้อหา"}, [], acting_user=published.nacc)
    with TestCase.captureOnCommitCallbacks(execute=True):
        news.publish(post, acting_user=published.nacc)
    fy = published.year.fiscal_year
    assert "ข่าวภาษาไทย" in page_text(client.get(url("year", fy)))
    client.cookies["django_language"] = "en"
    english = page_text(client.get(url("year", fy)))
    assert "News in English" in english
