"""NACC's award categories: who is in follows from the year's results by the rule (ties
at the last place all in), the lists as a page and a Thai PDF, each change audited, and
nobody but NACC defines them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse

from openita.agencies.models import Agency
from openita.calendars.models import AssessmentYear
from openita.core.errors import ActionRefused
from openita.core.models import AuditEntry
from openita.results import awards
from openita.results.past import import_past_results
from tests.results.test_past_import import csv_file, row
from tests.results.test_report import pdf_text

LOW = {"1": "60.00", "2": "60.00", "3": "60.00", "4": "60.00", "5": "60.00", "6": "60.00",
       "7": "60.00", "8": "60.00", "9": "60.00", "10": "60.00"}


@pytest.fixture
def past(world):
    """2567 imported: agency A high, B low, a third SAO tied with A."""
    tied = Agency.objects.create(code="SAO-C", name_th="องค์การบริหารส่วนตำบลเชียงดาว",
                                 kind=world.agency_a.kind, province=world.province_p)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert import_past_results("past.csv", csv_file(
            row(world.agency_a.code), row(tied.code), row(world.agency_b.code, indicators=LOW)),
            acting_user=world.nacc).ok
    world.past = AssessmentYear.objects.get(fiscal_year=2567)
    world.tied = tied
    return world


def _define(world, **rule):
    return awards.define(world.past, name_th=rule.pop("name", "รางวัล"), name_en="",
                         kinds=rule.pop("kinds", []), acting_user=world.nacc,
                         **{"top": None, "min_total": None, **rule})


def test_the_top_of_each_type_includes_ties(past):
    category = _define(past, rule="top_per_kind", top=1)
    winners = awards.winners(category)
    assert {(w.code, w.rank) for w in winners} == {(past.agency_a.code, 1), (past.tied.code, 1)}
    assert AuditEntry.objects.filter(action="results.award_define").count() == 1


def test_every_agency_at_or_above_a_total(past):
    everyone = awards.winners(_define(past, name="ทุกหน่วย", rule="min_total",
                                      min_total=Decimal("0")))
    assert [w.code for w in everyone][-1] == past.agency_b.code  # lowest last
    high = awards.winners(_define(past, name="สูง", rule="min_total", min_total=Decimal("85")))
    assert past.agency_b.code not in {w.code for w in high} and len(high) == 2


def test_a_rule_without_its_figure_or_a_second_name_is_refused(past):
    with pytest.raises(ActionRefused):
        _define(past, rule="top_per_kind")
    _define(past, rule="min_total", min_total=Decimal("90"))
    with pytest.raises(ActionRefused):
        _define(past, rule="min_total", min_total=Decimal("95"))


def test_nacc_defines_lists_and_prints_them(past, client_for):
    client = client_for(past.nacc)
    url = reverse("results:awards", args=[2567])
    response = client.post(url, {"name_th": "หน่วยงานคะแนนสูงสุดของแต่ละประเภท", "name_en": "",
                                 "rule": "top_per_kind", "top": "1", "min_total": ""})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert past.agency_a.name_th in page and past.agency_b.name_th not in page
    refused = client.post(url, {"name_th": "x", "rule": "min_total", "min_total": ""})
    assert refused.status_code == 200 and "error" in refused.content.decode()
    pdf = client.get(reverse("results:awards_pdf", args=[2567]))
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "หน่วยงานคะแนนสูงสุดของแต่ละประเภท" in text and past.tied.name_th in text
    category = past.past.award_categories.get()
    client.post(reverse("results:award_remove", args=[2567, category.pk]))
    assert not past.past.award_categories.exists()
    assert AuditEntry.objects.filter(action="results.award_remove").count() == 1


def test_only_nacc_defines_awards(past, client_for):
    with pytest.raises(PermissionDenied):
        awards.define(past.past, name_th="x", name_en="", rule="top_per_kind", top=1,
                      min_total=None, kinds=[], acting_user=past.admin_a)
    assert client_for(past.admin_a).get(reverse("results:awards", args=[2567])
                                        ).status_code == 403
