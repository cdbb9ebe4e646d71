"""The open-data API: nothing of a year before it is published, all of it after, and every
endpoint answering as its own OpenAPI document says (schemathesis)."""

from __future__ import annotations

import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from tests.results.conftest import computed


def endpoints(world) -> list[str]:
    fy = world.year.fiscal_year
    return ["/api/v1/years", f"/api/v1/years/{fy}/results",
            f"/api/v1/years/{fy}/results/{world.agency_a.code}",
            f"/api/v1/agencies/{world.agency_a.code}/results",
            f"/api/v1/years/{fy}/indicators"]


def test_no_endpoint_tells_a_result_before_its_year_is_published(confirmed, client):  # noqa: F811
    final = computed(confirmed)
    for url in endpoints(confirmed):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert str(final.total) not in response.content.decode(), url
    assert client.get("/api/v1/years").json() == []


def test_every_endpoint_gives_the_published_result(published, client):
    total = f"{published.result.total:.2f}"
    for url in endpoints(published)[1:4]:
        assert total in client.get(url).content.decode(), url
    one = client.get(endpoints(published)[2]).json()
    assert one["indicators"] == published.result.indicators and one["total"] == total
    assert client.get("/api/v1/years").json()[0]["agencies"] == 1
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_the_api_keeps_its_openapi_contract(published, settings):
    """Requests generated from the OpenAPI document (valid and not), each answered with a
    status and a body the document declares; no server error."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    # Schemathesis calls the WSGI application itself, whose end of request closes the
    # database connection — on PostgreSQL the connection holding this test's transaction.
    # Django's own test client keeps it open the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        _check_every_operation(published)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _check_every_operation(published):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [found.ok() for found in schema.get_all_operations()]
    assert len(operations) == 5
    for operation in operations:
        @given(case=operation.as_strategy())
        @hypothesis_settings(max_examples=25, deadline=None,
                             suppress_health_check=list(HealthCheck))
        def check(case):
            # Random years and codes would all be "not found": ask about the published
            # year and agency, and let the query vary.
            params = case.path_parameters or {}
            if "fiscal_year" in params:
                params["fiscal_year"] = published.year.fiscal_year
            if "agency_code" in params:
                params["agency_code"] = published.agency_a.code
            case.call_and_validate()

        check()
