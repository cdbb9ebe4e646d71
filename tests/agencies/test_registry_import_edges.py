"""Import and export edge cases found in review: formulas, cleared parents, huge cells."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from openita.agencies import registry_io
from openita.agencies.models import Agency
from openita.core import uploads
from tests.agencies.test_registry_import import csv_bytes, import_csv, imports, row, upload


def test_a_cell_that_looks_like_a_formula_is_exported_as_text_and_imports_back(
        world, client_for):
    Agency.objects.filter(pk=world.agency_a.pk).update(
        address="=HYPERLINK(\"http://evil.example\")", phone="+66 53 111 222")
    client = client_for(world.nacc)
    exported = client.get(reverse("agencies:export", args=["csv"])).content
    cells = {r[0]: r for r in csv.reader(io.StringIO(exported.decode("utf-8-sig")))}
    assert cells["SAO-A"][9] == "'=HYPERLINK(\"http://evil.example\")"
    assert cells["SAO-A"][10] == "'+66 53 111 222"

    result = registry_io.import_registry("agencies.csv", exported, acting_user=world.nacc)

    assert result.ok and result.created == [] and result.updated == []
    agency = Agency.objects.get(pk=world.agency_a.pk)
    assert agency.address.startswith("=HYPERLINK") and agency.phone == "+66 53 111 222"


def test_clearing_a_parent_in_the_file_is_not_taken_for_a_loop(world):
    # In the database DEP-DLA sits under MIN-MOI; the file puts MIN-MOI under DEP-DLA and
    # takes DEP-DLA to the top level at the same time: no loop.
    result = import_csv(world,
                        row("MIN-MOI", kind="ministry", parent_code="DEP-DLA"),
                        row("DEP-DLA", parent_code=""))

    assert result.ok, result.problems
    ministry = Agency.objects.get(code="MIN-MOI")
    dla = Agency.objects.get(code="DEP-DLA")
    assert dla.parent is None and ministry.parent == dla
    assert Agency.objects.get(code="SAO-A").lineage.startswith(dla.lineage)


def test_a_blank_active_cell_keeps_an_inactive_agency_inactive(world):
    Agency.objects.filter(pk=world.agency_b.pk).update(active=False)

    result = import_csv(world, row("SAO-B", kind="sao", size_class="L", province="TH-83",
                                   parent_code="DEP-DLA", group_code="GY", active=""))

    assert result.ok, result.problems
    assert Agency.objects.get(pk=world.agency_b.pk).active is False


def test_the_import_audit_row_records_what_changed_for_each_agency(world):
    result = import_csv(world, row("DEP-DLA", name_th=world.dla.name_th,
                                   name_en="Local Administration", parent_code="MIN-MOI"))

    assert result.ok
    [entry] = imports()
    assert entry.after["changes"] == {"DEP-DLA": {"name_en": ["", "Local Administration"]}}


def test_a_cell_too_long_for_csv_is_refused_on_the_file_field(world, client_for):
    data = csv_bytes(row("DEP-HUGE")) + b'"' + b"x" * 200_000 + b'"\n'

    response = upload(client_for(world.nacc), "agencies.csv", data)

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not Agency.objects.filter(code="DEP-HUGE").exists()


@pytest.mark.parametrize("value", ["@SUM(A1)", "-2+3", "\tTAB"])
def test_every_formula_prefix_is_escaped(value):
    assert registry_io._escape_formula([value]) == ["'" + value]
    assert uploads.unescape_formula(["'" + value]) == [value]
