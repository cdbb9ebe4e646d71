"""The audit log is append-only and hash-chained: tampering is refused or found.

The database itself refuses UPDATE (SQLite and PostgreSQL) and DELETE (PostgreSQL; SQLite
must allow DELETE for Django's flush). Whatever gets past the triggers breaks the chain,
and ``openita audit verify`` (and the audit page) report the first broken row.
"""

from __future__ import annotations

import datetime as dt
import html
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, models, transaction
from django.urls import reverse
from django.utils import timezone

from openita.calendars import enrolment as enrolments
from openita.calendars import services as calendars
from openita.calendars.models import Phase
from openita.core import audit
from openita.core.models import AuditEntry


@audit.actions
class Tried(models.TextChoices):
    """Actions these tests record (registered like an app's)."""

    OUTSIDE = "test.outside", "outside"
    KEPT = "test.kept", "kept"
    UNDONE = "test.undone", "undone"
    FIRST = "test.first", "first"
    SECOND = "test.second", "second"

SCRIPT = audit.SystemActor("import script")

COLUMNS = ["at", "actor_id", "actor_label", "action", "object_type", "object_id",
           "object_label", "before", "after", "reason", "previous_hash", "entry_hash"]


def _several_changes(world) -> list[AuditEntry]:
    """Five audited changes of different kinds, as people make them."""
    today = timezone.localdate()
    year = calendars.create_year(2571, "ITA 2571", acting_user=world.nacc)
    calendars.set_window(year, Phase.REGISTRATION, dt.date(2027, 12, 1), dt.date(2028, 2, 28),
                         acting_user=world.nacc)
    calendars.extend_phase(world.year, Phase.REGISTRATION, today + dt.timedelta(days=40),
                           "ระบบล่ม 2 วัน", acting_user=world.nacc)
    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    enrolments.submit_headcount(world.agency_a, world.year, 87, acting_user=world.admin_a)
    return list(AuditEntry.objects.order_by("id"))


def _allow_tampering() -> None:
    """Drop the append-only trigger, as an intruder with database access would.

    DDL is transactional on both SQLite and PostgreSQL, so the test's rollback restores it.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditentry_no_change ON core_auditentry")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_update")


def _forge_row(previous_hash: str, entry_hash: str = "f" * 64) -> int:
    """Insert a row with raw SQL (INSERT is allowed) whose hash does not match its content."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    values = [connection.ops.adapt_datetimefield_value(timezone.now()), None, "intruder",
              "enrolment.approve_headcount", "agencies.enrolment", "1", "", None, None, "",
              previous_hash, entry_hash]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 12)})",
                       values)
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _text(response) -> str:
    return html.unescape(response.content.decode())


# --- writing ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_record_outside_the_transaction_of_the_change():
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit.record(Tried.OUTSIDE, actor=SCRIPT, object_type="test", object_id="1")
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_recorded_row_commits_with_its_transaction_and_rolls_back_with_it():
    with transaction.atomic():
        audit.record(Tried.KEPT, actor=SCRIPT, object_type="test", object_id="1")
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit.record(Tried.UNDONE, actor=SCRIPT, object_type="test", object_id="2")
        1 / 0  # noqa: B018 - the change fails after its audit row was written
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["test.kept"]


def test_each_row_stores_the_hash_of_the_row_before_it(world):
    first = audit.record(Tried.FIRST, actor=world.nacc, object_type="test", object_id="1",
                         after={"n": 1})
    second = audit.record(Tried.SECOND, actor=SCRIPT, object_type="test",
                          object_id="2", before={"n": 1}, after={"n": 2}, reason="why")
    assert first.previous_hash == audit.GENESIS_HASH
    assert second.previous_hash == first.entry_hash
    assert len({first.entry_hash, second.entry_hash}) == 2
    assert (first.actor, first.actor_label) == (world.nacc, "nacc@example.test")
    assert (second.actor, second.actor_label) == (None, "import script")


def test_it_records_only_a_registered_action_by_a_person_or_a_system_process(world):
    with transaction.atomic():
        with pytest.raises(TypeError, match="not a registered audit action"):
            audit.record("test.first", actor=world.nacc, object_type="test")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="a person or a SystemActor"):
            audit.record(Tried.FIRST, actor="cron", object_type="test")  # type: ignore[arg-type]
    assert not AuditEntry.objects.exists()


def test_the_chain_verifies_after_several_changes(world):
    rows = _several_changes(world)
    assert [r.action for r in rows] == [
        "year.create", "phase.set_window", "phase.extend", "enrolment.register",
        "enrolment.submit_headcount"]
    report = audit.verify_chain()
    assert report.intact
    assert report.checked == len(rows) == 5
    assert report.problem == ""


def test_an_empty_log_is_intact(db):
    report = audit.verify_chain()
    assert (report.intact, report.checked) == (True, 0)


def test_an_entry_cannot_be_changed_or_deleted_through_the_model(world):
    entry = _several_changes(world)[0]
    entry.reason = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        entry.save()
    with pytest.raises(RuntimeError, match="append-only"):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""
    assert audit.verify_chain().intact


# --- the database refuses changes ------------------------------------------------------


def test_the_database_refuses_a_raw_sql_update_of_an_entry(world):
    entry = _several_changes(world)[2]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditentry SET reason = %s WHERE id = %s",
                           ["no reason at all", entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).reason == "ระบบล่ม 2 วัน"
    assert audit.verify_chain().intact


def test_the_database_refuses_a_queryset_update_that_bypasses_the_model(world):
    entry = _several_changes(world)[3]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(actor_label="someone else")
    assert AuditEntry.objects.get(pk=entry.pk).actor_label == "admin.a@example.test"
    assert audit.verify_chain().intact


def test_deleting_a_middle_row_is_refused_or_breaks_the_chain_at_the_next_row(world):
    rows = _several_changes(world)
    middle, after_it = rows[2], rows[3]
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [middle.pk])
        assert AuditEntry.objects.filter(pk=middle.pk).exists()
        assert audit.verify_chain().intact
    else:
        # SQLite keeps no DELETE trigger (Django's flush deletes rows there).
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [middle.pk])
        report = audit.verify_chain()
        assert not report.intact
        assert report.first_broken_id == after_it.pk
        assert report.problem == "previous_hash does not match"
        assert report.checked == 2


def test_a_middle_row_deleted_behind_the_triggers_back_breaks_the_chain_at_the_next_row(world):
    rows = _several_changes(world)
    _allow_tampering()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [rows[1].pk])
    report = audit.verify_chain()
    assert (report.intact, report.first_broken_id, report.checked) == (False, rows[2].pk, 1)


def test_a_row_rewritten_behind_the_triggers_back_breaks_the_chain_at_that_row(world):
    rows = _several_changes(world)
    _allow_tampering()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET reason = %s WHERE id = %s",
                       ["ขยายให้ตามปกติ", rows[2].pk])
    assert AuditEntry.objects.get(pk=rows[2].pk).reason == "ขยายให้ตามปกติ"
    report = audit.verify_chain()
    assert not report.intact
    assert report.first_broken_id == rows[2].pk
    assert report.problem == "content does not match its hash"
    assert report.checked == 2


def test_a_forged_row_inserted_with_raw_sql_breaks_the_chain_at_that_row(world):
    rows = _several_changes(world)
    forged = _forge_row(previous_hash=rows[-1].entry_hash)
    report = audit.verify_chain()
    assert not report.intact
    assert report.first_broken_id == forged
    assert report.problem == "content does not match its hash"
    assert report.checked == len(rows)


def test_a_forged_row_that_does_not_link_to_the_last_row_breaks_the_chain(world):
    rows = _several_changes(world)
    forged = _forge_row(previous_hash=audit.GENESIS_HASH)
    report = audit.verify_chain()
    assert (report.first_broken_id, report.problem) == (forged, "previous_hash does not match")
    assert report.checked == len(rows)


# --- openita audit verify ---------------------------------------------------------------


def test_the_verify_command_says_the_chain_is_intact(world):
    rows = _several_changes(world)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().strip() == f"audit chain intact: {len(rows)} entries"


def test_the_verify_command_fails_naming_the_first_broken_entry(world):
    rows = _several_changes(world)
    forged = _forge_row(previous_hash=rows[-1].entry_hash)
    out = StringIO()
    with pytest.raises(CommandError, match=rf"BROKEN at entry #{forged}\b") as refused:
        call_command("audit", "verify", stdout=out)
    assert f"({len(rows)} entries before it are intact)" in str(refused.value)
    assert "intact:" not in out.getvalue()


def test_the_verify_command_fails_after_a_row_was_rewritten(world):
    rows = _several_changes(world)
    _allow_tampering()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = %s WHERE id = %s",
                       ["enrolment.nothing", rows[3].pk])
    with pytest.raises(CommandError, match=rf"#{rows[3].pk}: content does not match"):
        call_command("audit", "verify", stdout=StringIO())


# --- the audit page ----------------------------------------------------------------------


def test_the_audit_page_verifies_the_chain_for_nacc_when_asked(world, client_for):
    rows = _several_changes(world)
    client = _english(client_for(world.nacc))
    response = client.get(reverse("core:audit"), {"verify": "1"})
    assert response.status_code == 200
    assert response.context["report"].intact
    assert f"Chain intact: {len(rows)} entries checked." in _text(response)
    assert "Phase extended" in _text(response)


def test_the_audit_page_does_not_verify_unless_asked(world, client_for):
    _several_changes(world)
    response = _english(client_for(world.nacc)).get(reverse("core:audit"))
    assert response.status_code == 200
    assert response.context["report"] is None
    assert "Chain intact" not in _text(response)


def test_the_audit_page_shows_nacc_where_the_chain_is_broken(world, client_for):
    rows = _several_changes(world)
    forged = _forge_row(previous_hash=rows[-1].entry_hash)
    response = _english(client_for(world.nacc)).get(reverse("core:audit"), {"verify": "1"})
    assert response.status_code == 200
    assert response.context["report"].first_broken_id == forged
    assert f"The chain is broken at entry #{forged}: the log has been altered." in _text(response)
    assert "Chain intact" not in _text(response)


def test_the_audit_page_filters_by_action(world, client_for):
    _several_changes(world)
    response = client_for(world.nacc).get(reverse("core:audit"),
                                          {"action": "enrolment.register"})
    actions = [e.action for e in response.context["page"].object_list]
    assert actions == ["enrolment.register"]
    assert "Agency registered for the year" in _text(_english(client_for(world.nacc)).get(
        reverse("core:audit")))


def test_an_unknown_action_in_the_filter_filters_nothing(world, client_for):
    rows = _several_changes(world)
    response = client_for(world.nacc).get(reverse("core:audit"), {"action": "no.such"})
    assert len(response.context["page"].object_list) == len(rows)


@pytest.mark.parametrize("persona", ["admin_a", "executive_a", "officer_p", "consultant_x"])
def test_nobody_but_nacc_may_verify_through_the_audit_page(world, client_for, persona):
    _several_changes(world)
    response = client_for(world.persona(persona)).get(reverse("core:audit"), {"verify": "1"})
    assert response.status_code == 403
    assert "Chain intact" not in _text(response)
