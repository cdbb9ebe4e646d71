"""The agency list: paginated, filterable, a fixed number of queries however large."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openita.accounts.models import User
from openita.site import demo
from tests.personas import verify_two_factor


@pytest.fixture
def country(db):
    demo.generate(150, seed=11)
    return User.objects.get(email=f"nacc@{demo.DEMO_DOMAIN}")


def _queries(client, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response


def test_the_list_costs_the_same_queries_for_a_page_of_fifty(client, country):
    client.force_login(country)
    verify_two_factor(client, country)
    count, response = _queries(client, reverse("agencies:list"))
    assert len(response.context["page"].object_list) == 50
    assert count <= 8, "an N+1 query crept into the agency list"


def test_filters_narrow_the_list_and_htmx_gets_only_the_table(client, country):
    client.force_login(country)
    verify_two_factor(client, country)
    url = reverse("agencies:list") + "?kind=sao&region=northeast"
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and "<table" in body
    agencies = response.context["page"].object_list
    assert agencies and all(a.kind == "sao" and a.province.region == "northeast"
                            for a in agencies)


def test_the_list_filters_by_enrolment_state(client, country):
    client.force_login(country)
    verify_two_factor(client, country)
    response = client.get(reverse("agencies:list") + "?state=not_registered")
    states = {a.enrolment_state for a in response.context["page"].object_list}
    assert states == {"not_registered"}


def test_an_unknown_export_format_is_not_found(client, country):
    client.force_login(country)
    verify_two_factor(client, country)
    assert client.get("/agencies/export.pdf").status_code == 404
