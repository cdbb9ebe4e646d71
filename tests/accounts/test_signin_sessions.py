"""Sessions end after inactivity (noted without a write per request); password rules
refuse the name of the e-mail address."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from openita.accounts.middleware import SEEN_KEY
from openita.accounts.models import User
from openita.accounts.validators import EmailLocalPartValidator
from tests.accounts.signin_helpers import sign_in
from tests.personas import PASSWORD

HOME = reverse("site:home")


def _age_session(client, seconds: int) -> None:
    session = client.session
    session[SEEN_KEY] = int(time.time()) - seconds
    session.save()


def test_a_session_idle_for_longer_than_the_limit_is_signed_out(world, client, settings):
    sign_in(client, "admin.a@example.test")
    assert client.get(HOME).status_code == 200
    _age_session(client, settings.SESSION_COOKIE_AGE + 60)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session


def test_activity_keeps_the_session_and_is_noted_only_every_few_minutes(world, client,
                                                                        settings):
    sign_in(client, "admin.a@example.test")
    _age_session(client, settings.SESSION_COOKIE_AGE - 600)  # nearly idle too long
    client.get(HOME)  # noted: the session lives another SESSION_COOKIE_AGE
    assert time.time() - client.session[SEEN_KEY] < 5
    with CaptureQueriesContext(connection) as queries:
        client.get(HOME)
    writes = [q["sql"] for q in queries.captured_queries
              if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]
    assert writes == []  # noted a moment ago: nothing written


def test_idle_hours_come_from_the_environment(monkeypatch):
    import importlib

    import openita.settings as openita_settings

    monkeypatch.setenv("OPENITA_SESSION_IDLE_HOURS", "2")
    try:
        assert importlib.reload(openita_settings).SESSION_COOKIE_AGE == 2 * 3600
    finally:
        monkeypatch.delenv("OPENITA_SESSION_IDLE_HOURS")
        importlib.reload(openita_settings)


def test_a_request_without_a_session_cookie_touches_no_session(world, client):
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("accounts:login"))
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]


@pytest.mark.parametrize("password", ["somchai.j2568!", "SOMCHAI.Jxyz-2568", "xxsomchaixx2568",
                                      "Somchai is my friend"])
def test_a_password_with_the_email_name_is_refused(password):
    person = User(email="somchai.j@agency.go.th", full_name="สมชาย")
    with pytest.raises(ValidationError):
        EmailLocalPartValidator().validate(password, person)


def test_a_short_email_name_does_not_forbid_everything():
    person = User(email="jo@agency.go.th", full_name="โจ")
    EmailLocalPartValidator().validate("a long enough joyful phrase", person)


def test_the_rule_is_among_the_password_validators(db):
    """As accepting an invitation, changing and resetting a password check it."""
    with translation.override("en"), pytest.raises(ValidationError, match="e-mail"):
        validate_password("wonderful-admin.a-2568",
                          User(email="admin.a@example.test", full_name="ก"))


def test_changing_the_password_refuses_the_email_name(world, client_for):
    client = client_for(world.admin_a)
    weak = "Admin.A.2568.long"
    response = client.post(reverse("accounts:password"), {
        "old_password": PASSWORD, "new_password1": weak, "new_password2": weak})
    assert response.status_code == 200 and response.context["form"].errors
    world.admin_a.refresh_from_db()
    assert not world.admin_a.check_password(weak)
