"""A deactivated agency accepts no change from its own people (issue 9, item 8); NACC
still edits its registry record and reactivates it.

The attack: after NACC deactivated an agency, its administrator still edited its profile
(and could invite, enter headcounts and issue access codes).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from openita.accounts import services as accounts
from openita.accounts.models import Invitation, Role, RoleGrant
from openita.agencies import services as agencies
from openita.agencies.models import Agency, AgencyContact
from openita.calendars import enrolment as enrolments
from openita.calendars.models import Enrolment, EnrolmentState
from openita.core.errors import ActionRefused
from openita.surveys import codes
from tests.helpers import audit_actions, english, messages_of, page_text
from tests.surveys.conftest import open_collection

POLITE = ("This agency is not active in the registry, so its details cannot be changed. If "
          "this is a mistake, ask NACC to reactivate it.")

INACTIVE = "not active in the registry"


def _deactivate(world) -> Agency:
    agencies.set_agency_active(world.agency_a, False, "ยุบรวมกับเทศบาล", acting_user=world.nacc)
    return Agency.objects.get(pk=world.agency_a.pk)


def test_the_admin_of_a_deactivated_agency_cannot_edit_its_profile_or_contacts(
    world, client_for
):
    contact = agencies.save_contact(AgencyContact(agency=world.agency_a, name="ปลัด",
                                                  phone="053000000"), acting_user=world.admin_a)
    _deactivate(world)
    before = audit_actions()
    client = english(client_for(world.admin_a))
    detail = reverse("agencies:detail", args=[world.agency_a.pk])

    page = client.get(detail)
    assert page.status_code == 200  # still visible to its own people
    assert "This agency is not active in the registry" in page_text(page)
    assert reverse("agencies:profile", args=[world.agency_a.pk]) not in page_text(page)
    assert reverse("agencies:invite", args=[world.agency_a.pk]) not in page_text(page)

    for name, args, data in [
        ("agencies:profile", [world.agency_a.pk], {"website": "https://evil.example/"}),
        ("agencies:contact_new", [world.agency_a.pk], {"name": "คนใหม่"}),
        ("agencies:contact_edit", [world.agency_a.pk, contact.pk], {"name": "เปลี่ยน"}),
        ("agencies:contact_delete", [world.agency_a.pk, contact.pk], {}),
        ("agencies:invite", [world.agency_a.pk], {"email": "x@example.test",
                                                  "role": "agency_admin"}),
    ]:
        url = reverse(name, args=args)
        if name != "agencies:contact_delete":
            shown = client.get(url, follow=True)
            assert shown.redirect_chain == [(detail, 302)], name
            assert messages_of(shown) == [POLITE], name
        posted = client.post(url, data, follow=True)
        assert posted.redirect_chain == [(detail, 302)], name
        assert messages_of(posted) == [POLITE], name

    agency = Agency.objects.get(pk=world.agency_a.pk)
    assert agency.website == ""
    assert list(AgencyContact.objects.filter(agency=agency).values_list("name", flat=True)) == [
        "ปลัด"]
    assert not Invitation.objects.exists()
    assert audit_actions() == before
    with translation.override("en"), pytest.raises(ActionRefused, match=INACTIVE):
        agencies.update_profile(agency, {"website": "https://evil.example/"},
                                acting_user=world.admin_a)


def test_the_admin_of_a_deactivated_agency_cannot_manage_its_people(world, client_for):
    with TestCase.captureOnCommitCallbacks(execute=True):
        invitation = accounts.invite("later@example.test", Role.AGENCY_ADMIN,
                                     acting_user=world.admin_a, agency=world.agency_a)
    _deactivate(world)
    grant = RoleGrant.objects.get(user=world.executive_a)
    with translation.override("en"), pytest.raises(ActionRefused, match=INACTIVE):
        accounts.invite("x@example.test", Role.AGENCY_ADMIN, acting_user=world.admin_a,
                        agency=Agency.objects.get(pk=world.agency_a.pk))
    client = english(client_for(world.admin_a))
    revoked = client.post(reverse("accounts:revoke", args=[grant.pk]), follow=True)
    assert POLITE in messages_of(revoked)
    cancelled = client.post(reverse("accounts:cancel_invitation", args=[invitation.pk]),
                            follow=True)
    assert POLITE in messages_of(cancelled)
    assert RoleGrant.objects.get(pk=grant.pk).revoked_at is None
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_a_deactivated_agency_takes_no_enrolment_or_headcount_from_its_people(world):
    enrolments.enrol(world.agency_a, world.year, acting_user=world.admin_a)
    enrolments.submit_headcount(world.agency_a, world.year, 80, acting_user=world.admin_a)
    agency = _deactivate(world)
    with translation.override("en"), pytest.raises(ActionRefused, match=INACTIVE):
        enrolments.submit_headcount(agency, world.year, 6005, acting_user=world.admin_a)
    with translation.override("en"), pytest.raises(ActionRefused, match=INACTIVE):
        enrolments.approve_headcount(agency, world.year, acting_user=world.executive_a)
    enrolment = Enrolment.objects.get(agency=agency)
    assert (enrolment.state, enrolment.headcount) == (EnrolmentState.HEADCOUNT_SUBMITTED, 80)
    assert not world.admin_a.has_perm("calendars.submit_headcount", agency)
    assert not world.executive_a.has_perm("calendars.approve_headcount", agency)


def test_a_deactivated_agency_issues_no_access_codes(world):
    open_collection(world)
    agency = _deactivate(world)
    world.enrolment.agency = agency
    assert not world.admin_a.has_perm("surveys.manage_links", agency)
    with pytest.raises(PermissionDenied):
        codes.issue_access_codes(world.enrolment, 5, acting_user=world.admin_a)


def test_nacc_still_edits_a_deactivated_agency_and_reactivates_it(world, client_for):
    _deactivate(world)
    nacc = english(client_for(world.nacc))
    response = nacc.post(reverse("agencies:profile", args=[world.agency_a.pk]),
                         {"website": "https://nongbua.example.go.th/", "address": "",
                          "phone": "", "email": ""})
    assert response.status_code == 302
    assert Agency.objects.get(pk=world.agency_a.pk).website == "https://nongbua.example.go.th/"
    agencies.set_agency_active(world.agency_a, True, "ตั้งขึ้นใหม่", acting_user=world.nacc)
    agency = Agency.objects.get(pk=world.agency_a.pk)
    agencies.update_profile(agency, {"website": "https://nongbua.go.th/"},
                            acting_user=world.admin_a)
    assert Agency.objects.get(pk=world.agency_a.pk).website == "https://nongbua.go.th/"
