"""Import and export of the agency registry as CSV or XLSX.

An import is all or nothing: every row is checked first and each problem is reported with
its row number and column; only a file without any problem is written, in one transaction,
with one audit row that lists what was created and what changed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openita.accounts.models import User
from openita.core import audit, locks, uploads
from openita.core.forms import MAX_LINE_LENGTH, MAX_TEXT_LENGTH
from openita.core.permissions import require
from openita.core.tables import safe_row

# Re-exported: the registry's pages and tests name them here.
from openita.core.uploads import ImportRejected as ImportRejected
from openita.core.uploads import RowProblem as RowProblem
from openita.core.uploads import shown as _shown
from openita.core.validators import CONTROL_CHARACTERS_MESSAGE, forbidden_characters

from .models import Agency, AgencyGroup, AuditAction, Province
from .services import REGISTRY_LOCK, registry_problems

COLUMNS = [
    "code", "name_th", "name_en", "kind", "size_class", "parent_code", "province",
    "group_code", "website", "address", "phone", "email", "active",
]
REQUIRED_COLUMNS = {"code", "name_th", "kind"}
PLAIN_FIELDS = ["name_th", "name_en", "kind", "size_class", "website", "address", "phone",
                "email"]
# Cells that may hold line breaks, as the address box of the forms does.
MULTILINE_COLUMNS = {"address"}
# Columns whose length the model does not check itself.
UNBOUNDED_COLUMNS = {"address", "parent_code", "province", "group_code", "active"}
MAX_ROWS = uploads.MAX_ROWS
TRUE_WORDS = {"1", "true", "yes", "y", "ใช่", "จริง", "active", "ใช้งาน"}
FALSE_WORDS = {"0", "false", "no", "n", "ไม่", "ไม่ใช่", "inactive", "ยกเลิก"}


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    # code -> {field: [before, after]} for every agency the import changed
    changes: dict[str, dict[str, list]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- reading ---------------------------------------------------------------------------


def read_table(name: str, data: bytes) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX registry file as dicts keyed by the (lower-cased) header."""
    return uploads.read_table(name, data, columns=COLUMNS, required=REQUIRED_COLUMNS,
                              max_rows=MAX_ROWS)


# --- checking --------------------------------------------------------------------------


def _parse_active(value: str) -> bool | None:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


class _Lookups:
    def __init__(self, codes_in_file: set[str]) -> None:
        self.provinces = {p.code.lower(): p for p in Province.objects.all()}
        self.provinces.update({p.name_th: p for p in self.provinces.values()})
        self.groups = {g.code.lower(): g for g in AgencyGroup.objects.all()}
        self.existing = Agency.objects.in_bulk(field_name="code")
        self.existing_lower = {code.lower(): a for code, a in self.existing.items()}
        # Codes are matched without regard to letter case and stored as spelled in the
        # registry (or, for new agencies, in the file).
        self.real_codes = {code.lower(): code for code in self.existing}
        self.real_codes.update({code.lower(): code for code in codes_in_file})


def check_rows(rows: list[dict[str, str]]) -> tuple[list[Agency], dict, list[RowProblem]]:
    """Build an unsaved Agency per row and list every problem (row numbers as in a sheet)."""
    codes = [r.get("code", "") for r in rows]
    lookups = _Lookups({c for c in codes if c})
    problems: list[RowProblem] = []
    agencies: list[Agency] = []
    parents: dict[str, str] = {}
    seen: dict[str, int] = {}
    for index, row in enumerate(rows, start=2):
        agency, row_problems, parent_code = _check_row(index, row, lookups)
        code_key = agency.code.lower()
        if code_key and code_key in seen:
            row_problems.append(RowProblem(index, "code", _("Code %(code)s is also on row %(row)s.")
                                           % {"code": _shown(agency.code),
                                              "row": seen[code_key]}))
        seen.setdefault(code_key, index)
        problems.extend(row_problems)
        agencies.append(agency)
        if parent_code is not None:
            parents[agency.code] = parent_code
    problems.extend(_cycle_problems(parents, codes))
    return agencies, parents, problems


def _cell_problems(index: int, row: dict[str, str]) -> list[RowProblem]:
    """The rule every form applies to typed text, for the cells of one row: no control
    characters (line breaks only where the form has a multi-line box), no absurd length."""
    problems = []
    for column, value in row.items():
        if not column:  # a column without a name is not read
            continue
        multiline = column in MULTILINE_COLUMNS
        if forbidden_characters(value, multiline=multiline):
            problems.append(RowProblem(index, column, str(CONTROL_CHARACTERS_MESSAGE)))
        limit = MAX_TEXT_LENGTH if multiline else MAX_LINE_LENGTH
        if column in UNBOUNDED_COLUMNS and len(value) > limit:
            problems.append(RowProblem(index, column, _("This cell is longer than %(limit)s "
                                                        "characters.") % {"limit": limit}))
    return problems


def _check_row(index: int, row: dict[str, str], lookups: _Lookups):
    problems: list[RowProblem] = _cell_problems(index, row)
    code = row.get("code", "")
    agency = lookups.existing.get(code) or Agency(code=code)
    for name in PLAIN_FIELDS:
        if name in row:
            value = row[name]
            setattr(agency, name, value.upper() if name == "size_class" else value)
    if row.get("active", "").strip():  # a blank cell keeps the current state
        active = _parse_active(row["active"])
        if active is None:
            problems.append(RowProblem(index, "active", _("Write 1 (active) or 0 (inactive).")))
        else:
            agency.active = active
    if row.get("province"):
        province = lookups.provinces.get(row["province"].lower()) or lookups.provinces.get(
            row["province"])
        if province is None:
            problems.append(RowProblem(index, "province", _("Unknown province “%(value)s”.")
                                       % {"value": _shown(row["province"])}))
        agency.province = province
    elif "province" in row:
        agency.province = None
    if row.get("group_code"):
        group = lookups.groups.get(row["group_code"].lower())
        if group is None:
            problems.append(RowProblem(index, "group_code", _("Unknown agency group “%(value)s”.")
                                       % {"value": _shown(row["group_code"])}))
        agency.group = group
    elif "group_code" in row:
        agency.group = None
    parent_code = _parent_of(index, row, code, lookups, problems)
    try:
        agency.clean_fields(exclude=["parent", "lineage", "province", "group", "code"]
                            if agency.pk else ["parent", "lineage", "province", "group"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            problems.extend(RowProblem(index, name, m) for m in messages)
    if agency.pk is None and code and lookups.existing_lower.get(code.lower()):
        problems.append(RowProblem(index, "code", _("Code differs only in letter case from "
                                                    "an existing agency.")))
    for name, message in registry_problems(agency).items():
        problems.append(RowProblem(index, name, message))
    return agency, problems, parent_code


def _parent_of(index: int, row: dict, code: str, lookups: _Lookups,
               problems: list[RowProblem]) -> str | None:
    """The parent's code as stored; "" to clear the parent; None when the file has no column."""
    if "parent_code" not in row:
        return None
    given = row["parent_code"]
    if not given:
        return ""
    real = lookups.real_codes.get(given.lower())
    if real is None:
        problems.append(RowProblem(index, "parent_code", _("No agency has the code “%(value)s”.")
                                   % {"value": _shown(given)}))
    elif real.lower() == code.lower():
        problems.append(RowProblem(index, "parent_code",
                                   _("An agency cannot be its own parent organisation.")))
        real = None
    return real or None


def _cycle_problems(parents: dict[str, str], codes: list[str]) -> list[RowProblem]:
    """Parent links in the file (with those in the database) must not loop."""
    existing = dict(
        Agency.objects.filter(parent__isnull=False).values_list("code", "parent__code")
    )
    links = {**existing, **parents}  # "" clears a parent stored in the database
    problems = []
    for code in parents:
        seen, current = {code}, links.get(code)
        while current:  # stops at "" (cleared) or None (top level)
            if current in seen:
                problems.append(RowProblem(codes.index(code) + 2, "parent_code",
                                           _("Parent organisations form a loop.")))
                break
            seen.add(current)
            current = links.get(current)
    return problems


# --- writing ---------------------------------------------------------------------------


def import_registry(name: str, data: bytes, *, acting_user: User) -> ImportResult:
    """Check the whole file; write it only if every row is valid."""
    require(acting_user, "agencies.manage_registry")
    rows = read_table(name, data)
    with transaction.atomic():
        # Checked and written under the registry lock, so a concurrent change cannot
        # slip between the check and the write.
        locks.hold(REGISTRY_LOCK)
        agencies, parents, problems = check_rows(rows)
        result = ImportResult(problems=problems)
        if problems:
            return result
        _write(agencies, parents, result)
        audit.record(AuditAction.IMPORT, actor=acting_user, object_type="agencies.agency",
                     object_id="*", after={"file": _shown(name, 200), "created": result.created,
                                           "updated": result.updated,
                                           "unchanged": result.unchanged,
                                           "changes": result.changes})
    return result


def _write(agencies: list[Agency], parents: dict[str, str], result: ImportResult) -> None:
    fields = PLAIN_FIELDS + ["province", "group", "active"]
    new = [a for a in agencies if a.pk is None]
    stored = Agency.objects.in_bulk([a.pk for a in agencies if a.pk])
    changed = []
    for agency in agencies:
        if agency.pk is None:
            continue
        before = stored[agency.pk]
        diff = {f: [_plain(getattr(before, f)), _plain(getattr(agency, f))]
                for f in fields if getattr(before, f) != getattr(agency, f)}
        if diff:
            changed.append(agency)
            result.changes[agency.code] = diff
        else:
            result.unchanged += 1
    Agency.objects.bulk_create(new, batch_size=1000)
    now = timezone.now()
    for agency in changed:
        agency.updated_at = now  # bulk_update does not apply auto_now
    Agency.objects.bulk_update(changed, [*fields, "updated_at"], batch_size=1000)
    result.created = [a.code for a in new]
    result.updated = [a.code for a in changed]
    if parents:
        by_code = Agency.objects.in_bulk(
            list(parents) + [p for p in parents.values() if p], field_name="code")
        moved = []
        for code, parent_code in parents.items():
            child = by_code[code]
            parent_id = by_code[parent_code].pk if parent_code else None
            if child.parent_id != parent_id:
                result.changes.setdefault(code, {})["parent"] = [child.parent_id, parent_id]
                child.parent_id = parent_id
                moved.append(child)
                if code not in result.created and code not in result.updated:
                    result.updated.append(code)
                    result.unchanged -= 1
        Agency.objects.bulk_update(moved, ["parent"], batch_size=1000)
    rebuild_lineages()


def _plain(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


def rebuild_lineages() -> int:
    """Recompute every agency's hierarchy path from the parent links; returns rows changed."""
    links = dict(Agency.objects.values_list("pk", "parent_id"))
    current = dict(Agency.objects.values_list("pk", "lineage"))
    paths: dict[int, str] = {}

    def path(pk: int) -> str:
        chain = []
        node: int | None = pk
        while node is not None and node not in paths:
            if node in chain:
                raise ValueError(f"agency {node} is its own ancestor")
            chain.append(node)
            node = links[node]
        prefix = paths[node] if node is not None else "/"
        for item in reversed(chain):
            prefix = f"{prefix}{item}/"
            paths[item] = prefix
        return paths[pk]

    stale = [Agency(pk=pk, lineage=path(pk)) for pk in links if current[pk] != path(pk)]
    Agency.objects.bulk_update(stale, ["lineage"], batch_size=2000)
    return len(stale)


# --- export ----------------------------------------------------------------------------


def export_rows(queryset) -> Iterable[list[str]]:
    yield COLUMNS
    for a in queryset.select_related("parent", "province", "group").order_by("code"):
        yield [
            a.code, a.name_th, a.name_en, a.kind, a.size_class,
            a.parent.code if a.parent_id else "", a.province.code if a.province_id else "",
            a.group.code if a.group_id else "", a.website, a.address, a.phone, a.email,
            "1" if a.active else "0",
        ]


def _escape_formula(row: list[str]) -> list[object]:
    """Cells made safe to open in a spreadsheet (``core.tables.safe_row``)."""
    return safe_row(row)


def export_csv(queryset) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(_escape_formula(row) for row in export_rows(queryset))
    # The byte-order mark makes Excel open Thai text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(queryset) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("agencies")
    for row in export_rows(queryset):
        sheet.append(_escape_formula(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

