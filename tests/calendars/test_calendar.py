"""Assessment years, their phase windows and extensions, and "is this allowed now?".

A window opens at 00:00 on its first day and closes at 24:00 on its last day, Bangkok time.
NACC administrators create years, set dates, open years and grant extensions; each change
leaves an audit row.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from openita.calendars import services
from openita.calendars.models import (
    PHASE_ORDER,
    AssessmentYear,
    Phase,
    PhaseExtension,
    PhaseWindow,
    YearStatus,
)
from openita.core import thaidates
from openita.core.errors import ActionRefused, PhaseClosed
from openita.core.models import AuditEntry
from tests.helpers import english as _english
from tests.helpers import messages_of as _messages
from tests.helpers import page_text as _text

BANGKOK = thaidates.BANGKOK
UTC = dt.UTC


def _errors(form, field: str) -> list[str]:
    """A field's errors as English text (form messages stay lazy until shown)."""
    with translation.override("en"):
        return [str(e) for e in form.errors.get(field, [])]


def _audit(action: str):
    return AuditEntry.objects.filter(action=action).order_by("id")


def _refusal(language: str, action, *args, **kwargs) -> str:
    """The message of the PhaseClosed that ``action`` raises, read in ``language``."""
    with translation.override(language):
        with pytest.raises(PhaseClosed) as refused:
            action(*args, **kwargs)
        return str(refused.value.message)


def _registration(year) -> PhaseWindow:
    return PhaseWindow.objects.get(year=year, phase=Phase.REGISTRATION)


# --- years -----------------------------------------------------------------------------


def test_nacc_creates_a_year_with_the_proposed_calendar_of_nine_windows(world, client_for):
    client = _english(client_for(world.nacc))
    response = client.post(reverse("calendars:new"), {
        "fiscal_year": "2571", "title": "ITA 2571", "propose_calendar": "on"}, follow=True)

    assert response.redirect_chain == [(reverse("calendars:detail", args=[2571]), 302)]
    assert "The year is created." in _messages(response)
    year = AssessmentYear.objects.get(fiscal_year=2571)
    assert (year.title, year.status) == ("ITA 2571", YearStatus.DRAFT)
    windows = {w.phase: w for w in year.windows.all()}
    assert sorted(windows) == sorted(PHASE_ORDER)
    # FY2571 ends in 2028: registration runs 1 Jan – 28 Feb 2028, inside the fiscal year.
    assert (windows[Phase.REGISTRATION].opens_on, windows[Phase.REGISTRATION].closes_on) == (
        dt.date(2028, 1, 1), dt.date(2028, 2, 28))
    first, last = thaidates.fiscal_year_bounds(2571)
    assert all(first <= w.opens_on <= w.closes_on <= last for w in windows.values())
    entry = _audit("year.create").get()
    assert (entry.actor, entry.object_id) == (world.nacc, str(year.pk))
    assert entry.after == {"fiscal_year": 2571, "title": "ITA 2571", "proposed_calendar": True}
    assert "1 Jan 2028" in _text(response)


def test_nacc_creates_a_year_with_an_empty_calendar_when_asked(world, client_for):
    response = client_for(world.nacc).post(reverse("calendars:new"), {"fiscal_year": "2572"})
    assert response.status_code == 302
    year = AssessmentYear.objects.get(fiscal_year=2572)
    assert not year.windows.exists()
    assert _audit("year.create").get().after["proposed_calendar"] is False


def test_it_refuses_a_year_that_exists_already_with_the_message_on_the_field(world, client_for):
    client = _english(client_for(world.nacc))
    response = client.post(reverse("calendars:new"), {
        "fiscal_year": "2570", "title": "again", "propose_calendar": "on"})
    assert response.status_code == 200
    assert _errors(response.context["form"], "fiscal_year") == [
        "Fiscal year 2570 already exists."]
    assert "Fiscal year 2570 already exists." in _text(response)
    assert AssessmentYear.objects.count() == 1
    assert AssessmentYear.objects.get().title == ""
    assert not _audit("year.create").exists()


@pytest.mark.parametrize("fiscal_year", ["2559", "2701", "ปีหน้า", ""])
def test_it_refuses_a_fiscal_year_outside_the_buddhist_era_range(world, client_for, fiscal_year):
    response = client_for(world.nacc).post(reverse("calendars:new"), {"fiscal_year": fiscal_year})
    assert response.status_code == 200
    assert "fiscal_year" in response.context["form"].errors
    assert AssessmentYear.objects.count() == 1
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("persona", ["admin_a", "executive_a", "officer_p"])
def test_only_nacc_may_create_a_year(world, client_for, persona):
    response = client_for(world.persona(persona)).post(
        reverse("calendars:new"), {"fiscal_year": "2571", "propose_calendar": "on"})
    assert response.status_code == 403
    assert not AssessmentYear.objects.filter(fiscal_year=2571).exists()
    assert not AuditEntry.objects.exists()


# --- windows ---------------------------------------------------------------------------


def test_nacc_sets_the_dates_of_a_phase(world, client_for):
    old = _registration(world.year)
    client = _english(client_for(world.nacc))
    response = client.post(reverse("calendars:window", args=[2570]), {
        "phase": "registration", "opens_on": "2026-11-01", "closes_on": "2027-01-31"},
        follow=True)
    assert response.redirect_chain == [(reverse("calendars:detail", args=[2570]), 302)]
    assert "The dates are saved." in _messages(response)
    window = _registration(world.year)
    assert (window.opens_on, window.closes_on) == (dt.date(2026, 11, 1), dt.date(2027, 1, 31))
    entry = _audit("phase.set_window").get()
    assert entry.actor == world.nacc
    assert entry.before == {"opens_on": old.opens_on.isoformat(),
                            "closes_on": old.closes_on.isoformat()}
    assert entry.after == {"phase": "registration", "opens_on": "2026-11-01",
                           "closes_on": "2027-01-31"}
    assert "31 Jan 2027" in _text(response)


def test_nacc_sets_the_first_dates_of_a_phase_that_had_none(world):
    year = services.create_year(2571, acting_user=world.nacc, propose_calendar=False)
    window = services.set_window(year, Phase.PUBLICATION, dt.date(2028, 8, 1),
                                 dt.date(2028, 8, 31), acting_user=world.nacc)
    assert window.pk is not None
    assert _audit("phase.set_window").get().before is None


def test_it_refuses_a_window_that_closes_before_it_opens_and_changes_nothing(world, client_for):
    old = _registration(world.year)
    client = _english(client_for(world.nacc))
    response = client.post(reverse("calendars:window", args=[2570]), {
        "phase": "registration", "opens_on": "2027-02-01", "closes_on": "2027-01-31"})
    assert response.status_code == 400
    rows = {row["phase"].value: row for row in response.context["rows"]}
    assert _errors(rows["registration"]["form"], "closes_on") == [
        "The closing day must not be before the opening day."]
    assert "The closing day must not be before the opening day." in _text(response)
    window = _registration(world.year)
    assert (window.opens_on, window.closes_on) == (old.opens_on, old.closes_on)
    assert not _audit("phase.set_window").exists()


def test_the_service_refuses_a_window_that_closes_before_it_opens(world):
    old = _registration(world.year)
    with pytest.raises(ActionRefused) as refused:
        services.set_window(world.year, Phase.REGISTRATION, dt.date(2027, 2, 1),
                            dt.date(2027, 1, 31), acting_user=world.nacc)
    assert refused.value.field == "closes_on"
    assert _registration(world.year).closes_on == old.closes_on
    assert not AuditEntry.objects.exists()


def test_a_window_of_a_single_day_is_allowed(world):
    services.set_window(world.year, Phase.PRELIMINARY_RELEASE, dt.date(2027, 6, 1),
                        dt.date(2027, 6, 1), acting_user=world.nacc)
    window = PhaseWindow.objects.get(year=world.year, phase=Phase.PRELIMINARY_RELEASE)
    assert window.opens_on == window.closes_on == dt.date(2027, 6, 1)


def test_saving_the_same_dates_again_records_nothing(world):
    old = _registration(world.year)
    services.set_window(world.year, Phase.REGISTRATION, old.opens_on, old.closes_on,
                        acting_user=world.nacc)
    assert not AuditEntry.objects.exists()


def test_only_nacc_may_set_dates(world, client_for):
    old = _registration(world.year)
    response = client_for(world.admin_a).post(reverse("calendars:window", args=[2570]), {
        "phase": "registration", "opens_on": "2020-01-01", "closes_on": "2030-01-31"})
    assert response.status_code == 403
    assert _registration(world.year).closes_on == old.closes_on
    with pytest.raises(PermissionDenied):
        services.set_window(world.year, Phase.REGISTRATION, dt.date(2020, 1, 1),
                            dt.date(2030, 1, 1), acting_user=world.admin_a)
    assert not AuditEntry.objects.exists()


# --- opening a year ------------------------------------------------------------------------


def _close_the_world_year(world) -> None:
    AssessmentYear.objects.filter(pk=world.year.pk).update(status=YearStatus.CLOSED)


def test_it_refuses_to_open_a_year_while_a_phase_has_no_dates(world, client_for):
    _close_the_world_year(world)
    year = services.create_year(2571, acting_user=world.nacc, propose_calendar=False)
    services.set_window(year, Phase.REGISTRATION, dt.date(2028, 1, 1), dt.date(2028, 2, 28),
                        acting_user=world.nacc)
    client = _english(client_for(world.nacc))
    response = client.post(reverse("calendars:status", args=[2571]), {"status": "open"},
                           follow=True)
    assert response.redirect_chain == [(reverse("calendars:detail", args=[2571]), 302)]
    [message] = _messages(response)
    assert message.startswith("Set the dates of every phase before opening the year. Missing: ")
    assert "OIT entry" in message and "Publication" in message
    assert "Registration and headcounts" not in message
    assert AssessmentYear.objects.get(pk=year.pk).status == YearStatus.DRAFT
    assert not _audit("year.set_status").exists()


def test_nacc_opens_a_year_once_every_phase_has_dates(world, client_for):
    _close_the_world_year(world)
    year = services.create_year(2571, acting_user=world.nacc)
    services.attach_framework(year, world.year.framework, acting_user=world.nacc)
    response = _english(client_for(world.nacc)).post(
        reverse("calendars:status", args=[2571]), {"status": "open"}, follow=True)
    assert "The year's status is changed." in _messages(response)
    assert AssessmentYear.objects.get(pk=year.pk).status == YearStatus.OPEN
    entry = _audit("year.set_status").get()
    assert (entry.before, entry.after) == ({"status": "draft"}, {"status": "open"})
    assert services.current_year() == year


def test_only_one_year_is_open_at_a_time(world, client_for):
    year = services.create_year(2571, acting_user=world.nacc)
    response = _english(client_for(world.nacc)).post(
        reverse("calendars:status", args=[2571]), {"status": "open"}, follow=True)
    [message] = _messages(response)
    assert message == "Close the year 2570 first: only one year is open at a time."
    assert AssessmentYear.objects.get(pk=year.pk).status == YearStatus.DRAFT
    assert services.current_year() == world.year


@pytest.mark.parametrize("closes_on", ["9999-12-31", "2027-09-30", "2125-01-31"])
def test_it_refuses_a_date_far_from_the_fiscal_year(world, client_for, closes_on):
    response = _english(client_for(world.nacc)).post(
        reverse("calendars:window", args=[2570]),
        {"phase": "oit_entry", "opens_on": "2027-01-01", "closes_on": closes_on})
    if closes_on == "2027-09-30":  # the last day of FY2570 itself is fine
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert "Choose a date between" in response.content.decode()
    assert not _audit("phase.set_window").exists()
    assert client_for(world.nacc).get(reverse("site:home")).status_code == 200


def test_an_unknown_status_is_refused(world, client_for):
    response = _english(client_for(world.nacc)).post(
        reverse("calendars:status", args=[2570]), {"status": "archived"}, follow=True)
    assert "Unknown status." in _messages(response)
    assert AssessmentYear.objects.get(pk=world.year.pk).status == YearStatus.OPEN
    assert not AuditEntry.objects.exists()


def test_a_year_with_enrolments_cannot_go_back_to_preparation(world):
    from openita.calendars import enrolment as enrolments

    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    services.set_year_status(world.year, YearStatus.CLOSED, acting_user=world.nacc)
    with pytest.raises(ActionRefused):
        services.set_year_status(world.year, YearStatus.DRAFT, acting_user=world.nacc)
    assert AssessmentYear.objects.get(pk=world.year.pk).status == YearStatus.CLOSED
    assert list(AuditEntry.objects.values_list("action", flat=True).order_by("id")) == [
        "enrolment.register", "year.set_status"]


# --- extensions ------------------------------------------------------------------------


def test_nacc_extends_a_phase_for_every_agency_with_a_reason(world, client_for):
    old_close = _registration(world.year).closes_on
    new_close = old_close + dt.timedelta(days=7)
    client = _english(client_for(world.nacc))
    response = client.post(reverse("calendars:extend", args=[2570]), {
        "phase": "registration", "agency_code": "", "closes_on": new_close.isoformat(),
        "reason": "ระบบล่มสองวัน"}, follow=True)

    assert response.redirect_chain == [(reverse("calendars:detail", args=[2570]), 302)]
    assert "The phase is extended." in _messages(response)
    extension = PhaseExtension.objects.get()
    assert (extension.agency, extension.closes_on, extension.reason, extension.granted_by) == (
        None, new_close, "ระบบล่มสองวัน", world.nacc)
    entry = _audit("phase.extend").get()
    assert (entry.actor, entry.reason) == (world.nacc, "ระบบล่มสองวัน")
    assert entry.before == {"closes_on": old_close.isoformat()}
    assert entry.after == {"phase": "registration", "closes_on": new_close.isoformat(),
                           "agency": None}
    for agency in (world.agency_a, world.agency_b, None):
        status = services.phase_status(world.year, Phase.REGISTRATION, agency)
        assert (status.closes_on, status.extended) == (new_close, True)
    assert _registration(world.year).closes_on == old_close  # the window itself stays
    text = _text(response)
    assert "every agency" in text and "ระบบล่มสองวัน" in text
    assert thaidates.format_date(new_close, "en") in text


def test_nacc_extends_a_phase_for_one_agency_by_its_code(world, client_for):
    old_close = _registration(world.year).closes_on
    new_close = old_close + dt.timedelta(days=3)
    response = _english(client_for(world.nacc)).post(reverse("calendars:extend", args=[2570]), {
        "phase": "registration", "agency_code": " sao-a ", "closes_on": new_close.isoformat(),
        "reason": "น้ำท่วมสำนักงาน"}, follow=True)

    assert "The phase is extended." in _messages(response)
    extension = PhaseExtension.objects.get()
    assert (extension.agency, extension.closes_on) == (world.agency_a, new_close)
    entry = _audit("phase.extend").get()
    assert entry.after == {"phase": "registration", "closes_on": new_close.isoformat(),
                           "agency": "SAO-A"}
    assert entry.reason == "น้ำท่วมสำนักงาน"
    for_a = services.phase_status(world.year, Phase.REGISTRATION, world.agency_a)
    for_b = services.phase_status(world.year, Phase.REGISTRATION, world.agency_b)
    for_all = services.phase_status(world.year, Phase.REGISTRATION)
    assert (for_a.closes_on, for_a.extended) == (new_close, True)
    assert (for_b.closes_on, for_b.extended) == (old_close, False)
    assert (for_all.closes_on, for_all.extended) == (old_close, False)
    assert "SAO-A" in _text(response) and "Nong Bua SAO" in _text(response)


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_refuses_an_extension_without_a_reason(world, client_for, reason):
    new_close = _registration(world.year).closes_on + dt.timedelta(days=7)
    response = client_for(world.nacc).post(reverse("calendars:extend", args=[2570]), {
        "phase": "registration", "closes_on": new_close.isoformat(), "reason": reason})
    assert response.status_code == 400
    assert "reason" in response.context["extension_form"].errors
    assert not PhaseExtension.objects.exists()
    assert not _audit("phase.extend").exists()


def test_the_service_refuses_an_extension_with_a_blank_reason(world):
    new_close = _registration(world.year).closes_on + dt.timedelta(days=7)
    with translation.override("en"):
        with pytest.raises(ActionRefused) as refused:
            services.extend_phase(world.year, Phase.REGISTRATION, new_close, " \n ",
                                  acting_user=world.nacc)
        assert str(refused.value.message) == "Give the reason for the extension."
    assert refused.value.field == "reason"
    assert not PhaseExtension.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("days_later", [0, -1])
def test_it_refuses_an_extension_that_does_not_move_the_closing_day_later(
    world, client_for, days_later
):
    current = _registration(world.year).closes_on
    response = _english(client_for(world.nacc)).post(reverse("calendars:extend", args=[2570]), {
        "phase": "registration", "closes_on": (current + dt.timedelta(days=days_later)).isoformat(),
        "reason": "ขอขยาย"})
    assert response.status_code == 400
    expected = (f"The new closing day must be after the current one "
                f"({thaidates.format_date(current, 'en')}).")
    assert _errors(response.context["extension_form"], "closes_on") == [expected]
    assert expected in _text(response)
    assert not PhaseExtension.objects.exists()
    assert not _audit("phase.extend").exists()


def test_an_agency_extension_must_go_beyond_an_extension_for_everyone(world):
    everyone = _registration(world.year).closes_on + dt.timedelta(days=10)
    services.extend_phase(world.year, Phase.REGISTRATION, everyone, "ทุกหน่วยงาน",
                          acting_user=world.nacc)
    with pytest.raises(ActionRefused) as refused:
        services.extend_phase(world.year, Phase.REGISTRATION, everyone - dt.timedelta(days=2),
                              "เฉพาะ A", acting_user=world.nacc, agency=world.agency_a)
    assert refused.value.field == "closes_on"
    assert PhaseExtension.objects.count() == 1
    assert _audit("phase.extend").count() == 1


def test_it_refuses_an_extension_for_an_unknown_agency_code(world, client_for):
    new_close = _registration(world.year).closes_on + dt.timedelta(days=7)
    response = _english(client_for(world.nacc)).post(reverse("calendars:extend", args=[2570]), {
        "phase": "registration", "agency_code": "SAO-Z", "closes_on": new_close.isoformat(),
        "reason": "ขอขยาย"})
    assert response.status_code == 400
    assert _errors(response.context["extension_form"], "agency_code") == [
        "No agency has this code."]
    assert not PhaseExtension.objects.exists()
    assert not _audit("phase.extend").exists()


def test_it_refuses_to_extend_a_phase_that_has_no_dates(world):
    year = services.create_year(2571, acting_user=world.nacc, propose_calendar=False)
    with pytest.raises(ActionRefused) as refused:
        services.extend_phase(year, Phase.REGISTRATION, dt.date(2028, 3, 31), "ขอขยาย",
                              acting_user=world.nacc)
    assert refused.value.field == "phase"
    assert not PhaseExtension.objects.exists()
    assert not _audit("phase.extend").exists()


@pytest.mark.parametrize("persona", ["admin_a", "executive_a", "consultant_x"])
def test_only_nacc_may_extend_a_phase(world, client_for, persona):
    new_close = _registration(world.year).closes_on + dt.timedelta(days=7)
    response = client_for(world.persona(persona)).post(
        reverse("calendars:extend", args=[2570]), {
            "phase": "registration", "agency_code": "SAO-A",
            "closes_on": new_close.isoformat(), "reason": "ขอขยาย"})
    assert response.status_code == 403
    assert not PhaseExtension.objects.exists()
    assert not AuditEntry.objects.exists()


# --- require_open ----------------------------------------------------------------------


@pytest.fixture
def fy2568(world) -> AssessmentYear:
    """An open year whose registration runs 1 Jan – 28 Feb 2025 (Bangkok), nothing else set."""
    year = AssessmentYear.objects.create(fiscal_year=2568, status=YearStatus.OPEN)
    PhaseWindow.objects.create(year=year, phase=Phase.REGISTRATION,
                               opens_on=dt.date(2025, 1, 1), closes_on=dt.date(2025, 2, 28))
    return year


def _bangkok(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BANGKOK)


def test_a_window_is_open_until_the_last_second_of_its_last_day_in_bangkok(fy2568):
    for now in (_bangkok(2025, 2, 28, 23, 59, 59), dt.datetime(2025, 2, 28, 16, 59, 59,
                                                                   tzinfo=UTC)):
        status = services.require_open(fy2568, Phase.REGISTRATION, now=now)
        assert status.is_open
        assert status.closes_at == _bangkok(2025, 3, 1, 0, 0)


def test_a_window_is_closed_from_midnight_after_its_last_day_in_bangkok(fy2568):
    for now in (_bangkok(2025, 3, 1, 0, 0), dt.datetime(2025, 2, 28, 17, 0, tzinfo=UTC)):
        with pytest.raises(PhaseClosed):
            services.require_open(fy2568, Phase.REGISTRATION, now=now)
        status = services.phase_status(fy2568, Phase.REGISTRATION, now=now)
        assert (status.is_open, status.not_yet_open) == (False, False)


def test_a_window_opens_at_midnight_on_its_first_day_in_bangkok(fy2568):
    with pytest.raises(PhaseClosed):
        services.require_open(fy2568, Phase.REGISTRATION, now=_bangkok(2024, 12, 31, 23, 59, 59))
    early = services.phase_status(fy2568, Phase.REGISTRATION,
                                  now=_bangkok(2024, 12, 31, 23, 59, 59))
    assert (early.is_open, early.not_yet_open) == (False, True)
    assert services.require_open(fy2568, Phase.REGISTRATION,
                                 now=_bangkok(2025, 1, 1, 0, 0)).is_open
    # 17:00 UTC on 31 Dec is already midnight in Bangkok.
    assert services.require_open(fy2568, Phase.REGISTRATION,
                                 now=dt.datetime(2024, 12, 31, 17, 0, tzinfo=UTC)).is_open


def test_an_agency_extension_opens_the_phase_for_that_agency_only(world, fy2568):
    services.extend_phase(fy2568, Phase.REGISTRATION, dt.date(2025, 3, 10), "น้ำท่วม",
                          acting_user=world.nacc, agency=world.agency_a)
    now = _bangkok(2025, 3, 5, 10, 0)
    status = services.require_open(fy2568, Phase.REGISTRATION, world.agency_a, now=now)
    assert (status.is_open, status.extended, status.closes_on) == (True, True,
                                                                     dt.date(2025, 3, 10))
    with pytest.raises(PhaseClosed):
        services.require_open(fy2568, Phase.REGISTRATION, world.agency_b, now=now)
    with pytest.raises(PhaseClosed):
        services.require_open(fy2568, Phase.REGISTRATION, now=now)
    assert services.require_open(fy2568, Phase.REGISTRATION, world.agency_a,
                                 now=_bangkok(2025, 3, 10, 23, 59, 59)).is_open
    with pytest.raises(PhaseClosed):
        services.require_open(fy2568, Phase.REGISTRATION, world.agency_a,
                              now=_bangkok(2025, 3, 11, 0, 0))


def test_an_extension_for_everyone_opens_the_phase_for_every_agency(world, fy2568):
    services.extend_phase(fy2568, Phase.REGISTRATION, dt.date(2025, 3, 7), "ระบบล่ม",
                          acting_user=world.nacc)
    now = _bangkok(2025, 3, 7, 12, 0)
    for agency in (world.agency_a, world.agency_b, None):
        assert services.require_open(fy2568, Phase.REGISTRATION, agency, now=now).extended


def test_the_latest_extension_that_applies_wins(world, fy2568):
    services.extend_phase(fy2568, Phase.REGISTRATION, dt.date(2025, 3, 5), "ทุกหน่วยงาน",
                          acting_user=world.nacc)
    services.extend_phase(fy2568, Phase.REGISTRATION, dt.date(2025, 3, 20), "เฉพาะ A",
                          acting_user=world.nacc, agency=world.agency_a)
    assert services.phase_status(fy2568, Phase.REGISTRATION, world.agency_a).closes_on == (
        dt.date(2025, 3, 20))
    assert services.phase_status(fy2568, Phase.REGISTRATION, world.agency_b).closes_on == (
        dt.date(2025, 3, 5))


def test_the_refusal_names_the_phase_and_its_dates_in_english(fy2568):
    message = _refusal("en", services.require_open, fy2568, Phase.REGISTRATION,
                       now=_bangkok(2025, 3, 1, 0, 0))
    assert message == (
        "This action is only allowed during “Registration and headcounts”: "
        "1 Jan 2025 – 28 Feb 2025 (closes 24:00 Bangkok time).")


def test_the_refusal_names_the_phase_and_its_dates_in_thai(fy2568):
    with translation.override("th"):
        thai_phase = str(Phase.REGISTRATION.label)
    message = _refusal("th", services.require_open, fy2568, Phase.REGISTRATION,
                       now=_bangkok(2025, 3, 1, 0, 0))
    assert thai_phase in message
    assert "1 ม.ค. 2568" in message and "28 ก.พ. 2568" in message
    assert "2025" not in message


def test_the_refusal_after_an_extension_names_the_extended_closing_day(world, fy2568):
    services.extend_phase(fy2568, Phase.REGISTRATION, dt.date(2025, 3, 10), "น้ำท่วม",
                          acting_user=world.nacc, agency=world.agency_a)
    message = _refusal("en", services.require_open, fy2568, Phase.REGISTRATION, world.agency_a,
                       now=_bangkok(2025, 3, 11, 0, 0))
    assert "1 Jan 2025 – 10 Mar 2025" in message


def test_a_phase_without_dates_is_refused_naming_the_phase(fy2568):
    message = _refusal("en", services.require_open, fy2568, Phase.OIT_ENTRY,
                       now=_bangkok(2025, 3, 1, 0, 0))
    assert message == (
        "This action needs the phase “OIT entry”, which has no dates yet.")


@pytest.mark.parametrize("status", [YearStatus.DRAFT, YearStatus.CLOSED])
def test_nothing_is_open_in_a_year_that_is_not_open(fy2568, status):
    AssessmentYear.objects.filter(pk=fy2568.pk).update(status=status)
    fy2568.refresh_from_db()
    message = _refusal("en", services.require_open, fy2568, Phase.REGISTRATION,
                       now=_bangkok(2025, 2, 1, 12, 0))
    assert message == "There is no open assessment year for this action."
    assert not services.phase_status(fy2568, Phase.REGISTRATION,
                                     now=_bangkok(2025, 2, 1, 12, 0)).is_open


def test_nothing_is_open_without_a_year(db):
    with pytest.raises(PhaseClosed):
        services.require_open(None, Phase.REGISTRATION)


def test_the_calendar_lists_the_set_windows_in_phase_order(world, fy2568):
    services.set_window(fy2568, Phase.PUBLICATION, dt.date(2025, 8, 1), dt.date(2025, 8, 31),
                        acting_user=world.nacc)
    calendar = services.calendar_of(fy2568, now=_bangkok(2025, 8, 1, 0, 0))
    assert [(s.phase, s.is_open) for s in calendar] == [
        ("registration", False), ("publication", True)]
