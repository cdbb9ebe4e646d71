"""NACC computes, reviews and publishes a year's results from its pages."""

from __future__ import annotations

from django.urls import reverse

from openita.core.models import AuditEntry
from openita.results.models import AgencyResult, ComputationRun, Publication, RunState


def test_nacc_computes_the_final_results_and_publishes_them(confirmed, client_for,
                                                            django_capture_on_commit_callbacks):
    client = client_for(confirmed.nacc)
    year = confirmed.year.fiscal_year
    before = client.get(reverse("results:publish", args=[year]))
    assert "0" in before.content.decode()
    refused = client.post(reverse("results:publish", args=[year]))
    assert refused.status_code == 200 and not Publication.objects.exists()
    assert "คำนวณผลสุดท้ายของทุกหน่วยงานก่อน" in refused.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("results:compute", args=[year]), {"kind": "final"})
    assert response.status_code == 302
    run = ComputationRun.objects.get()
    assert run.state == RunState.DONE
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "1 / 1" in body and "เสร็จแล้ว" in body  # the run, in the recent ones
    result = AgencyResult.objects.get()
    table = client.get(reverse("results:table", args=[year]), {"kind": "final"})
    assert str(result.total) in table.content.decode()
    progress = client.get(reverse("results:run", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert "<html" not in progress.content.decode() and "hx-trigger" not in (
        progress.content.decode())  # done: the bar stops polling

    published = client.post(reverse("results:publish", args=[year]))
    assert published.status_code == 302
    assert Publication.objects.get().run == run
    assert AuditEntry.objects.filter(action="results.publish").count() == 1
    again = client.post(reverse("results:compute", args=[year]), {"kind": "final"},
                        follow=True)
    assert "ประกาศแล้ว" in again.content.decode()
    assert ComputationRun.objects.count() == 1


def test_a_re_run_for_one_agency_and_an_unknown_code(confirmed, client_for,
                                                     django_capture_on_commit_callbacks):
    client = client_for(confirmed.nacc)
    year = confirmed.year.fiscal_year
    unknown = client.post(reverse("results:compute", args=[year]),
                          {"kind": "final", "agency": "NO-SUCH"}, follow=True)
    assert "ไม่พบหน่วยงานที่มีรหัส NO-SUCH" in unknown.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("results:compute", args=[year]),
                    {"kind": "final", "agency": confirmed.agency_a.code})
    run = ComputationRun.objects.get()
    assert run.agency == confirmed.agency_a and run.planned == 1
