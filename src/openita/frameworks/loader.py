"""Reading framework files, with errors that name the file, the place and the reason."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml
from pydantic import ValidationError

from .schema import Framework

DATA_DIR = Path(__file__).resolve().parent / "data"


class FrameworkError(Exception):
    """A framework file is unreadable or invalid: ``file``, ``path`` and ``reason``."""

    def __init__(self, file: str, path: str, reason: str) -> None:
        super().__init__(f"{file}: {path}: {reason}" if path else f"{file}: {reason}")
        self.file, self.path, self.reason = file, path, reason


def _path_of(location: tuple) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def parse(text: str, file: str = "<text>") -> Framework:
    """Validate framework YAML (or JSON) text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise FrameworkError(file, where, f"not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise FrameworkError(file, "", "the file must hold one mapping (id, fiscal_year, …)")
    if "questions_from" in data:
        data = _with_borrowed_questions(data, file)
    try:
        return Framework.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        reason = first["msg"].removeprefix("Value error, ")
        raise FrameworkError(file, _path_of(tuple(first["loc"])), reason) from None


def _with_borrowed_questions(data: dict, file: str) -> dict:
    """``questions_from: {framework: ita-2564, ...}`` copies that version's question bank.

    Used when a year's own questions are not known: the copy keeps each question's text but
    is never more than inferred (evidence ``I``) for the borrowing year.
    """
    source = data.pop("questions_from")
    if not isinstance(source, dict) or not isinstance(source.get("framework"), str):
        raise FrameworkError(file, "questions_from", "give {framework: <id>, note_th, note_en}")
    if data.get("questions"):
        raise FrameworkError(file, "questions_from", "use either questions or questions_from")
    try:
        lender = get(source["framework"])
    except FrameworkError as error:
        raise FrameworkError(file, "questions_from.framework", error.reason) from None
    borrowed = []
    for question in lender.questions:
        copy = question.model_dump(mode="python")
        copy["evidence"] = "I" if question.evidence in ("C", "C-calc") else question.evidence
        borrowed.append(copy)
    return {**data, "questions": borrowed}


def load_file(path: str | Path) -> Framework:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FrameworkError(str(path), "", error.strerror or str(error)) from None
    except UnicodeDecodeError:
        raise FrameworkError(str(path), "", "the file must be UTF-8 text") from None
    return parse(text, str(path))


def shipped() -> dict[str, Path]:
    """The framework files that come with openita, by id (file name without .yaml)."""
    return {p.stem: p for p in sorted(DATA_DIR.glob("*.yaml"))}


@functools.cache
def get(framework_id: str) -> Framework:
    """A shipped framework by id, parsed once per process."""
    files = shipped()
    if framework_id not in files:
        known = ", ".join(files) or "none"
        raise FrameworkError(framework_id, "", f"unknown framework (known: {known})")
    framework = load_file(files[framework_id])
    if framework.id != framework_id:
        raise FrameworkError(str(files[framework_id]), "id",
                             f"the id {framework.id!r} differs from the file name")
    return framework
