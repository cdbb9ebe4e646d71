"""Importing and exporting the agency registry (CSV and XLSX).

An import is all or nothing: every row is checked, each problem is listed with its row
number (the header is row 1) and column, and only a file without problems is written, in
one transaction with one ``agency.import`` audit row.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import override
from openpyxl import Workbook, load_workbook

from openita.agencies import registry_io
from openita.agencies.models import Agency
from openita.core.models import AuditEntry

HEADER = registry_io.COLUMNS
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
THAI = re.compile(r"[\u0e01-\u0e5b]")


# --- building files --------------------------------------------------------------------


def row(code: str, **values: str) -> dict[str, str]:
    """One registry row; a department with a Thai name unless told otherwise."""
    base = {"code": code, "name_th": f"หน่วยงานทดสอบ {code}", "name_en": "", "kind": "department",
            "size_class": "", "parent_code": "", "province": "", "group_code": "",
            "website": "", "address": "", "phone": "", "email": "", "active": "1"}
    return {**base, **values}


def csv_bytes(*rows: dict[str, str], header: list[str] = HEADER, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(name, "") for name in header])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(*rows: list) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for cells in rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_csv(world, *rows: dict[str, str]) -> registry_io.ImportResult:
    return registry_io.import_registry("agencies.csv", csv_bytes(*rows), acting_user=world.nacc)


def upload(client, name: str, data: bytes, content_type: str = "text/csv"):
    return client.post(reverse("agencies:import"),
                       {"file": SimpleUploadedFile(name, data, content_type=content_type)})


def english(client):
    client.cookies["django_language"] = "en"
    return client


def imports() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="agency.import"))


def where(result: registry_io.ImportResult) -> set[tuple[int, str]]:
    return {(p.row, p.column) for p in result.problems}


def problem_table(response) -> list[tuple[str, str, str]]:
    content = response.content.decode()
    table = re.search(r'<table id="import-problems">(.*?)</table>', content, re.S)
    assert table, "the page has no problems table"
    cells = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table.group(1),
                       re.S)
    return [tuple(html.unescape(c).strip() for c in found) for found in cells]


def registry_state() -> list[tuple]:
    return list(Agency.objects.order_by("code").values_list(
        "code", "name_th", "name_en", "kind", "size_class", "parent__code", "province__code",
        "group__code", "website", "address", "phone", "email", "active", "lineage"))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- valid files -----------------------------------------------------------------------


def test_a_valid_csv_creates_the_agencies_and_links_their_parents(world, client_for):
    client = english(client_for(world.nacc))
    before = Agency.objects.count()
    data = csv_bytes(
        # The child comes before its parent in the file: order must not matter.
        row("SAO-NEW", name_th="องค์การบริหารส่วนตำบลแม่ริม", kind="sao", size_class="s",
            parent_code="DEP-NEW", province="TH-50", group_code="gx",
            website="https://maerim.go.th", email="saraban@maerim.go.th"),
        row("DEP-NEW", name_th="กรมทดสอบระบบ", name_en="Department of Testing",
            parent_code="MIN-MOI"),
        row("SAO-PT", name_th="องค์การบริหารส่วนตำบลกะทู้", kind="sao", size_class="L",
            parent_code="DEP-DLA", province="ภูเก็ต", active="0"),
    )

    response = upload(client, "agencies.csv", data)

    assert response.status_code == 302
    assert response["Location"] == reverse("agencies:list")
    assert messages_of(client.get(response["Location"])) == [
        "Import done: 3 new, 0 changed, 0 unchanged."]
    assert Agency.objects.count() == before + 3
    department = Agency.objects.get(code="DEP-NEW")
    sao = Agency.objects.get(code="SAO-NEW")
    patong = Agency.objects.get(code="SAO-PT")
    assert department.parent == world.ministry
    assert department.name_en == "Department of Testing"
    assert department.lineage == f"{world.ministry.lineage}{department.pk}/"
    assert sao.parent == department
    assert sao.lineage == f"{department.lineage}{sao.pk}/"
    assert sao.lineage.startswith(world.ministry.lineage)
    assert (sao.kind, sao.size_class, sao.province, sao.group) == (
        "sao", "S", world.province_p, world.group_x)
    assert (sao.website, sao.email, sao.active) == (
        "https://maerim.go.th", "saraban@maerim.go.th", True)
    assert patong.parent == world.dla
    assert patong.lineage == f"{world.dla.lineage}{patong.pk}/"
    assert patong.province == world.province_q
    assert patong.active is False
    [entry] = imports()
    assert entry.actor == world.nacc
    assert sorted(entry.after["created"]) == ["DEP-NEW", "SAO-NEW", "SAO-PT"]
    assert entry.after["updated"] == []


def test_it_updates_an_existing_agency_by_its_code_without_duplicating_it(world):
    before = Agency.objects.count()
    a = world.agency_a

    result = import_csv(world, row(
        "SAO-A", name_th=a.name_th, name_en="Nong Bua Subdistrict Administrative Organisation",
        kind="sao", size_class="M", parent_code="DEP-DLA", province="TH-50", group_code="GX"))

    assert result.ok
    assert (result.created, result.updated, result.unchanged) == ([], ["SAO-A"], 0)
    assert Agency.objects.count() == before
    assert Agency.objects.filter(code="SAO-A").count() == 1
    a.refresh_from_db()
    assert a.name_en == "Nong Bua Subdistrict Administrative Organisation"
    assert (a.name_th, a.parent, a.province, a.group, a.size_class) == (
        "องค์การบริหารส่วนตำบลหนองบัว", world.dla, world.province_p, world.group_x, "M")
    [entry] = imports()
    assert entry.after["updated"] == ["SAO-A"]
    assert entry.after["created"] == []


def test_it_leaves_fields_without_a_column_in_the_file_untouched(world):
    data = csv_bytes({"code": "SAO-A", "name_th": "อบต. หนองบัว (ใหม่)", "kind": "sao"},
                     header=["code", "name_th", "kind"])

    result = registry_io.import_registry("few-columns.csv", data, acting_user=world.nacc)

    assert result.ok
    assert result.updated == ["SAO-A"]
    a = Agency.objects.get(code="SAO-A")
    assert a.name_th == "อบต. หนองบัว (ใหม่)"
    assert (a.name_en, a.size_class, a.parent, a.province, a.group, a.active) == (
        "Nong Bua SAO", "M", world.dla, world.province_p, world.group_x, True)
    assert len(imports()) == 1


def test_it_moves_an_existing_agency_under_a_new_parent_and_rewrites_its_lineage(world):
    b = world.agency_b

    result = import_csv(world, row(
        "SAO-B", name_th=b.name_th, name_en=b.name_en, kind="sao", size_class="L",
        parent_code="MIN-MOI", province="TH-83", group_code="GY"))

    assert result.ok
    assert (result.created, result.updated, result.unchanged) == ([], ["SAO-B"], 0)
    b.refresh_from_db()
    assert b.parent == world.ministry
    assert b.lineage == f"{world.ministry.lineage}{b.pk}/"
    assert len(imports()) == 1


def test_it_links_a_parent_code_written_in_other_letter_case(world):
    """The check accepts ``dep-dla`` for DEP-DLA, so the write must link it too."""
    before = Agency.objects.count()

    result = import_csv(world, row("SAO-LOWER", kind="sao", size_class="S",
                                   province="TH-50", parent_code="dep-dla"))

    assert result.ok
    assert Agency.objects.count() == before + 1
    child = Agency.objects.get(code="SAO-LOWER")
    assert child.parent == world.dla
    assert child.lineage == f"{world.dla.lineage}{child.pk}/"


def test_a_valid_xlsx_creates_the_agencies(world, client_for):
    client = english(client_for(world.nacc))
    before = Agency.objects.count()
    data = xlsx_bytes(
        ["code", "name_th", "kind", "size_class", "parent_code", "province", "active"],
        ["DEP-X", "กรมทดลอง", "department", None, "MIN-MOI", None, 1],
        ["SAO-X", "องค์การบริหารส่วนตำบลทดลอง", "sao", "m", "DEP-X", "เชียงใหม่", 0],
    )

    response = upload(client, "registry.XLSX", data, XLSX_TYPE)

    assert response.status_code == 302
    assert messages_of(client.get(response["Location"])) == [
        "Import done: 2 new, 0 changed, 0 unchanged."]
    assert Agency.objects.count() == before + 2
    department = Agency.objects.get(code="DEP-X")
    sao = Agency.objects.get(code="SAO-X")
    assert (department.parent, department.size_class, department.active) == (
        world.ministry, "", True)
    assert (sao.parent, sao.size_class, sao.province, sao.active) == (
        department, "M", world.province_p, False)
    assert sao.lineage.startswith(department.lineage)
    assert len(imports()) == 1


def test_only_the_nacc_may_import(world, client_for):
    before = registry_state()
    data = csv_bytes(row("DEP-NEW"))

    response = upload(client_for(world.admin_a), "agencies.csv", data)

    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        registry_io.import_registry("agencies.csv", data, acting_user=world.admin_a)
    assert registry_state() == before
    assert imports() == []


# --- invalid rows ----------------------------------------------------------------------

BAD_ROWS = {
    "missing code": (row(""), "code"),
    "unknown kind": (row("BAD-1", kind="village"), "kind"),
    "missing name_th": (row("BAD-1", name_th=""), "name_th"),
    "SAO without size class": (row("BAD-1", kind="sao", size_class=""), "size_class"),
    "SAO with a size class that does not exist": (row("BAD-1", kind="sao", size_class="X"),
                                                  "size_class"),
    "department with a size class": (row("BAD-1", size_class="M"), "size_class"),
    "unknown province": (row("BAD-1", province="TH-99"), "province"),
    "unknown province name": (row("BAD-1", province="กรุงเทพมหานครใหม่"), "province"),
    "unknown group": (row("BAD-1", group_code="GZ"), "group_code"),
    "unknown parent": (row("BAD-1", parent_code="DEP-NONE"), "parent_code"),
    "own parent": (row("BAD-1", parent_code="BAD-1"), "parent_code"),
    "invalid website": (row("BAD-1", website="not a web address"), "website"),
    "invalid e-mail": (row("BAD-1", email="saraban@"), "email"),
    "invalid active": (row("BAD-1", active="maybe"), "active"),
    "invalid code": (row("BAD 1!"), "code"),
    "code that differs from an existing one only in case": (
        row("sao-a", kind="sao", size_class="M"), "code"),
}


@pytest.mark.parametrize("bad, column", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_it_saves_nothing_when_one_row_is_invalid(world, bad, column):
    before = registry_state()

    result = import_csv(world, row("DEP-GOOD", parent_code="MIN-MOI"), bad)

    assert not result.ok
    assert (3, column) in where(result)
    assert all(p.row == 3 for p in result.problems), result.problems
    assert all(p.message for p in result.problems)
    assert (result.created, result.updated) == ([], [])
    assert registry_state() == before
    assert not Agency.objects.filter(code="DEP-GOOD").exists()
    assert imports() == []


def test_it_reports_a_parent_loop_within_the_file_on_both_rows(world):
    before = registry_state()

    with override("en"):
        result = import_csv(world, row("DEP-A", parent_code="DEP-B"),
                            row("DEP-B", parent_code="DEP-A"))

    assert where(result) == {(2, "parent_code"), (3, "parent_code")}
    assert {p.message for p in result.problems} == {"Parent organisations form a loop."}
    assert registry_state() == before
    assert imports() == []


def test_it_reports_a_loop_through_agencies_already_in_the_registry(world):
    before = registry_state()

    # MIN-MOI under SAO-A, while SAO-A already sits under DEP-DLA under MIN-MOI.
    with override("en"):
        result = import_csv(world, row("MIN-MOI", name_th=world.ministry.name_th,
                                       kind="ministry", parent_code="SAO-A"))

    assert (2, "parent_code") in where(result)
    assert "Parent organisations form a loop." in [p.message for p in result.problems]
    assert registry_state() == before
    assert imports() == []


def test_it_reports_a_parent_loop_written_in_other_letter_case(world):
    """Parent codes are matched regardless of case, so a loop must be found that way too.

    Only the check is run: were such a loop written, rebuilding lineages would never end.
    """
    rows = registry_io.read_table("loop.csv", csv_bytes(
        row("DEP-A", parent_code="dep-b"), row("DEP-B", parent_code="dep-a")))

    _agencies, _parents, problems = registry_io.check_rows(rows)

    assert {(p.row, p.column) for p in problems} == {(2, "parent_code"), (3, "parent_code")}


def test_it_reports_a_code_that_appears_twice_in_the_file(world):
    before = registry_state()

    with override("en"):
        result = import_csv(world, row("DEP-TWICE"), row("DEP-OTHER"),
                            row("DEP-TWICE", name_th="กรมซ้ำ"))

    assert where(result) == {(4, "code")}
    assert result.problems[0].message == "Code DEP-TWICE is also on row 2."
    assert registry_state() == before
    assert imports() == []


def test_a_local_agency_without_a_province_is_refused(world):
    before = registry_state()

    result = import_csv(world, row("SAO-NOWHERE", kind="sao", size_class="S"))

    assert where(result) == {(2, "province")}
    assert registry_state() == before


def test_it_lists_every_problem_of_every_row_at_once(world):
    before = registry_state()

    result = import_csv(world,
                        row("DEP-BAD", name_th="", website="ftp:/nowhere", active="perhaps"),
                        row("DEP-OK"),
                        row("SAO-BAD", kind="sao", province="TH-99", group_code="GZ"))

    assert where(result) == {
        (2, "name_th"), (2, "website"), (2, "active"),
        (4, "size_class"), (4, "province"), (4, "group_code"),
    }
    assert registry_state() == before
    assert imports() == []


def test_the_page_lists_the_problems_in_thai_by_default(world, client_for):
    client = client_for(world.nacc)
    before = registry_state()
    data = csv_bytes(row("DEP-GOOD"), row("DEP-BAD", province="TH-99"))

    response = upload(client, "agencies.csv", data)

    assert response.status_code == 200
    assert 'id="import-problems"' in response.content.decode()
    [(number, column, message)] = problem_table(response)
    assert (number, column) == ("3", "province")
    assert "TH-99" in message
    assert THAI.search(message), f"the problem is not in Thai: {message!r}"
    assert "Unknown province" not in message
    assert registry_state() == before
    assert imports() == []


def test_the_page_lists_the_problems_in_english_when_the_person_chose_english(
        world, client_for):
    client = english(client_for(world.nacc))
    before = registry_state()
    data = csv_bytes(row("DEP-GOOD"), row("DEP-BAD", province="TH-99"),
                     row("SAO-BAD", kind="sao", province="TH-50"))

    response = upload(client, "agencies.csv", data)

    assert response.status_code == 200
    assert "Nothing was saved: 2 problems were found." in response.content.decode()
    assert problem_table(response) == [
        ("3", "province", "Unknown province “TH-99”."),
        ("4", "size_class", "This type of agency needs a size class (S, M or L)."),
    ]
    assert registry_state() == before
    assert imports() == []


# --- files that cannot be read ---------------------------------------------------------


def _xlsx_with_broken_sheet() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(["code", "name_th", "kind"],
                                                   ["DEP-X", "กรมทดลอง", "department"])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2] + b"<<<not xml"
            target.writestr(item, content)
    return buffer.getvalue()


BROKEN_FILES = {
    "neither csv nor xlsx": ("agencies.txt", csv_bytes(row("DEP-NEW")),
                             "Upload a .csv or .xlsx file."),
    "csv in TIS-620": ("agencies.csv", csv_bytes(row("DEP-NEW"), encoding="cp874"),
                       "The CSV file must be encoded as UTF-8."),
    "csv with only a byte-order mark": ("agencies.csv", b"\xef\xbb\xbf\r\n",
                                        "The file is empty."),
    "unknown column": ("agencies.csv", csv_bytes(row("DEP-NEW") | {"colour": "แดง"},
                                                 header=[*HEADER, "colour"]),
                       "Unknown columns: colour."),
    "missing column": ("agencies.csv", csv_bytes(row("DEP-NEW"), header=["code", "name_th"]),
                       "Missing columns: kind."),
    "corrupt xlsx": ("agencies.xlsx", bytes(range(256)) * 8,
                     "The file is not a readable XLSX workbook."),
    "xlsx with a broken sheet": ("agencies.xlsx", _xlsx_with_broken_sheet(),
                                 "The file is not a readable XLSX workbook."),
}


@pytest.mark.parametrize("name, data, error", BROKEN_FILES.values(), ids=BROKEN_FILES.keys())
def test_a_file_that_cannot_be_read_is_refused_on_the_file_field(
        world, client_for, name, data, error):
    client = english(client_for(world.nacc))
    before = registry_state()

    response = upload(client, name, data)

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any(message.startswith(error) for message in errors), errors
    assert 'id="id_file_error"' in response.content.decode()
    assert html.escape(error) in response.content.decode()
    assert registry_state() == before
    assert imports() == []


def test_an_empty_upload_is_refused_on_the_file_field(world, client_for):
    client = english(client_for(world.nacc))
    before = registry_state()

    response = upload(client, "agencies.csv", b"")

    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert "The submitted file is empty." in response.content.decode()
    assert registry_state() == before
    assert imports() == []


@pytest.mark.parametrize("name, data, error", [
    ("agencies.csv", b"", "The file is empty."),
    ("agencies.xlsx", xlsx_bytes(), "The file is empty."),
    ("agencies.csv", csv_bytes(row("X"), header=["name_en"]),
     "Missing columns: code, kind, name_th."),
], ids=["empty csv", "empty xlsx", "three missing columns"])
def test_the_header_is_checked_before_any_row(world, name, data, error):
    before = registry_state()

    with override("en"), pytest.raises(registry_io.ImportRejected) as refused:
        registry_io.import_registry(name, data, acting_user=world.nacc)

    assert str(refused.value) == error
    assert registry_state() == before
    assert imports() == []


def test_it_reads_a_header_written_in_any_letter_case(world):
    data = "Code,Name_TH,KIND,Province\r\nDEP-X,กรมเอ็กซ์,department,TH-50\r\n".encode()

    result = registry_io.import_registry("agencies.csv", data, acting_user=world.nacc)

    assert result.ok, result.problems
    assert result.created == ["DEP-X"]
    created = Agency.objects.get(code="DEP-X")
    assert (created.name_th, created.kind, created.province) == (
        "กรมเอ็กซ์", "department", world.province_p)
    assert len(imports()) == 1


# --- export and round trip -------------------------------------------------------------


def test_the_csv_export_imports_back_without_changing_anything(world, client_for):
    client = english(client_for(world.nacc))
    before = registry_state()

    export = client.get(reverse("agencies:export", args=["csv"]))

    assert export.status_code == 200
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="agencies.csv"' in export["Content-Disposition"]
    assert export.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert lines[0] == HEADER
    assert [line[0] for line in lines[1:]] == ["DEP-DLA", "MIN-MOI", "SAO-A", "SAO-B"]
    assert ["SAO-A", "องค์การบริหารส่วนตำบลหนองบัว", "Nong Bua SAO", "sao", "M", "DEP-DLA",
            "TH-50", "GX", "", "", "", "", "1"] in lines

    response = upload(client, "agencies.csv", export.content)

    assert response.status_code == 302
    assert messages_of(client.get(response["Location"])) == [
        "Import done: 0 new, 0 changed, 4 unchanged."]
    assert registry_state() == before
    [entry] = imports()
    assert (entry.after["created"], entry.after["updated"], entry.after["unchanged"]) == (
        [], [], 4)


def test_the_xlsx_export_imports_back_without_changing_anything(world, client_for):
    client = english(client_for(world.nacc))
    before = registry_state()

    export = client.get(reverse("agencies:export", args=["xlsx"]))

    assert export.status_code == 200
    assert export["Content-Type"] == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(export.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert [r[0] for r in rows[1:]] == ["DEP-DLA", "MIN-MOI", "SAO-A", "SAO-B"]

    result = registry_io.import_registry("agencies.xlsx", export.content,
                                         acting_user=world.nacc)

    assert result.ok, result.problems
    assert (result.created, result.updated, result.unchanged) == ([], [], 4)
    assert registry_state() == before
    assert len(imports()) == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_agency_admin_exports_only_their_own_agency(world, client_for, fmt):
    before = registry_state()

    export = client_for(world.admin_a).get(reverse("agencies:export", args=[fmt]))

    assert export.status_code == 200
    rows = registry_io.read_table(f"agencies.{fmt}", export.content)
    assert [r["code"] for r in rows] == ["SAO-A"]
    assert rows[0]["name_th"] == "องค์การบริหารส่วนตำบลหนองบัว"
    assert registry_state() == before
