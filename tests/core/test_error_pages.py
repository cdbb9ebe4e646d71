"""People never see a stack trace: friendly 404, 403 and 500 pages, DEBUG off."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import path

from openita.site.urls import urlpatterns as site_urls


def _boom(request):
    raise RuntimeError("secret internals")


urlpatterns = [*site_urls, path("boom/", _boom)]


def test_debug_is_off_by_default():
    assert settings.DEBUG is False


@pytest.mark.django_db
def test_an_unknown_page_is_a_friendly_404_in_thai(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "ไม่พบหน้าที่ต้องการ" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls("tests.core.test_error_pages")
def test_a_crash_shows_the_friendly_500_page_without_internals():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "ขออภัย" in body and "Sorry" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_a_forbidden_page_explains_itself(world, client_for):
    response = client_for(world.admin_a).get("/audit/")
    assert response.status_code == 403
    assert "ไม่มีสิทธิ์ดำเนินการ" in response.content.decode()
