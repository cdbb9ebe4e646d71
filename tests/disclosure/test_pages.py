"""The OIT pages as their users meet them: the agency, its executive, the consultants,
NACC and the public."""

from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import load_workbook

from openita.calendars.models import Phase
from openita.disclosure import clarification, services
from openita.disclosure.models import Capture, ItemState, SubmissionState
from tests.disclosure.conftest import (
    answer_of,
    file_dispute,
    fill,
    fresh,
    keep_page,
    only_open,
    url_for,
)
from tests.helpers import page_text


def test_the_admin_answers_an_item_from_its_page_and_goes_to_the_next(entering, client_for):
    client = client_for(entering.admin_a)
    url = reverse("agencies:oit_item", args=[entering.agency_a.pk, "O1"])
    page = client.get(url)
    assert page.status_code == 200 and "เกณฑ์" in page_text(page)  # the criteria are shown
    response = client.post(url, {"publishes": "yes", "url_1": url_for("O1"),
                                 "explanation": "เมนู ITA หัวข้อ O1", "next": "1"})
    assert response.status_code == 302
    assert response["Location"].endswith("/oit/O2/")
    assert answer_of(entering, "O1").urls == [url_for("O1")]


def test_a_bad_address_is_shown_next_to_its_field_and_nothing_is_saved(entering, client_for):
    url = reverse("agencies:oit_item", args=[entering.agency_a.pk, "O1"])
    response = client_for(entering.admin_a).post(url, {"publishes": "yes",
                                                       "url_1": "ftp://sao-a/x"})
    assert response.status_code == 400
    assert "http" in str(response.context["form"].errors["url_1"])
    assert answer_of(entering, "O1").publishes is None


def test_the_agency_page_shows_progress_and_link_check_results(
        entering, client_for, django_capture_on_commit_callbacks):
    fill(entering)
    client = client_for(entering.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("agencies:oit_check", args=[entering.agency_a.pk]))
    text = page_text(client.get(reverse("agencies:oit", args=[entering.agency_a.pk])))
    assert services.progress_of(entering.submission) == (4, 4) and "4" in text
    assert Capture.objects.filter(purpose="check").count() == 4
    assert text.count("finding-dead") == 4  # unresolved: every page said not to open


def test_the_executive_approves_from_the_page(entering, client_for):
    fill(entering)
    client_for(entering.admin_a).post(reverse("agencies:oit_submit",
                                              args=[entering.agency_a.pk]))
    response = client_for(entering.executive_a).post(
        reverse("agencies:oit_approve", args=[entering.agency_a.pk]))
    assert response.status_code == 302
    assert fresh(entering.submission).state == SubmissionState.APPROVED


def test_the_consultant_queue_counts_and_filters(reviewing, client_for):
    client = client_for(reviewing.consultant_x)
    page = client.get(reverse("oit:queue"))
    assert page.status_code == 200
    counts = {state: n for _label, state, n in page.context["counts"]}
    assert counts[ItemState.AWAITING_REVIEW] == 4
    filtered = client.get(reverse("oit:queue"), {"item": "O3"})
    assert [a.item_code for a in filtered.context["page"].object_list] == ["O3"]
    outside = client_for(reviewing.admin_b).get(reverse("oit:queue"))
    assert outside.status_code == 403


def test_the_review_page_shows_the_kept_copy_as_text_never_as_the_agency_s_html(
        reviewing, client_for):
    keep_page(reviewing, "O1", "<title>ผังองค์กร</title><script>alert('x')</script>"
                               "<p>โครงสร้างส่วนราชการ</p>")
    answer = answer_of(reviewing, "O1")
    response = client_for(reviewing.consultant_x).get(reverse("oit:review", args=[answer.pk]))
    body = response.content.decode()
    assert "ผังองค์กร" in body and "โครงสร้างส่วนราชการ" in body
    assert "<script>alert" not in body
    capture = Capture.objects.get(answer=answer, purpose="submission", problem="")
    copy = client_for(reviewing.consultant_x).get(reverse("oit:capture_file",
                                                          args=[capture.pk]))
    assert copy["Content-Type"].startswith("text/plain")
    assert copy["Content-Disposition"].startswith("attachment")


def test_deciding_from_the_page_goes_to_the_next_item(reviewing, client_for):
    client = client_for(reviewing.consultant_x)
    answer = answer_of(reviewing, "O1")
    response = client.post(reverse("oit:review", args=[answer.pk]),
                           {"decision": "fail", "criterion_1": "", "comment": "ไม่มีผัง"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("oit:review",
                                                   args=[answer_of(reviewing, "O2").pk]))
    assert answer_of(reviewing, "O1").passed is False
    refused = client.post(reverse("oit:review", args=[answer_of(reviewing, "O2").pk]),
                          {"decision": "fail", "comment": ""})
    assert refused.status_code == 400 and answer_of(reviewing, "O2").passed is None


def test_the_agency_sees_decisions_only_after_the_release(released, client_for):
    only_open(released, Phase.OIT_REVIEW)
    page = client_for(released.admin_a).get(reverse("agencies:oit", args=[released.agency_a.pk]))
    assert not page.context["sees_decisions"]
    only_open(released, Phase.PRELIMINARY_RELEASE)
    page = client_for(released.admin_a).get(reverse("agencies:oit", args=[released.agency_a.pk]))
    assert page.context["sees_decisions"]
    assert page.context["breakdown"].as_strings()["4.1"] == "66.67"


def test_the_agency_disputes_from_the_item_page(released, client_for):
    only_open(released, Phase.CLARIFICATION)
    url = reverse("agencies:oit_dispute", args=[released.agency_a.pk, "O2"])
    refused = client_for(released.admin_a).post(url, {
        "reason": "ดูหน้าใหม่ https://sao-a.example.test/new", "url_position": "1"})
    assert refused.status_code == 400
    response = client_for(released.admin_a).post(url, {"reason": "อยู่ในตารางที่ 2",
                                                       "url_position": "1"})
    assert response.status_code == 302
    assert answer_of(released, "O2").dispute.reason == "อยู่ในตารางที่ 2"


def test_the_lead_confirms_from_the_confirmation_page(released, client_for):
    file_dispute(released, "O2")
    clarification.answer_dispute(answer_of(released, "O2"), outcome="upheld", reply="ยืนตามเดิม",
                                 acting_user=released.consultant_x)
    only_open(released, Phase.CONFIRMATION)
    page = client_for(released.lead_x).get(reverse("oit:confirmations"))
    assert page.context["rows"][0][1] == []  # nothing in the way
    response = client_for(released.lead_x).post(reverse("oit:confirm",
                                                        args=[released.submission.pk]))
    assert response.status_code == 302
    assert fresh(released.submission).confirmed_at is not None


def test_progress_exports_to_excel_with_thai_headers(approved, client_for):
    response = client_for(approved.officer_p).get(reverse("oit:progress_export",
                                                          args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "จังหวัด"
    assert rows[1][0] == "เชียงใหม่" and rows[1][3] == 1  # enrolled, sent, approved


def test_the_public_sees_the_published_list_of_filers(released, client):
    file_dispute(released, "O2")
    url = reverse("oit:filers", args=[released.year.fiscal_year])
    assert client.get(url).context["published"] is None
    from openita.disclosure import filers

    filers.publish(released.year, "", acting_user=released.nacc)
    assert "SAO-A" in page_text(client.get(url))
    csv = client.get(reverse("oit:filers_export", args=[released.year.fiscal_year, "csv"]))
    assert "SAO-A" in csv.content.decode("utf-8-sig")


def test_progress_by_ministry_counts_every_agency_under_it(approved, client_for):
    page = client_for(approved.nacc).get(reverse("oit:progress"), {"by": "ministry"})
    rows = {r["label"]: r for r in page.context["rows"]}
    ministry = rows[approved.ministry.name_th]  # A is under the DLA, under the ministry
    assert (ministry["enrolled"], ministry["submitted"], ministry["approved"]) == (1, 1, 1)
    assert ministry["reviewed"] == 0  # all four items still wait for review


def test_progress_headers_follow_the_language(approved, client_for):
    client = client_for(approved.nacc)
    client.cookies["django_language"] = "en"
    sheet = load_workbook(io.BytesIO(client.get(
        reverse("oit:progress_export", args=["xlsx"])).content)).active
    assert next(sheet.iter_rows(values_only=True))[:2] == ("Province", "Enrolled")
