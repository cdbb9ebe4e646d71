"""Every function that writes an audit row opens its own transaction.

``audit.record`` refuses to write outside a transaction, but a test that runs inside the
``db`` fixture's transaction never sees a missing ``atomic()``: the call is always inside
one. This test reads the source instead, so a service that forgets its transaction fails
here whatever its own tests do; tests/test_committed_changes.py then runs the commands and
the services that mail or schedule work as in production.
"""

from __future__ import annotations

import ast
from pathlib import Path

import openita

SOURCE = Path(openita.__file__).resolve().parent


def _is_atomic(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return (isinstance(target, ast.Attribute) and target.attr == "atomic") or (
        isinstance(target, ast.Name) and target.id == "atomic")


def _is_audit_record(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "record" and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "audit")


def _unguarded_records(function: ast.FunctionDef) -> list[int]:
    """Lines of audit.record calls in ``function`` that no atomic() encloses."""
    if any(_is_atomic(d) for d in function.decorator_list):
        return []
    guarded: set[int] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.With) and any(_is_atomic(i.context_expr) for i in node.items):
            guarded |= {id(inner) for inner in ast.walk(node)}
    return [node.lineno for node in ast.walk(function)
            if _is_audit_record(node) and id(node) not in guarded]


def audited_functions() -> dict[str, list[int]]:
    """``module:function`` of every function that records an audit row, with the lines of
    the records that run outside a transaction of its own."""
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef) and node.name != "record" and any(
                    _is_audit_record(inner) for inner in ast.walk(node)):
                found[f"{module}:{node.name}"] = _unguarded_records(node)
    return found


def test_the_reading_finds_the_audited_changes():
    found = audited_functions()
    # A few that must be there, so a broken reader cannot pass by finding nothing.
    assert {"openita.calendars.enrolment:approve_headcount",
            "openita.surveys.reminders:_claim", "openita.surveys.services:record_interview",
            "openita.frameworks.services:freeze"} <= found.keys()
    assert len(found) >= 30


def test_every_audited_change_opens_its_own_transaction():
    missing = {name: lines for name, lines in audited_functions().items() if lines}
    assert not missing, (
        "these functions write an audit row outside a transaction of their own (decorate "
        f"them with @transaction.atomic or wrap the change in `with transaction.atomic()`): "
        f"{missing}")
