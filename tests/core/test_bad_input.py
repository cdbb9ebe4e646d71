"""Absurd input on the NACC and agency pages is a form error or an ignored filter, never a
500: the attacks of issue 9 ("input that cannot hurt others") and every query parameter of
every page, on SQLite and PostgreSQL.

A 20-digit number raises OverflowError on SQLite and "out of range" on PostgreSQL; a NUL
byte is refused by PostgreSQL; a 100,000-character search is refused by SQLite ("LIKE or
GLOB pattern too complex").
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import yaml
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from openita.accounts.models import ConsultantTeam
from openita.agencies.models import Agency, AgencyContact
from openita.calendars.models import Enrolment
from openita.core.models import AuditEntry
from openita.frameworks.models import FrameworkVersion
from tests.helpers import english, messages_of, page_text

HUGE = "9" * 20
LONG = "A" * 100_000
CONTROL = "a\x00b\x0bc\x1b"
POSTGRESQL = connection.vendor == "postgresql"


# --- every page, every query parameter ------------------------------------------------


def _routes(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[tuple]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = getattr(entry.pattern, "converters", {})
            names = list(converters) or list(entry.pattern.regex.groupindex)
            kinds = {n: type(converters[n]).__name__ if n in converters else "regex"
                     for n in names}
            yield f"{namespace}{entry.name}", kinds


ROUTES = sorted(dict(_routes()).items())
# Every query parameter a page reads (grep request.GET), each given an absurd value.
QUERIES = {
    "huge numbers": {name: HUGE for name in ("page", "province", "state", "kind", "region",
                                             "active", "action", "q", "sort", "risk")},
    "negative numbers": {"page": "-" + HUGE, "province": "-" + HUGE},
    "long text": {name: LONG for name in ("q", "page", "province", "kind", "sort", "state",
                                          "action", "digits")},
    "control characters": {name: CONTROL for name in ("q", "page", "province", "kind", "sort",
                                                      "region", "state", "active", "action",
                                                      "risk", "digits")},
}


def _kwargs(kinds: dict[str, str], world, *, absurd: bool) -> dict[str, object]:
    values: dict[str, object] = {}
    for name, kind in kinds.items():
        if kind == "IntConverter":
            real = {"pk": world.agency_a.pk, "fiscal_year": world.year.fiscal_year}
            values[name] = int(HUGE) if absurd else real.get(name, 1)
        elif kind == "UUIDConverter":
            values[name] = uuid.uuid4()
        elif name == "fmt":
            values[name] = "csv"
        else:
            values[name] = LONG if absurd else {"instrument": "IIT"}.get(name, "x")
    return values


# Pages that must not answer 500 to absurd values; none is known to (the entries of
# OTHERS would be expected failures, marked strict, until fixed).
OTHERS: dict[str, tuple[bool, str]] = {}


def _page_cases() -> Iterator[object]:
    for name, kinds in ROUTES:
        condition, reason = OTHERS.get(name, (False, ""))
        yield pytest.param(name, kinds, id=name, marks=pytest.mark.xfail(
            condition, strict=True, reason=reason))


@pytest.mark.parametrize(("name", "kinds"), list(_page_cases()))
def test_no_page_answers_500_to_absurd_query_parameters(world, client_for, name, kinds):
    # A row in every list, so a filter is really compared with something.
    Enrolment.objects.create(agency=world.agency_a, year=world.year)
    url = reverse(name, kwargs=_kwargs(kinds, world, absurd=False))
    client = client_for(world.nacc)

    failures = [label for label, query in QUERIES.items()
                if client.get(url, query).status_code >= 500]

    assert failures == []


@pytest.mark.parametrize(("name", "kinds"), [(n, k) for n, k in ROUTES if k])
def test_no_page_answers_500_to_absurd_ids_in_its_address(world, client_for, name, kinds):
    url = reverse(name, kwargs=_kwargs(kinds, world, absurd=True))
    client = client_for(world.nacc)

    assert client.get(url).status_code < 500
    assert client.post(url, {}).status_code < 500


# --- NACC's registry form ------------------------------------------------------------


def _registry(world, **changes) -> dict[str, object]:
    return {"code": "DEP-NEW", "name_th": "กรมทดสอบระบบ", "name_en": "", "kind": "department",
            "size_class": "", "parent": world.ministry.pk, "province": "", "group": "",
            "website": "", "address": "", "phone": "", "email": "", **changes}


@pytest.mark.parametrize(("field", "value"), [
    ("code", LONG), ("name_th", LONG), ("name_th", "กรม\x00ทดสอบ"), ("name_en", "De\x0bpt"),
    ("address", "12 หมู่ 3\x0bตำบลหนองบัว"), ("address", "ก" * 100_000), ("phone", CONTROL),
    ("website", "https://" + LONG + ".go.th"), ("email", LONG + "@example.go.th"),
    ("group", HUGE), ("group", "-" + HUGE), ("parent", HUGE), ("province", HUGE),
    ("group", "9" * 5000), ("kind", LONG), ("size_class", CONTROL),
])
def test_absurd_values_on_the_registry_form_are_form_errors_and_nothing_is_saved(
        world, client_for, field, value):
    response = client_for(world.nacc).post(reverse("agencies:new"),
                                           _registry(world, **{field: value}))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Agency.objects.filter(code__in=["DEP-NEW", LONG[:30]]).exists()


def test_the_registry_form_still_saves_an_address_on_several_lines(world, client_for):
    response = client_for(world.nacc).post(reverse("agencies:new"), _registry(
        world, address="12 หมู่ 3\r\nตำบลหนองบัว"))

    assert response.status_code == 302
    assert Agency.objects.get(code="DEP-NEW").address == "12 หมู่ 3\r\nตำบลหนองบัว"


# --- the agency's own forms (the attack: a control character in the address) ---------


def test_an_agency_admin_cannot_store_a_control_character_in_the_address(world, client_for):
    client = english(client_for(world.admin_a))

    response = client.post(reverse("agencies:profile", args=[world.agency_a.pk]), {
        "website": "", "address": "12 หมู่ 3\x0bตำบลหนองบัว", "phone": "", "email": ""})

    assert response.status_code == 200
    with translation.override("en"):  # the form's errors are read now, after the request
        assert "control characters" in " ".join(response.context["form"].errors["address"])
    assert Agency.objects.get(pk=world.agency_a.pk).address == ""
    assert client.get(reverse("agencies:export", args=["xlsx"])).status_code == 200


@pytest.mark.parametrize(("field", "value"), [("name", "สมชาย\x00"), ("position", LONG),
                                              ("phone", "053\x1b111")])
def test_a_contact_with_absurd_text_is_a_form_error(world, client_for, field, value):
    data = {"name": "สมชาย ใจดี", "position": "", "phone": "053111222", "email": "",
            **{field: value}}

    response = client_for(world.admin_a).post(
        reverse("agencies:contact_new", args=[world.agency_a.pk]), data)

    assert response.status_code == 200 and field in response.context["form"].errors
    assert not AgencyContact.objects.exists()


def test_a_reason_with_control_characters_deactivates_nothing(world, client_for):
    response = english(client_for(world.nacc)).post(
        reverse("agencies:set_active", args=[world.agency_b.pk]),
        {"active": "0", "reason": "merged\x00"}, follow=True)

    assert response.status_code == 200 and "Give the reason." in messages_of(response)
    assert Agency.objects.get(pk=world.agency_b.pk).active


def test_an_invitation_with_a_control_character_in_the_name_is_a_form_error(world, client_for):
    response = client_for(world.admin_a).post(
        reverse("agencies:invite", args=[world.agency_a.pk]),
        {"email": "new@example.test", "full_name": "สม\x0bหญิง", "role": "agency_admin"})

    assert response.status_code == 200 and "full_name" in response.context["form"].errors


# --- NACC's role grants ---------------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [
    ("agency_code", LONG), ("parent_code", LONG), ("agency_code", CONTROL),
    ("team", HUGE), ("team", "-" + HUGE), ("province", HUGE), ("full_name", CONTROL),
    ("email", LONG + "@example.test"),
])
def test_absurd_values_on_the_grant_form_are_form_errors(world, client_for, field, value):
    data = {"email": "new@example.test", "full_name": "", "role": "agency_admin",
            "agency_code": "SAO-A", **{field: value}}

    response = client_for(world.nacc).post(reverse("accounts:grant"), data)

    assert response.status_code == 200 and field in response.context["form"].errors


def test_a_consultant_team_given_a_20_digit_group_is_a_form_error(world, client_for):
    response = client_for(world.nacc).post(reverse("accounts:team_new"), {
        "name_th": "ทีม Y", "name_en": "Team Y", "institution": "", "groups": [HUGE]})

    assert response.status_code == 200 and "groups" in response.context["form"].errors
    assert not ConsultantTeam.objects.filter(name_en="Team Y").exists()


# --- frameworks ------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    {"code": LONG, "fiscal_year": "2571"}, {"code": "ita-2571", "fiscal_year": HUGE},
    {"code": "ita-2571", "fiscal_year": "-" + HUGE}, {"code": "ita\x0b2571", "fiscal_year": "2571"},
])
def test_absurd_values_on_the_clone_form_are_form_errors(world, client_for, data):
    response = client_for(world.nacc).post(reverse("frameworks:clone", args=["ita-2568"]), data)

    assert response.status_code == 400 and response.context["clone_form"].errors
    assert not FrameworkVersion.objects.filter(fiscal_year=2571).exists()


def _draft(client) -> dict:
    client.post(reverse("frameworks:clone", args=["ita-2568"]),
                {"code": "ita-2571", "fiscal_year": 2571})
    return yaml.safe_load(client.get(reverse("frameworks:edit", args=["ita-2571"])).context[
        "form"]["text"].value())


@pytest.mark.parametrize(("text", "needle"), [
    (lambda data: yaml.safe_dump(data, allow_unicode=True).replace("title_en:",
                                                                   "title_en: \x0b", 1),
     "control characters"),
    # A number too long for Python to read as text, and one too long to write as text.
    (lambda data: yaml.safe_dump(data, allow_unicode=True) + "extra: " + "9" * 5000 + "\n",
     "too large"),
    (lambda data: yaml.safe_dump({**data, "rating": [
        {**data["rating"][0], "min_total": "1e5000"}, *data["rating"][1:]]},
        allow_unicode=True), "too large"),
    # A control character written as a YAML escape: the form sees only "\\v".
    (lambda data: yaml.safe_dump({**data, "title_en": "\x0bITA"}, allow_unicode=True),
     "control characters"),
])
def test_absurd_framework_text_is_refused_on_the_form_and_nothing_changes(world, client_for,
                                                                          text, needle):
    client = english(client_for(world.nacc))
    data = _draft(client)
    before = FrameworkVersion.objects.get(code="ita-2571").checksum

    response = client.post(reverse("frameworks:edit", args=["ita-2571"]), {"text": text(data)})

    assert response.status_code == 400
    with translation.override("en"):  # the form's errors are read now, after the request
        assert needle in " ".join(response.context["form"].errors["text"])
    assert FrameworkVersion.objects.get(code="ita-2571").checksum == before
    assert not AuditEntry.objects.filter(action="framework.edit").exists()


def test_a_year_given_a_20_digit_framework_id_is_a_form_error(world, client_for):
    response = client_for(world.nacc).post(
        reverse("calendars:framework", args=[world.year.fiscal_year]), {"framework": HUGE})

    assert response.status_code == 400


def test_a_framework_number_with_an_absurd_exponent_is_refused_before_it_is_built():
    from openita.frameworks.schema import exact

    with pytest.raises(ValueError):
        exact("1e400000")


# --- lists and the audit log ----------------------------------------------------------


def test_a_bad_filter_is_named_and_the_others_still_apply(world, client_for):
    response = english(client_for(world.nacc)).get(reverse("agencies:list"), {
        "q": "SAO", "province": HUGE})

    assert response.status_code == 200
    assert "province" in response.context["form"].errors
    codes = {a.code for a in response.context["page"].object_list}
    assert codes == {"SAO-A", "SAO-B"}
    assert "Select a valid choice" in page_text(response)
