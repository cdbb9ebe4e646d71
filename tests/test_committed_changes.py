"""Commands, and services that send mail, run work on commit or hold a lock, run as in
production: no test transaction around them (``transactional_db``), so a missing
``atomic()`` or a side effect that leaves before its change commits fails here.

(The ``db`` fixture wraps each test in one transaction: inside it, ``audit.record`` and
``locks.hold`` always find a transaction, and ``on_commit`` callbacks never run.)
"""

from __future__ import annotations

import os
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.urls import reverse

from openita.accounts import services as accounts
from openita.accounts.models import Invitation, Role, RoleGrant
from openita.agencies import registry_io
from openita.agencies import services as agencies
from openita.agencies.models import Agency
from openita.calendars import enrolment as enrolments
from openita.calendars.models import AssessmentYear, Enrolment, EnrolmentState
from openita.core.models import AuditEntry
from openita.surveys import codes
from openita.surveys import services as surveys
from openita.surveys.models import CollectionReminder, Response
from openita.surveys.quality import set_excluded
from tests.personas import build_world, verify_two_factor
from tests.surveys.conftest import iit_answers, open_collection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def collecting(world):
    """Collection open for ten days (reminders start after a week), agency A enrolled."""
    return open_collection(world, opened_days_ago=10)


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


# --- commands ----------------------------------------------------------------------------


def test_remind_collection_mails_after_commit_and_records_each_reminder(collecting,
                                                                        settings):
    settings.EMAIL_BACKEND = "tests.test_committed_changes.AfterCommitBackend"
    AfterCommitBackend.seen = []
    out = StringIO()
    call_command("remind_collection", stdout=out)
    assert AfterCommitBackend.seen == [(False, 1)]  # no transaction open, the claim visible
    assert "Reminded 1 agencies (2 people)." in out.getvalue()
    [message] = mail.outbox
    assert sorted(message.to) == ["admin.a@example.test", "exec.a@example.test"]
    reminder = CollectionReminder.objects.get()
    assert reminder.enrolment == collecting.enrolment
    entry = AuditEntry.objects.get(action="surveys.remind")
    assert entry.actor is None and entry.actor_label == "openita remind-collection"
    call_command("remind_collection", stdout=out)  # the same day: nobody twice
    assert len(mail.outbox) == 1 and CollectionReminder.objects.count() == 1


def test_remind_collection_reports_a_mail_that_failed_and_keeps_the_agency_due(
        collecting, settings):
    settings.EMAIL_BACKEND = "tests.test_committed_changes.RefusingBackend"
    with pytest.raises(CommandError, match="could not be sent"):
        call_command("remind_collection", stdout=StringIO())
    assert not CollectionReminder.objects.exists()
    assert actions()[-2:] == ["surveys.remind", "surveys.remind_failed"]


class AfterCommitBackend(locmem.EmailBackend):
    """The test outbox, noting for each mail whether a transaction was open as it left and
    how many reminder claims another connection could see by then."""

    seen: list[tuple[bool, int]] = []

    def send_messages(self, messages):
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {CollectionReminder._meta.db_table}")
                visible = cursor.fetchone()[0]
        finally:
            other.close()
        AfterCommitBackend.seen.append((connection.in_atomic_block, visible))
        return super().send_messages(messages)


class RefusingBackend:
    """A mail server that refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_the_nacc_button_sends_the_reminders_on_a_real_database(collecting, client):
    client.force_login(collecting.nacc)
    verify_two_factor(client, collecting.nacc)
    response = client.post(reverse("agencies:survey_remind"))
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and CollectionReminder.objects.count() == 1
    assert AuditEntry.objects.get(action="surveys.remind").actor == collecting.nacc


def test_demo_builds_the_country_once_and_prints_the_sign_ins(transactional_db):
    out = StringIO()
    call_command("demo", agencies=40, seed=5, no_serve=True, stdout=out)
    assert "nacc@openita.demo" in out.getvalue() and "surveys open now" in out.getvalue()
    count = Agency.objects.count()
    assert count >= 40 and "demo.generate" in actions()
    again = StringIO()
    call_command("demo", agencies=40, seed=5, no_serve=True, stdout=again)
    assert Agency.objects.count() == count  # built once
    assert "nacc@openita.demo" in again.getvalue()


def test_serve_collects_the_static_files_and_starts_gunicorn(transactional_db, monkeypatch,
                                                              settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    started = []
    monkeypatch.setattr(os, "execv", lambda path, argv: started.append(argv))
    call_command("serve", bind="127.0.0.1:8123", workers=3, stdout=StringIO())
    [argv] = started
    assert "openita.site.wsgi:application" in argv
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"
    assert argv[argv.index("--workers") + 1] == "3"
    assert (tmp_path / "staticfiles.json").exists()


def test_audit_verify_checks_committed_changes(world):
    agencies.update_profile(world.agency_a, {"phone": "053 000 000"},
                            acting_user=world.admin_a)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "intact" in out.getvalue().lower()


def test_framework_load_gives_a_year_its_framework(world):
    year = AssessmentYear.objects.create(fiscal_year=2571)
    call_command("framework", "load", "ita-2568", "--year", "2571", stdout=StringIO())
    year.refresh_from_db()
    assert year.framework.code == "ita-2568"
    assert actions()[-2:] == ["framework.load", "year.attach_framework"]


# --- services that mail, run on commit or hold a lock -----------------------------------


def test_an_invitation_is_mailed_only_once_it_has_committed(world):
    accounts.invite("deputy@example.test", Role.AGENCY_EXECUTIVE, acting_user=world.admin_a,
                    agency=world.agency_a, site_url="https://x.example")
    [message] = mail.outbox
    assert message.to == ["deputy@example.test"]
    assert "https://x.example/accounts/invite/" in message.body
    assert Invitation.objects.filter(email="deputy@example.test").exists()


def test_an_invitation_to_an_existing_account_is_mailed_once_it_has_committed(world):
    accounts.invite(world.admin_b.email, Role.AGENCY_EXECUTIVE, acting_user=world.nacc,
                    agency=world.agency_a)
    [message] = mail.outbox
    assert message.to == [world.admin_b.email]
    assert "/accounts/invite/" in message.body
    assert actions()[-1] == "invitation.create"


def test_an_invitation_rolled_back_with_its_caller_sends_nothing(world):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        accounts.invite("deputy@example.test", Role.AGENCY_EXECUTIVE,
                        acting_user=world.admin_a, agency=world.agency_a)
        1 / 0  # noqa: B018 - the caller fails after the invitation was written
    assert not mail.outbox and not Invitation.objects.exists()


def test_an_agency_saved_under_the_registry_lock_commits_with_its_audit_row(world):
    agency = Agency(code="SAO-NEW", name_th="อบต. ใหม่", kind="sao", size_class="S",
                    province=world.province_p, parent=world.dla)
    agencies.save_agency(agency, acting_user=world.nacc)
    stored = Agency.objects.get(code="SAO-NEW")
    assert stored.lineage == f"{world.dla.lineage}{stored.pk}/"
    assert actions()[-1] == "agency.create"


def test_an_import_checked_and_written_under_the_registry_lock_commits(world):
    data = ("code,name_th,kind,size_class,province,parent_code\n"
            f"SAO-IMP,อบต. นำเข้า,sao,M,{world.province_p.code},DEP-DLA\n").encode()
    result = registry_io.import_registry("new.csv", data, acting_user=world.nacc)
    assert result.ok and Agency.objects.filter(code="SAO-IMP").exists()
    assert actions()[-1] == "agency.import"


def test_an_interview_commits_with_an_audit_row_that_names_no_answer(collecting):
    answers = {"e1": 2}
    submission = surveys.record_interview(collecting.enrolment, answers, "person",
                                          submission_key="call-1",
                                          acting_user=collecting.consultant_x)
    assert Response.objects.get().channel == "consultant"
    entry = AuditEntry.objects.get(action="surveys.interview")
    assert entry.actor == collecting.consultant_x
    assert entry.object_id == str(collecting.enrolment.pk)
    recorded = f"{entry.before} {entry.after} {entry.reason}"
    assert str(submission.response.pk) not in recorded and "e1" not in recorded
    surveys.record_interview(collecting.enrolment, answers, "person", submission_key="call-1",
                             acting_user=collecting.consultant_x)  # the same form again
    assert Response.objects.count() == 1 and actions().count("surveys.interview") == 1


def test_a_respondents_submission_commits_on_its_own(collecting):
    collecting.year.iit_requires_access_code = False
    collecting.year.save()
    first = surveys.submit(collecting.enrolment, "IIT", iit_answers(), submission_key="k1")
    again = surveys.submit(collecting.enrolment, "IIT", iit_answers(), submission_key="k1")
    assert not first.replayed and again.replayed and again.response.pk == first.response.pk
    assert Response.objects.count() == 1


def test_registration_and_the_headcount_commit_under_their_row_lock(world):
    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    enrolments.submit_headcount(world.agency_a, world.year, 64, acting_user=world.admin_a)
    enrolments.approve_headcount(world.agency_a, world.year, acting_user=world.executive_a)
    stored = Enrolment.objects.get(agency=world.agency_a, year=world.year)
    assert (stored.state, stored.headcount) == (EnrolmentState.HEADCOUNT_APPROVED, 64)
    assert actions() == ["enrolment.register", "enrolment.submit_headcount",
                         "enrolment.approve_headcount"]


def test_a_role_is_revoked_under_its_row_lock(world):
    grant = RoleGrant.objects.get(user=world.executive_a)
    accounts.revoke_role(grant, "ย้ายหน่วยงาน", acting_user=world.admin_a)
    assert RoleGrant.objects.get(pk=grant.pk).revoked_at is not None
    assert actions() == ["role.revoke"]


def test_codes_are_issued_and_a_response_excluded_with_their_audit_rows(collecting):
    [code] = codes.issue_access_codes(collecting.enrolment, 1,
                                        acting_user=collecting.admin_a)
    stored = surveys.submit(collecting.enrolment, "IIT", iit_answers(), submission_key="k2",
                            access_code=surveys.normalise_access_code(code)).response
    set_excluded(stored, True, "ตอบซ้ำ", acting_user=collecting.nacc)
    assert Response.objects.get(pk=stored.pk).excluded
    assert actions() == ["surveys.issue_codes", "response.exclude"]
