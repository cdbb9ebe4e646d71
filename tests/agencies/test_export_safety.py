"""Bad input cannot hurt others through the registry's files.

The attacks: an agency admin stores a control character in the agency address and the
national XLSX export then fails for everyone; an import stores a NUL byte in a name that no
form can save again; a CSV the csv module cannot read answers in the module's English.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from openita.agencies import registry_io
from openita.agencies.models import Agency
from openita.core.forms import MAX_TEXT_LENGTH
from tests.agencies.test_registry_import import (
    HEADER,
    csv_bytes,
    english,
    import_csv,
    imports,
    problem_table,
    registry_state,
    row,
    upload,
    xlsx_bytes,
)

ADDRESS = HEADER.index("address")
NAME_TH = HEADER.index("name_th")


def _csv_cells(response) -> dict[str, list[str]]:
    rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    return {cells[0]: cells for cells in rows}


def _xlsx_cells(response) -> dict[str, list]:
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return {cells[0].value: cells for cells in sheet.iter_rows()}


# --- exports of stored data ------------------------------------------------------------


@pytest.mark.parametrize("persona", ["nacc", "officer_p", "admin_a", "ministry_officer"])
def test_a_control_character_stored_in_an_address_does_not_break_the_exports(
        world, client_for, persona):
    # Stored by a path that skips the forms (saved before they refused it, or any other);
    # PostgreSQL refuses a NUL byte itself, SQLite keeps it.
    nul = "" if connection.vendor == "postgresql" else "\x00"
    Agency.objects.filter(pk=world.agency_a.pk).update(
        address=f"12 หมู่ 3\x0bตำบลหนองบัว{nul}\x1b", name_en="Nong\x08 Bua SAO")
    client = client_for(world.persona(persona))

    xlsx = client.get(reverse("agencies:export", args=["xlsx"]))
    plain = client.get(reverse("agencies:export", args=["csv"]))

    assert xlsx.status_code == 200 and plain.status_code == 200
    assert _xlsx_cells(xlsx)["SAO-A"][ADDRESS].value == "12 หมู่ 3ตำบลหนองบัว"
    assert _csv_cells(plain)["SAO-A"][ADDRESS] == "12 หมู่ 3ตำบลหนองบัว"
    assert _csv_cells(plain)["SAO-A"][HEADER.index("name_en")] == "Nong Bua SAO"


def test_line_breaks_in_an_address_survive_the_exports(world, client_for):
    Agency.objects.filter(pk=world.agency_a.pk).update(address="12 หมู่ 3\r\nตำบลหนองบัว")
    client = client_for(world.nacc)

    xlsx = _xlsx_cells(client.get(reverse("agencies:export", args=["xlsx"])))
    plain = _csv_cells(client.get(reverse("agencies:export", args=["csv"])))

    assert xlsx["SAO-A"][ADDRESS].value.replace("\r", "") == "12 หมู่ 3\nตำบลหนองบัว"
    assert plain["SAO-A"][ADDRESS] == "12 หมู่ 3\r\nตำบลหนองบัว"


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1",
                                   "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1",
                                   "\x0b=1+1"])  # a dropped character must not unmask one
def test_a_formula_in_stored_text_is_plain_text_in_both_exports(world, client_for, value):
    Agency.objects.filter(pk=world.agency_a.pk).update(address=value)
    client = client_for(world.nacc)

    cell = _xlsx_cells(client.get(reverse("agencies:export", args=["xlsx"])))["SAO-A"][ADDRESS]
    text = _csv_cells(client.get(reverse("agencies:export", args=["csv"])))["SAO-A"][ADDRESS]

    assert cell.data_type == "s" and cell.value.startswith("'")
    assert text.startswith("'")


# --- imports ---------------------------------------------------------------------------


@pytest.mark.parametrize(("column", "value"), [
    ("name_th", "กรมทดสอบ\x00ระบบ"),  # the NUL byte no form could save again
    ("name_th", "กรมทดสอบ\nระบบ"),  # a line break in a one-line field
    ("name_en", "Department\x0bof Testing"),
    ("address", "12 หมู่ 3\x0bตำบลหนองบัว"),
    ("phone", "053\x1b[2J111222"),
    ("email", "saraban\u202e@example.go.th"),
    ("province", "TH-50\x00"),
    ("group_code", "GX\x07"),
    ("parent_code", "MIN-MOI\x7f"),
])
def test_a_cell_with_a_control_character_is_a_row_problem_and_nothing_is_saved(
        world, column, value):
    before = registry_state()

    with translation.override("en"):
        result = import_csv(world, row("DEP-OK"), row("DEP-BAD", **{column: value}))
        assert (3, column) in {(p.row, p.column) for p in result.problems}
        assert any("control characters" in p.message for p in result.problems)
    assert registry_state() == before and imports() == []


def test_the_import_page_names_the_row_and_column_of_a_control_character(world, client_for):
    client = english(client_for(world.nacc))

    response = upload(client, "agencies.csv",
                      csv_bytes(row("DEP-BAD", name_th="กรมทดสอบ\x00ระบบ")))

    assert response.status_code == 200
    [(number, column, message)] = problem_table(response)
    assert (number, column) == ("2", "name_th") and "control characters" in message
    assert not Agency.objects.filter(code="DEP-BAD").exists()


def test_an_address_may_hold_line_breaks_and_tabs(world):
    result = import_csv(world, row("DEP-OK", address="12 หมู่ 3\nตำบลหนองบัว\tเชียงใหม่"))

    assert result.ok, result.problems
    assert Agency.objects.get(code="DEP-OK").address == "12 หมู่ 3\nตำบลหนองบัว\tเชียงใหม่"


def test_an_absurdly_long_address_is_a_row_problem(world):
    result = import_csv(world, row("DEP-LONG", address="ก" * (MAX_TEXT_LENGTH + 1)))

    assert {(p.row, p.column) for p in result.problems} == {(2, "address")}
    assert not Agency.objects.filter(code="DEP-LONG").exists()


def test_a_long_unknown_value_is_not_echoed_whole(world):
    result = import_csv(world, row("DEP-X", province="P" * 900 + "\x0b"))

    messages = [p.message for p in result.problems if p.column == "province"]
    assert messages and all(len(m) < 300 and "\x0b" not in m for m in messages)


def test_a_cell_too_large_for_the_csv_reader_is_explained_in_words_the_lead_can_translate(
        world, client_for):
    data = csv_bytes(row("DEP-HUGE")) + b'"' + b"x" * 200_000 + b'"\n'

    response = upload(english(client_for(world.nacc)), "agencies.csv", data)

    [error] = response.context["form"].errors["file"]
    assert "Line 3" in error and "longer than" in error
    assert "field limit" not in error  # the csv module's own English
    assert not Agency.objects.filter(code="DEP-HUGE").exists()


def test_a_csv_with_old_mac_line_ends_is_read_rather_than_refused(world):
    data = csv_bytes(row("DEP-MAC1"), row("DEP-MAC2")).replace(b"\r\n", b"\r")

    result = registry_io.import_registry("agencies.csv", data, acting_user=world.nacc)

    assert result.ok and sorted(result.created) == ["DEP-MAC1", "DEP-MAC2"]


def test_xlsx_cells_with_numbers_and_control_characters_are_row_problems(world):
    data = xlsx_bytes(
        HEADER,
        # A spreadsheet stores 1 as 1.0 and may hold a bidirectional override or DEL.
        ["DEP-NUM", "กรมตัวเลข", "", "department", "", "", "", "", "", "", "", "", 1.0],
        ["DEP-RTL", "กรม\u202eทดสอบ", "", "department", "", "", "", "", "", "", "", "", 1],
        ["DEP-BIG", "กรมใหญ่", "", "department", "", "", 1e308, "", "", "", "", "", 1e300],
    )

    result = registry_io.import_registry("agencies.xlsx", data, acting_user=world.nacc)

    assert {(p.row, p.column) for p in result.problems} == {
        (3, "name_th"), (4, "province"), (4, "active")}
    assert not Agency.objects.filter(code__in=["DEP-NUM", "DEP-RTL", "DEP-BIG"]).exists()


def test_an_export_with_a_stripped_character_imports_back_clean(world, client_for):
    Agency.objects.filter(pk=world.agency_a.pk).update(address="12 หมู่ 3\x0bตำบลหนองบัว")
    exported = client_for(world.nacc).get(reverse("agencies:export", args=["xlsx"])).content

    result = registry_io.import_registry("agencies.xlsx", exported, acting_user=world.nacc)

    assert result.ok, result.problems
    assert Agency.objects.get(pk=world.agency_a.pk).address == "12 หมู่ 3ตำบลหนองบัว"
