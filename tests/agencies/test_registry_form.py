"""The registry record form (new agency, edit) and deactivation, as the NACC uses them."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from openita.agencies.models import Agency
from openita.core.models import AuditEntry


def english(client):
    client.cookies["django_language"] = "en"
    return client


def new_agency_data(world, **changes) -> dict:
    data = {
        "code": "DEP-NEW", "name_th": "กรมทดสอบระบบ", "name_en": "Department of Testing",
        "kind": "department", "size_class": "", "parent": world.ministry.pk,
        "province": "", "group": "", "website": "https://testing.go.th",
        "address": "ถนนราชดำเนิน กรุงเทพมหานคร", "phone": "02 123 4567",
        "email": "saraban@testing.go.th",
    }
    return {**data, **changes}


def data_of(agency: Agency, **changes) -> dict:
    data = {
        "code": agency.code, "name_th": agency.name_th, "name_en": agency.name_en,
        "kind": agency.kind, "size_class": agency.size_class,
        "parent": agency.parent_id or "", "province": agency.province_id or "",
        "group": agency.group_id or "", "website": agency.website, "address": agency.address,
        "phone": agency.phone, "email": agency.email,
    }
    return {**data, **changes}


def field_error(response, field: str) -> str:
    """The text of the error list rendered next to ``field``."""
    found = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>',
                      response.content.decode(), re.S)
    assert found, f"no error is shown next to {field}"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def registry_state() -> list[tuple]:
    return list(Agency.objects.order_by("code").values_list(
        "code", "name_th", "name_en", "kind", "size_class", "parent_id", "province_id",
        "group_id", "website", "address", "phone", "email", "active", "lineage"))


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- creating and editing --------------------------------------------------------------


def test_the_nacc_creates_an_agency_through_the_registry_form(world, client_for):
    client = english(client_for(world.nacc))
    before = Agency.objects.count()

    response = client.post(reverse("agencies:new"), new_agency_data(world))

    assert response.status_code == 302
    created = Agency.objects.get(code="DEP-NEW")
    assert response["Location"] == reverse("agencies:detail", args=[created.pk])
    assert messages_of(client.get(response["Location"])) == ["The registry record is saved."]
    assert Agency.objects.count() == before + 1
    assert (created.name_th, created.kind, created.parent, created.active) == (
        "กรมทดสอบระบบ", "department", world.ministry, True)
    assert created.lineage == f"{world.ministry.lineage}{created.pk}/"
    entry = AuditEntry.objects.get(action="agency.create")
    assert (entry.actor, entry.object_id) == (world.nacc, str(created.pk))
    assert entry.after["code"] == "DEP-NEW"


def test_the_nacc_creates_an_sao_with_its_size_class_province_and_group(world, client_for):
    client = client_for(world.nacc)

    response = client.post(reverse("agencies:new"), new_agency_data(
        world, code="SAO-NEW", name_th="องค์การบริหารส่วนตำบลแม่ริม", kind="sao",
        size_class="S", parent=world.dla.pk, province=world.province_p.pk,
        group=world.group_x.pk))

    assert response.status_code == 302
    created = Agency.objects.get(code="SAO-NEW")
    assert (created.size_class, created.province, created.group, created.parent) == (
        "S", world.province_p, world.group_x, world.dla)
    assert created.lineage.startswith(world.dla.lineage)
    assert audit_actions() == ["agency.create"]


BAD_NEW_AGENCIES = {
    "missing code": ({"code": ""}, "code", "This field is required."),
    "duplicate code": ({"code": "SAO-A"}, "code", "Agency with this Code already exists."),
    "invalid code": ({"code": "DEP NEW!"}, "code",
                     "Use 1–30 letters, digits, dots, dashes or underscores."),
    "missing Thai name": ({"name_th": ""}, "name_th", "This field is required."),
    "SAO without size class": ({"kind": "sao", "size_class": ""}, "size_class",
                               "This type of agency needs a size class (S, M or L)."),
    "department with size class": ({"size_class": "M"}, "size_class",
                                   "A size class applies only to SAOs and sub-district "
                                   "municipalities."),
    "SAO as parent": (lambda w: {"parent": w.agency_a.pk}, "parent",
                      "Select a valid choice. That choice is not one of the available "
                      "choices."),
    "invalid website": ({"website": "not a web address"}, "website", "Enter a valid URL."),
    "invalid e-mail": ({"email": "saraban@"}, "email", "Enter a valid email address."),
}


@pytest.mark.parametrize("changes, field, message", BAD_NEW_AGENCIES.values(),
                         ids=BAD_NEW_AGENCIES.keys())
def test_a_new_agency_with_bad_input_shows_the_error_next_to_the_field_and_saves_nothing(
        world, client_for, changes, field, message):
    client = english(client_for(world.nacc))
    before = registry_state()
    if callable(changes):
        changes = changes(world)

    response = client.post(reverse("agencies:new"), new_agency_data(world, **changes))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert field_error(response, field).lower() == message.lower()
    assert registry_state() == before
    assert audit_actions() == []


def test_the_nacc_edits_a_registry_record(world, client_for):
    client = client_for(world.nacc)
    a = world.agency_a

    response = client.post(reverse("agencies:registry_edit", args=[a.pk]),
                           data_of(a, name_en="Nong Bua Subdistrict", size_class="L"))

    assert response.status_code == 302
    assert response["Location"] == reverse("agencies:detail", args=[a.pk])
    a.refresh_from_db()
    assert (a.name_en, a.size_class, a.lineage) == (
        "Nong Bua Subdistrict", "L", world.agency_a.lineage)
    entry = AuditEntry.objects.get(action="agency.update")
    assert entry.before["size_class"] == "M"
    assert entry.after["size_class"] == "L"


def test_moving_an_agency_rewrites_the_lineage_of_its_descendants(world, client_for):
    client = client_for(world.nacc)
    dla = world.dla
    new_parent = Agency.objects.create(code="MIN-NEW", name_th="กระทรวงใหม่", kind="ministry",
                                       lineage="")
    new_parent.lineage = f"/{new_parent.pk}/"
    new_parent.save()

    response = client.post(reverse("agencies:registry_edit", args=[dla.pk]),
                           data_of(dla, parent=new_parent.pk))

    assert response.status_code == 302
    dla.refresh_from_db()
    assert dla.lineage == f"/{new_parent.pk}/{dla.pk}/"
    for sao in (world.agency_a, world.agency_b):
        sao.refresh_from_db()
        assert sao.lineage == f"{dla.lineage}{sao.pk}/"
    assert audit_actions() == ["agency.update"]


@pytest.mark.parametrize("parent", ["itself", "its own child"])
def test_an_agency_cannot_be_its_own_parent(world, client_for, parent):
    client = english(client_for(world.nacc))
    agency = world.dla if parent == "itself" else world.ministry
    before = registry_state()

    response = client.post(reverse("agencies:registry_edit", args=[agency.pk]),
                           data_of(agency, parent=world.dla.pk, name_en="Changed"))

    assert response.status_code == 200
    assert field_error(response, "parent") == "An agency cannot be its own parent organisation."
    assert registry_state() == before
    assert audit_actions() == []


def test_only_the_nacc_may_create_an_agency(world, client_for):
    before = registry_state()

    response = client_for(world.admin_a).post(reverse("agencies:new"), new_agency_data(world))

    assert response.status_code == 403
    assert registry_state() == before
    assert audit_actions() == []


# --- deactivating ----------------------------------------------------------------------


def test_the_nacc_deactivates_an_agency_with_a_reason(world, client_for):
    client = english(client_for(world.nacc))
    a = world.agency_a

    response = client.post(reverse("agencies:set_active", args=[a.pk]),
                           {"active": "0", "reason": "ยุบรวมกับเทศบาลตำบลหนองบัว"})

    assert response.status_code == 302
    assert response["Location"] == reverse("agencies:detail", args=[a.pk])
    assert messages_of(client.get(response["Location"])) == ["The agency is deactivated."]
    a.refresh_from_db()
    assert a.active is False
    entry = AuditEntry.objects.get(action="agency.deactivate")
    assert (entry.actor, entry.object_id, entry.reason) == (
        world.nacc, str(a.pk), "ยุบรวมกับเทศบาลตำบลหนองบัว")
    assert (entry.before, entry.after) == ({"active": True}, {"active": False})


@pytest.mark.parametrize("reason", [None, "", "   "], ids=["no reason", "empty", "blank"])
def test_an_agency_stays_active_without_a_reason(world, client_for, reason):
    client = english(client_for(world.nacc))
    a = world.agency_a
    data = {"active": "0"} if reason is None else {"active": "0", "reason": reason}

    response = client.post(reverse("agencies:set_active", args=[a.pk]), data)

    assert response.status_code == 302
    assert messages_of(client.get(response["Location"])) == ["Give the reason."]
    a.refresh_from_db()
    assert a.active is True
    assert audit_actions() == []


def test_the_nacc_reactivates_an_agency_with_a_reason(world, client_for):
    client = client_for(world.nacc)
    a = world.agency_a
    Agency.objects.filter(pk=a.pk).update(active=False)

    response = client.post(reverse("agencies:set_active", args=[a.pk]),
                           {"active": "1", "reason": "จัดตั้งใหม่ตามประกาศกระทรวง"})

    assert response.status_code == 302
    a.refresh_from_db()
    assert a.active is True
    entry = AuditEntry.objects.get(action="agency.activate")
    assert entry.reason == "จัดตั้งใหม่ตามประกาศกระทรวง"


def test_only_the_nacc_may_deactivate_an_agency(world, client_for):
    a = world.agency_a

    response = client_for(world.admin_a).post(reverse("agencies:set_active", args=[a.pk]),
                                              {"active": "0", "reason": "ขอปิด"})

    assert response.status_code == 403
    a.refresh_from_db()
    assert a.active is True
    assert audit_actions() == []
