"""Reminders to agencies whose surveys will miss their minimum at the current pace."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from openita.calendars.models import Phase, PhaseWindow
from openita.core import audit
from openita.surveys import reminders
from openita.surveys.models import CollectionReminder, ProvisionalRelease, Response
from openita.surveys.reminders import Sent
from tests.helpers import audit_actions, messages_of
from tests.surveys.conftest import iit_answers


@pytest.fixture(autouse=True)
def open_for_a_week(collecting):
    """Reminders start once a window has been open a week: there is a pace to go by."""
    today = timezone.localdate()
    PhaseWindow.objects.filter(year=collecting.year, phase__in=[
        Phase.IIT_COLLECTION, Phase.EIT_COLLECTION]).update(
        opens_on=today - dt.timedelta(days=10), closes_on=today + dt.timedelta(days=20))


def _responses(enrolment, instrument: str, n: int, day: dt.date) -> None:
    answers = iit_answers() if instrument == "IIT" else {"e1": 1}
    Response.objects.bulk_create(
        Response(enrolment=enrolment, instrument=instrument, answers=answers,
                 respondent_type="" if instrument == "IIT" else "person",
                 submitted_on=day, receipt=f"{instrument}-{day}-{i}") for i in range(n))


def _send(world, today=None, captured=None):
    with captured(execute=True):
        return reminders.send_reminders(world.year, acting_user=world.nacc,
                                        site_url="https://ita.example.go.th/", today=today)


def test_an_agency_short_at_its_pace_is_due_for_both_surveys(collecting):
    [due] = reminders.due_reminders(collecting.year)
    assert due.enrolment == collecting.enrolment
    iit, eit = due.shortfalls
    assert (iit.instrument, iit.count, iit.minimum, iit.forecast) == ("IIT", 0, 30, 0)
    assert eit.instrument == "EIT" and eit.forecast == 0


def test_a_pace_that_reaches_the_minimum_is_not_reminded(collecting):
    today = timezone.localdate()
    _responses(collecting.enrolment, "IIT", 29, today)  # 29 in a day: far above the need
    [due] = reminders.due_reminders(collecting.year)
    assert [s.instrument for s in due.shortfalls] == ["EIT"]
    _responses(collecting.enrolment, "EIT", 200, today - dt.timedelta(days=10))
    # Reminders follow the released figures: the EIT ones move once the interval is over.
    ProvisionalRelease.objects.update(released_at=timezone.now() - dt.timedelta(hours=24))
    assert reminders.due_reminders(collecting.year) == []  # EIT reached, IIT on its way


def test_nobody_is_reminded_in_a_windows_first_week(collecting):
    PhaseWindow.objects.filter(year=collecting.year, phase=Phase.IIT_COLLECTION).update(
        opens_on=timezone.localdate() - dt.timedelta(days=5))
    [due] = reminders.due_reminders(collecting.year)
    assert [s.instrument for s in due.shortfalls] == ["EIT"]  # open for ten days already


def test_the_pace_counts_only_the_days_a_window_has_been_open():
    from openita.surveys.progress import forecast_at_close

    today = dt.date(2026, 5, 10)
    # 10 responses in the 2 days open, 5 days to go: 10 + 5 a day × 5 days.
    assert forecast_at_close(10, 10, today - dt.timedelta(days=1), today + dt.timedelta(days=4),
                             today) == 35
    # open for a month: the last 7 days set the pace (14 in 7 days = 2 a day).
    assert forecast_at_close(100, 14, today - dt.timedelta(days=30),
                             today + dt.timedelta(days=4), today) == 110


def test_a_closed_window_is_not_reminded(collecting):
    PhaseWindow.objects.filter(year=collecting.year, phase__in=[
        Phase.IIT_COLLECTION, Phase.EIT_COLLECTION]).update(
        opens_on="2020-01-01", closes_on="2020-01-02")
    assert reminders.due_reminders(collecting.year) == []


def test_reminders_go_to_admins_and_executives_in_thai_once_per_interval(
        collecting, django_capture_on_commit_callbacks, settings):
    settings.OPENITA_REMINDER_INTERVAL_DAYS = 3
    assert _send(collecting, captured=django_capture_on_commit_callbacks) == Sent(1, 2, 0)
    [message] = mail.outbox
    assert sorted(message.to) == ["admin.a@example.test", "exec.a@example.test"]
    assert "แบบสำรวจ ITA" in message.subject and "ขั้นต่ำ" in message.body
    code = collecting.link.code
    assert f"https://ita.example.go.th/go/iit/{code}/" in message.body
    assert f"https://ita.example.go.th/agencies/{collecting.agency_a.pk}/surveys/" in message.body
    record = CollectionReminder.objects.get()
    assert (record.instruments, record.recipients) == ("IIT,EIT", 2)
    assert "surveys.remind" in audit_actions()

    assert _send(collecting, captured=django_capture_on_commit_callbacks) == Sent(0, 0, 0)
    later = timezone.localdate() + dt.timedelta(days=3)
    assert _send(collecting, today=later,
                 captured=django_capture_on_commit_callbacks) == Sent(1, 2, 0)
    assert len(mail.outbox) == 2


def test_a_mail_that_fails_is_not_counted_and_stays_due(collecting, monkeypatch, client_for):
    class Down:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_messages(self, messages):
            raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr(reminders, "get_connection", Down)
    response = client_for(collecting.nacc).post(reverse("agencies:survey_remind"), follow=True)
    assert any("could not be sent" in m or "ส่งไม่ได้" in m for m in messages_of(response))
    assert not CollectionReminder.objects.exists()
    assert reminders.due_reminders(collecting.year)  # still due: the next run tries again


def test_two_runs_on_the_same_day_remind_once(collecting, monkeypatch):
    first = reminders.due_reminders(collecting.year)
    monkeypatch.setattr(reminders, "due_reminders", lambda year, today=None: first)
    reminders.send_reminders(collecting.year, acting_user=audit.SystemActor("cron"),
                             site_url="http://x/")
    again = reminders.send_reminders(collecting.year, acting_user=collecting.nacc,
                                     site_url="http://x/")  # its list was made earlier
    assert again == Sent(0, 0, 0) and len(mail.outbox) == 1


def test_only_nacc_sends_reminders(collecting):
    with pytest.raises(PermissionDenied):
        reminders.send_reminders(collecting.year, acting_user=collecting.admin_a,
                                 site_url="http://x/")
    assert not CollectionReminder.objects.exists()


def test_nacc_sends_them_from_the_overview_and_the_agency_sees_when(
        collecting, client_for, django_capture_on_commit_callbacks):
    nacc = client_for(collecting.nacc)
    page = nacc.get(reverse("agencies:survey_overview"))
    assert reverse("agencies:survey_remind") in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = nacc.post(reverse("agencies:survey_remind"), follow=True)
    assert any("1" in m for m in messages_of(response)) and len(mail.outbox) == 1
    assert client_for(collecting.admin_a).post(
        reverse("agencies:survey_remind")).status_code == 403
    agency_page = client_for(collecting.admin_a).get(
        reverse("agencies:surveys", args=[collecting.agency_a.pk])).content.decode()
    assert "(2 คน)" in agency_page


def test_the_daily_command_lists_and_sends(collecting, capsys,
                                           django_capture_on_commit_callbacks):
    call_command("remind_collection", "--dry-run")
    assert collecting.agency_a.code in capsys.readouterr().out
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remind_collection")
    assert "1" in capsys.readouterr().out and len(mail.outbox) == 1
