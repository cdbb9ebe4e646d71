"""The library of example measures (มาตรการ) per indicator, where an agency's set starts.

The measures are data (``data/measures.yaml``), not code: NACC or a province may give its
own file, and a wrong file is refused with the place and the reason, as framework files are.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

LIBRARY_FILE = Path(__file__).resolve().parent / "data" / "measures.yaml"
# Every indicator of a framework has at least this many examples to choose from.
AT_LEAST_PER_INDICATOR = 3


class LibraryError(Exception):
    """The library file is unreadable or invalid."""


class ExampleMeasure(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9-]+$")
    indicator: str = Field(pattern=r"^\d{1,2}$")
    title_th: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    guideline_th: str = Field(min_length=1)
    steps_th: tuple[str, ...] = Field(min_length=1)
    unit_th: str = Field(min_length=1)
    monitoring_th: str = Field(min_length=1)

    @field_validator("steps_th")
    @classmethod
    def _no_blank_step(cls, steps: tuple[str, ...]) -> tuple[str, ...]:
        if any(not step.strip() for step in steps):
            raise ValueError("a step is blank")
        return steps


class Library(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    measures: tuple[ExampleMeasure, ...]

    @field_validator("measures")
    @classmethod
    def _unique_keys(cls, measures: tuple[ExampleMeasure, ...]) -> tuple[ExampleMeasure, ...]:
        seen: set[str] = set()
        for measure in measures:
            if measure.key in seen:
                raise ValueError(f"the key {measure.key!r} is used twice")
            seen.add(measure.key)
        return measures

    def for_indicator(self, number: str) -> list[ExampleMeasure]:
        return [m for m in self.measures if m.indicator == number]

    def by_key(self, key: str) -> ExampleMeasure | None:
        return next((m for m in self.measures if m.key == key), None)

    def missing(self, indicator_numbers: list[str]) -> dict[str, int]:
        """Indicators of a framework with fewer than the minimum of examples: number -> count."""
        counts: dict[str, int] = defaultdict(int)
        for measure in self.measures:
            counts[measure.indicator] += 1
        return {n: counts[n] for n in indicator_numbers if counts[n] < AT_LEAST_PER_INDICATOR}


def parse(text: str, file: str = "<text>") -> Library:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise LibraryError(f"{file}: not valid YAML: {error}") from None
    try:
        return Library.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise LibraryError(f"{file}: {where}: {first['msg']}") from None


@functools.cache
def shipped() -> Library:
    """The library that ships with openita."""
    return parse(LIBRARY_FILE.read_text(encoding="utf-8"), LIBRARY_FILE.name)
