"""Sending a finished survey through the production WSGI application (openita.site.wsgi):
the review view behind the whole middleware chain, committing as in production."""

from __future__ import annotations

import io
from http.cookies import SimpleCookie

import pytest
from django.core import signing
from django.db import OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from openita.calendars.models import Phase, PhaseWindow
from openita.site.wsgi import application
from openita.surveys import codes, respondent, services
from openita.surveys.models import Response
from tests.surveys.conftest import iit_answers

# A submission commits on its own, outside any test transaction, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

CSRF = "c" * 32  # an unmasked secret: Django accepts it as both cookie and form token


@pytest.fixture
def survey(collecting):
    collecting.year.iit_requires_access_code = False
    collecting.year.save()
    collecting.code = collecting.link.code
    return collecting


def progress_cookie(code: str, answers: dict | None = None, *, eligible: bool = True,
                    key: str | None = None, access_code: str = "") -> str:
    progress = respondent.Progress(eligible=eligible, started=0,
                                   code_hash=services.code_hash(access_code) if access_code
                                   else "")
    progress.answers = iit_answers() if answers is None else answers
    if key:
        progress.key = key
    value = signing.dumps(progress.dump(), salt=respondent._salt("IIT", code), compress=True)
    return f"{respondent.cookie_name('IIT', code)}={value}"


def post(path: str, cookie: str = "", host: str = "testserver", *, token: str = CSRF,
         origin: str | None = None,
         content_type: str = "application/x-www-form-urlencoded") -> tuple[int, dict, bytes]:
    """POST through the production WSGI application."""
    body = f"csrfmiddlewaretoken={token}".encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": host,
        "REMOTE_ADDR": "192.0.2.7", "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http", "wsgi.errors": io.StringIO(),
        "HTTP_COOKIE": "; ".join(c for c in (cookie, f"csrftoken={CSRF}") if c)}
    if origin:
        environ["HTTP_ORIGIN"] = origin
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), headers

    result = application(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return answer["status"], answer["headers"], content


def review(code: str) -> str:
    return f"/go/iit/{code}/review/"


def test_a_finished_survey_is_stored_and_thanked(survey):
    status, headers, _ = post(review(survey.code), progress_cookie(survey.code))
    assert status == 302
    assert dict(headers)["Location"] == f"/go/iit/{survey.code}/thanks/"
    response = Response.objects.get()
    assert response.answers == iit_answers() and response.channel == "self"
    assert "too_fast" not in response.flags  # started long ago
    deleted = SimpleCookie([v for k, v in headers if k == "Set-Cookie"][0])
    assert deleted[respondent.cookie_name("IIT", survey.code)]["max-age"] == "0"


def test_the_thanks_redirect_is_never_cached_and_carries_the_security_headers(survey):
    headers = dict(post(review(survey.code), progress_cookie(survey.code))[1])
    assert "no-cache" in headers["Cache-Control"] and "no-store" in headers["Cache-Control"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Language"] == "th"
    assert "Cookie" in headers["Vary"]


def test_a_submission_costs_one_statement_and_no_session(survey, settings):
    """Deadline day: with the survey's facts cached, storing a response is the INSERT and
    nothing else, and no session is read or written (no cookie but the deleted one)."""
    settings.OPENITA_SURVEY_CACHE_SECONDS = 30
    post(review(survey.code), progress_cookie(survey.code))  # caches the survey's facts
    with CaptureQueriesContext(connection) as queries:
        status, headers, _ = post(review(survey.code), progress_cookie(survey.code))
    assert status == 302 and Response.objects.count() == 2
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    cookies = [v for k, v in headers if k == "Set-Cookie"]
    assert len(cookies) == 1 and respondent.cookie_name("IIT", survey.code) in cookies[0]


def test_a_double_tap_stores_one_response(survey):
    cookie = progress_cookie(survey.code, key="same-key-twice")
    assert post(review(survey.code), cookie)[0] == 302
    assert post(review(survey.code), cookie)[0] == 302
    assert Response.objects.count() == 1


@pytest.mark.parametrize("case", ["unfinished", "not eligible", "no cookie", "forged"])
def test_what_cannot_be_stored_is_sent_back_a_step_and_stores_nothing(survey, case):
    cookie = {
        "unfinished": progress_cookie(survey.code, {"q1a": 4}),
        "not eligible": progress_cookie(survey.code, eligible=False),
        "no cookie": "",
        "forged": f"{respondent.cookie_name('IIT', survey.code)}=forged",
    }[case]
    status, headers, _ = post(review(survey.code), cookie)
    location = dict(headers)["Location"]
    assert status == 302 and not location.endswith("/thanks/")
    assert location == (f"/go/iit/{survey.code}/page/1/" if case == "unfinished"
                        else f"/go/iit/{survey.code}/")
    assert not Response.objects.exists()


def test_a_closed_window_gets_the_polite_page_and_stores_nothing(survey):
    PhaseWindow.objects.filter(year=survey.year, phase=Phase.IIT_COLLECTION).update(
        opens_on="2020-01-01", closes_on="2020-01-02")
    status, _, content = post(review(survey.code), progress_cookie(survey.code))
    assert status == 200 and b"/thanks/" not in content
    assert not Response.objects.exists()


def test_a_refused_code_is_explained_by_the_review_page(survey):
    survey.year.iit_requires_access_code = True
    survey.year.save()
    status, _, content = post(review(survey.code),
                              progress_cookie(survey.code, access_code="NOPE1234"))
    assert status == 400
    with translation.override("th"):
        reason = gettext("This access code is not valid or was already used.")
    assert reason != "This access code is not valid or was already used."
    assert reason in content.decode()  # the reason, in Thai
    assert not Response.objects.exists()


@pytest.mark.parametrize("forgery", ["another origin", "no token", "wrong token"])
def test_a_cross_site_post_fails_the_csrf_check_and_stores_nothing(survey, forgery):
    token, origin = {"another origin": (CSRF, "https://evil.example"),
                     "no token": ("", None), "wrong token": ("d" * 32, None)}[forgery]
    status, _, _ = post(review(survey.code), progress_cookie(survey.code), token=token,
                        origin=origin)
    assert status == 403  # Django's CSRF page
    assert not Response.objects.exists()


def test_a_malformed_form_is_a_bad_request_and_stores_nothing(survey):
    status, _, _ = post(review(survey.code), progress_cookie(survey.code),
                        content_type="multipart/form-data")  # no boundary
    assert status == 400 and not Response.objects.exists()


def test_a_forged_host_is_refused_and_stores_nothing(survey):
    status, _, _ = post(review(survey.code), progress_cookie(survey.code), host="evil.example")
    assert status == 400 and not Response.objects.exists()


def failing_inserts(monkeypatch, times: int, *, dead: bool) -> list[str]:
    """Make the next ``times`` response INSERTs fail; ``dead``: as a dropped connection."""
    from django.db.backends import utils

    real, failures, broken = utils.CursorWrapper.execute, [], []

    def execute(self, sql, params=None):
        if sql.startswith('INSERT INTO "surveys_response"') and len(failures) < times:
            failures.append(sql)
            broken.append(dead)
            raise OperationalError("server closed the connection unexpectedly")
        return real(self, sql, params)

    def is_usable(self):  # a dropped connection says so once, until it is reopened
        return not (broken and broken.pop())

    monkeypatch.setattr(utils.CursorWrapper, "execute", execute)
    monkeypatch.setattr(type(connections["default"]), "is_usable", is_usable)
    return failures


def test_a_connection_that_died_while_idle_is_reopened_once(survey, monkeypatch):
    failures = failing_inserts(monkeypatch, 1, dead=True)
    status, headers, _ = post(review(survey.code), progress_cookie(survey.code))
    assert status == 302 and dict(headers)["Location"].endswith("/thanks/")
    assert len(failures) == 1 and Response.objects.count() == 1


def test_a_database_error_is_not_retried_and_sending_again_works(survey, monkeypatch):
    failures = failing_inserts(monkeypatch, 1, dead=False)  # e.g. a lock timeout
    status, _, _ = post(review(survey.code), progress_cookie(survey.code))
    assert status == 500 and len(failures) == 1  # no second try of the same statement
    assert not Response.objects.exists()
    status, headers, _ = post(review(survey.code), progress_cookie(survey.code))
    assert status == 302 and Response.objects.count() == 1
    assert Response.objects.get().flags == []  # the failed try left no "duplicate" mark


def test_a_code_spent_on_a_failed_insert_is_given_back(survey, monkeypatch):
    from openita.surveys.models import AccessCode

    survey.year.iit_requires_access_code = True
    survey.year.save()
    [code] = codes.issue_access_codes(survey.enrolment, 1, acting_user=survey.admin_a)
    cookie = progress_cookie(survey.code, access_code=services.normalise_access_code(code))
    failing_inserts(monkeypatch, 1, dead=False)
    status, _, _ = post(review(survey.code), cookie)  # Django's 500 page
    assert status == 500 and not Response.objects.exists()
    assert AccessCode.objects.count() == 1  # given back: sending again works
    status, headers, _ = post(review(survey.code), cookie)
    assert status == 302 and Response.objects.count() == 1
    assert not AccessCode.objects.exists()
