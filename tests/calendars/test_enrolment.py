"""Enrolment in a year: the agency admin registers and enters the headcount, the executive
approves it or sends it back; all during the registration window, each step audited.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from openita.agencies.models import Agency
from openita.calendars import enrolment as enrolments
from openita.calendars import services as calendars
from openita.calendars.models import Enrolment, EnrolmentState, Phase
from openita.core import thaidates
from openita.core.audit import verify_chain
from openita.core.errors import ActionRefused, PhaseClosed
from openita.core.models import AuditEntry
from tests.helpers import audit_actions as _actions
from tests.helpers import english as _english
from tests.helpers import messages_of as _messages
from tests.helpers import page_text as _text


def _urls(world, agency=None):
    pk, fy = (agency or world.agency_a).pk, world.year.fiscal_year
    return {
        "detail": reverse("agencies:detail", args=[pk]),
        "enrol": reverse("agencies:enrol", args=[pk, fy]),
        "headcount": reverse("agencies:headcount", args=[pk, fy]),
        "approve": reverse("agencies:approve_headcount", args=[pk, fy]),
        "return": reverse("agencies:return_headcount", args=[pk, fy]),
    }


def _enrolment(world, agency=None) -> Enrolment | None:
    return Enrolment.objects.filter(agency=agency or world.agency_a, year=world.year).first()


def _submitted(world, headcount: int = 120) -> None:
    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    enrolments.submit_headcount(world.agency_a, world.year, headcount, acting_user=world.admin_a)


# --- the whole path --------------------------------------------------------------------


def test_the_admin_enrols_enters_the_headcount_and_the_executive_approves_it(world, client_for):
    urls = _urls(world)

    admin = _english(client_for(world.admin_a))
    before = _text(admin.get(urls["detail"]))
    assert "Not registered" in before and "Register for this year" in before

    registered = admin.post(urls["enrol"], follow=True)
    assert registered.redirect_chain == [(urls["detail"], 302)]
    assert "The agency is registered for this year." in _messages(registered)
    enrolment = _enrolment(world)
    assert enrolment.state == EnrolmentState.REGISTERED
    assert enrolment.registered_by == world.admin_a
    assert enrolment.registered_at is not None
    assert 'id="enrolment-state">Registered<' in _text(registered)
    assert "Enter the headcount" in _text(registered)

    form = admin.get(urls["headcount"])
    assert form.status_code == 200
    submitted = admin.post(urls["headcount"], {"headcount": "120"}, follow=True)
    assert submitted.redirect_chain == [(urls["detail"], 302)]
    assert ("The headcount is saved and waits for the executive's approval."
            in _messages(submitted))
    enrolment.refresh_from_db()
    assert (enrolment.state, enrolment.headcount) == (EnrolmentState.HEADCOUNT_SUBMITTED, 120)
    assert enrolment.headcount_submitted_by == world.admin_a
    assert "Headcount awaiting approval" in _text(submitted)
    assert '<strong id="headcount">120</strong>' in _text(submitted)
    assert "Approve the headcount" not in _text(submitted)  # the admin may not approve

    executive = _english(client_for(world.executive_a))
    assert "Approve the headcount" in _text(executive.get(urls["detail"]))
    approved = executive.post(urls["approve"], follow=True)
    assert approved.redirect_chain == [(urls["detail"], 302)]
    assert "The headcount is approved." in _messages(approved)
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.HEADCOUNT_APPROVED
    assert enrolment.headcount_approved_by == world.executive_a
    text = _text(approved)
    assert 'id="enrolment-state">Headcount approved<' in text
    assert "approved by นายก อบต. หนองบัว on " in text

    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.action, e.actor) for e in entries] == [
        ("enrolment.register", world.admin_a),
        ("enrolment.submit_headcount", world.admin_a),
        ("enrolment.approve_headcount", world.executive_a),
    ]
    assert {e.object_id for e in entries} == {str(enrolment.pk)}
    assert entries[0].after == {"state": "registered", "year": 2570}
    assert entries[1].before == {"state": "registered", "headcount": None}
    assert entries[1].after == {"state": "headcount_submitted", "headcount": 120}
    assert entries[2].after == {"state": "headcount_approved", "headcount": 120}
    assert verify_chain().intact


def test_the_agency_list_shows_the_enrolment_state(world, client_for):
    _submitted(world)
    response = client_for(world.nacc).get(reverse("agencies:list"))
    states = {a.code: a.enrolment_state for a in response.context["page"].object_list}
    assert states["SAO-A"] == EnrolmentState.HEADCOUNT_SUBMITTED
    assert states["SAO-B"] == EnrolmentState.NOT_REGISTERED


# --- enrolling -------------------------------------------------------------------------


def test_it_refuses_to_enrol_the_same_agency_twice(world, client_for):
    client = _english(client_for(world.admin_a))
    first = client.post(_urls(world)["enrol"], follow=True)
    assert _messages(first) == ["The agency is registered for this year."]
    again = client.post(_urls(world)["enrol"], follow=True)
    assert again.redirect_chain == [(_urls(world)["detail"], 302)]
    assert _messages(again) == ["Not possible while the enrolment is “Registered”."]
    assert Enrolment.objects.filter(agency=world.agency_a).count() == 1
    assert _enrolment(world).state == EnrolmentState.REGISTERED
    assert _actions() == ["enrolment.register"]


def test_in_a_closed_world_enrolment_is_refused_naming_the_phase_in_english(
    closed_world, client_for
):
    world = closed_world
    window = calendars.phase_status(world.year, Phase.REGISTRATION)
    response = _english(client_for(world.admin_a)).post(_urls(world)["enrol"], follow=True)
    assert response.redirect_chain == [(_urls(world)["detail"], 302)]
    [message] = _messages(response)
    assert "“Registration and headcounts”" in message
    assert thaidates.format_date(window.opens_on, "en") in message
    assert thaidates.format_date(window.closes_on, "en") in message
    assert "24:00 Bangkok time" in message
    assert not Enrolment.objects.exists()
    assert not AuditEntry.objects.exists()
    assert "not yet open" in _text(response)


def test_in_a_closed_world_enrolment_is_refused_naming_the_phase_in_thai(
    closed_world, client_for
):
    world = closed_world
    window = calendars.phase_status(world.year, Phase.REGISTRATION)
    with translation.override("th"):
        thai_phase = str(Phase.REGISTRATION.label)
    response = client_for(world.admin_a).post(_urls(world)["enrol"], follow=True)
    [message] = _messages(response)
    assert thai_phase in message
    assert thaidates.format_date(window.opens_on, "th") in message
    assert thaidates.format_date(window.closes_on, "th") in message
    assert not Enrolment.objects.exists()
    assert not AuditEntry.objects.exists()


def test_an_inactive_agency_cannot_enrol(world, client_for):
    Agency.objects.filter(pk=world.agency_a.pk).update(active=False)
    response = _english(client_for(world.admin_a)).post(_urls(world)["enrol"], follow=True)
    assert _messages(response) == ["This agency is not active in the registry, so its details "
                                   "cannot be changed. If this is a mistake, ask NACC to "
                                   "reactivate it."]
    assert not Enrolment.objects.exists()
    assert not AuditEntry.objects.exists()


def test_an_agency_enrols_after_the_window_closed_only_with_its_own_extension(world, client_for):
    today = timezone.localdate()
    calendars.set_window(world.year, Phase.REGISTRATION, today - dt.timedelta(days=30),
                         today - dt.timedelta(days=1), acting_user=world.nacc)
    calendars.extend_phase(world.year, Phase.REGISTRATION, today + dt.timedelta(days=2),
                           "ระบบของหน่วยงานขัดข้อง", acting_user=world.nacc,
                           agency=world.agency_a)

    client_for(world.admin_a).post(_urls(world)["enrol"])
    client_for(world.admin_b).post(_urls(world, world.agency_b)["enrol"])

    assert _enrolment(world).state == EnrolmentState.REGISTERED
    assert _enrolment(world, world.agency_b) is None
    assert _actions() == ["phase.set_window", "phase.extend", "enrolment.register"]


def test_only_the_admin_of_the_agency_may_enrol_it_through_the_service(world):
    from django.core.exceptions import PermissionDenied

    for person in (world.admin_b, world.executive_a, world.nacc):
        with pytest.raises(PermissionDenied):
            enrolments.enrol(world.agency_a, world.year, acting_user=person)
    assert not Enrolment.objects.exists()


# --- the headcount ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-5", "หนึ่งร้อย", "12.5", "", "1000001"])
def test_it_refuses_a_headcount_that_is_not_a_whole_number_from_one(world, client_for, value):
    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    client = _english(client_for(world.admin_a))
    response = client.post(_urls(world)["headcount"], {"headcount": value})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["headcount"]
    with translation.override("en"):
        [error] = [str(e) for e in form.errors["headcount"]]
    text = _text(response)
    # The message sits next to the field, which points at it for screen readers.
    assert f'<ul class="errorlist" id="id_headcount_error"><li>{error}</li></ul>' in text
    assert 'aria-describedby="id_headcount_helptext id_headcount_error"' in text
    enrolment = _enrolment(world)
    assert (enrolment.state, enrolment.headcount) == (EnrolmentState.REGISTERED, None)
    assert _actions() == ["enrolment.register"]


def test_it_refuses_a_missing_headcount(world, client_for):
    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    # A browser always sends the CSRF token, so the form arrives without the field only.
    response = _english(client_for(world.admin_a)).post(
        _urls(world)["headcount"], {"csrfmiddlewaretoken": "not checked in tests"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["headcount"]
    assert "This field is required." in _text(response)
    assert _enrolment(world).headcount is None
    assert _actions() == ["enrolment.register"]


@pytest.mark.parametrize("value", [0, -1, 1_000_001, "12", 12.0])
def test_the_service_refuses_a_headcount_out_of_range_or_not_an_integer(world, value):
    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    with pytest.raises(ActionRefused) as refused:
        enrolments.submit_headcount(world.agency_a, world.year, value, acting_user=world.admin_a)
    assert refused.value.field == "headcount"
    assert _enrolment(world).headcount is None
    assert _actions() == ["enrolment.register"]


def test_a_headcount_needs_an_enrolment_first(world, client_for):
    response = _english(client_for(world.admin_a)).post(_urls(world)["headcount"],
                                                         {"headcount": "50"})
    assert response.status_code == 200
    assert ["Not possible while the enrolment is “Not registered”."] == [
        str(e) for e in response.context["form"].non_field_errors()]
    assert not Enrolment.objects.exists()
    assert not AuditEntry.objects.exists()


def test_changing_an_approved_headcount_asks_for_approval_again(world):
    _submitted(world, 120)
    enrolments.approve_headcount(world.agency_a, world.year, acting_user=world.executive_a)
    enrolment = enrolments.submit_headcount(world.agency_a, world.year, 125,
                                          acting_user=world.admin_a)
    assert (enrolment.state, enrolment.headcount) == (EnrolmentState.HEADCOUNT_SUBMITTED, 125)
    assert enrolment.headcount_approved_at is None and enrolment.headcount_approved_by is None
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry.before == {"state": "headcount_approved", "headcount": 120}
    assert entry.after == {"state": "headcount_submitted", "headcount": 125}


def test_a_headcount_is_refused_once_the_window_closed(world):
    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    today = timezone.localdate()
    calendars.set_window(world.year, Phase.REGISTRATION, today - dt.timedelta(days=30),
                         today - dt.timedelta(days=1), acting_user=world.nacc)
    with pytest.raises(PhaseClosed):
        enrolments.submit_headcount(world.agency_a, world.year, 80, acting_user=world.admin_a)
    assert _enrolment(world).headcount is None


# --- approving and sending back --------------------------------------------------------


def test_it_refuses_to_approve_when_no_headcount_was_submitted(world, client_for):
    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    response = _english(client_for(world.executive_a)).post(_urls(world)["approve"],
                                                             follow=True)
    assert _messages(response) == ["Not possible while the enrolment is “Registered”."]
    assert _enrolment(world).state == EnrolmentState.REGISTERED
    assert _actions() == ["enrolment.register"]


def test_it_refuses_to_approve_before_the_agency_enrolled_and_saves_nothing(world, client_for):
    response = _english(client_for(world.executive_a)).post(_urls(world)["approve"],
                                                             follow=True)
    assert _messages(response) == ["Not possible while the enrolment is “Not registered”."]
    assert not Enrolment.objects.exists()
    assert not AuditEntry.objects.exists()


def test_the_executive_sends_the_headcount_back_with_a_reason(world, client_for):
    _submitted(world, 120)
    executive = _english(client_for(world.executive_a))
    response = executive.post(_urls(world)["return"],
                              {"reason": "  ยังไม่นับลูกจ้างชั่วคราว  "}, follow=True)
    assert response.redirect_chain == [(_urls(world)["detail"], 302)]
    assert "The headcount is sent back to the administrators." in _messages(response)
    enrolment = _enrolment(world)
    assert enrolment.state == EnrolmentState.REGISTERED
    assert enrolment.headcount_returned_reason == "ยังไม่นับลูกจ้างชั่วคราว"
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.actor, entry.reason) == (
        "enrolment.return_headcount", world.executive_a, "ยังไม่นับลูกจ้างชั่วคราว")
    assert (entry.before, entry.after) == ({"state": "headcount_submitted"},
                                           {"state": "registered"})

    admin_page = _text(_english(client_for(world.admin_a)).get(_urls(world)["detail"]))
    assert "The executive sent the headcount back: ยังไม่นับลูกจ้างชั่วคราว" in admin_page
    assert 'id="enrolment-state">Registered<' in admin_page
    assert "Change the headcount" in admin_page


def test_a_new_headcount_clears_the_reason_it_was_sent_back_for(world):
    _submitted(world, 120)
    enrolments.return_headcount(world.agency_a, world.year, "นับใหม่",
                              acting_user=world.executive_a)
    enrolment = enrolments.submit_headcount(world.agency_a, world.year, 131,
                                          acting_user=world.admin_a)
    assert enrolment.headcount_returned_reason == ""
    assert enrolment.state == EnrolmentState.HEADCOUNT_SUBMITTED


def test_sending_back_without_a_reason_is_refused(world, client_for):
    _submitted(world)
    response = _english(client_for(world.executive_a)).post(_urls(world)["return"],
                                                             {"reason": "   "}, follow=True)
    assert _messages(response) == ["Give the reason."]
    assert _enrolment(world).state == EnrolmentState.HEADCOUNT_SUBMITTED
    assert "enrolment.return_headcount" not in _actions()


def test_the_admin_cannot_send_back_or_approve_their_own_headcount(world, client_for):
    _submitted(world)
    client = client_for(world.admin_a)
    assert client.post(_urls(world)["return"], {"reason": "x"}).status_code == 403
    assert client.post(_urls(world)["approve"]).status_code == 403
    assert _enrolment(world).state == EnrolmentState.HEADCOUNT_SUBMITTED
    assert _actions() == ["enrolment.register", "enrolment.submit_headcount"]
