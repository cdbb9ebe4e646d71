"""The shape of one ITA framework version, validated when a file is read.

A framework file says everything the scoring needs for one year: instruments and weights,
indicators, OIT sub-indicators, questions with sub-items, answer scales, OIT items with the
criteria a consultant ticks, aggregation options, rating rules and minimum-sample policies.
Every element carries an ``evidence`` tag from the research notes, so the interface can
say which parts are not confirmed by an official source.

No Django import here: the scoring engine and the ``openita score`` command use it too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

T = TypeVar("T")

# Research tags: C confirmed, C-calc reproduced by arithmetic, C-code / C-proxy seen in
# third-party copies, I inferred, M remembered, X sources disagree, placeholder = not known.
Evidence = Literal["C", "C-calc", "C-code", "C-proxy", "I", "M", "X", "placeholder"]
CONFIRMED = frozenset({"C", "C-calc"})
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


MAX_NUMBER_LENGTH = 60


def exact(value: object) -> Fraction:
    """A number written as int, decimal string or fraction string ("100/3"), exactly."""
    if isinstance(value, bool):
        raise ValueError("a number is required")
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip()
    # Fraction("1e100000000") builds 10**100000000 and holds a worker for minutes; no weight,
    # score or threshold of a framework needs more than a few dozen digits.
    exponent = re.search(r"[eE]([+-]?\d+)\s*$", text)
    if len(text) > MAX_NUMBER_LENGTH or (exponent and abs(int(exponent.group(1))) > 30):
        raise ValueError(f"number too large: {text[:40]!r}")
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError) as error:
        raise ValueError(f"not a number: {value!r}") from error


Exact = Annotated[Fraction, Field()]


class _Tagged(Protocol):
    @property
    def evidence(self) -> str: ...


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Named(Strict):
    name_th: Text
    name_en: Text
    evidence: Evidence = "C"


class Instrument(Named):
    code: Literal["IIT", "EIT", "OIT"]
    kind: Literal["survey", "disclosure"]
    weight: Exact

    _weight = field_validator("weight", mode="before")(exact)


class Indicator(Named):
    number: Code
    instrument: Literal["IIT", "EIT", "OIT"]


class SubIndicator(Named):
    code: Code
    indicator: Code


class ScaleLevel(Strict):
    answer: int | Literal["yes", "no"]
    label_th: Text
    label_en: Text
    score: Exact

    _score = field_validator("score", mode="before")(exact)


class Scale(Strict):
    code: Literal["L4", "YN"]
    levels: list[ScaleLevel] = Field(min_length=2)
    evidence: Evidence = "C"

    @model_validator(mode="after")
    def _levels_fit_the_scale(self) -> Scale:
        answers = [level.answer for level in self.levels]
        expected = [1, 2, 3, 4] if self.code == "L4" else ["yes", "no"]
        if sorted(answers, key=str) != sorted(expected, key=str):
            raise ValueError(f"scale {self.code} must define the answers {expected}")
        if any(not 0 <= level.score <= 100 for level in self.levels):
            raise ValueError("every level scores between 0 and 100")
        return self


class SubItem(Strict):
    code: Code
    text_th: Text
    text_en: Text
    polarity: Literal["+", "-"] | None = None  # overrides the question's polarity


class Question(Strict):
    code: Code
    indicator: Code
    text_th: Text
    text_en: Text
    scale: Literal["L4", "YN"]
    polarity: Literal["+", "-"]
    subitems: list[SubItem] = Field(default_factory=list)
    note_th: str = ""
    note_en: str = ""
    evidence: Evidence = "C"

    @property
    def cells(self) -> list[tuple[str, str]]:
        """(answer key, polarity) per answer cell: ``i1a``, ``i1b``; ``i2`` when no sub-items."""
        if not self.subitems:
            return [(self.code, self.polarity)]
        return [(self.code + s.code, s.polarity or self.polarity) for s in self.subitems]


class Criterion(Strict):
    code: Code
    text_th: Text
    text_en: Text
    evidence: Evidence = "C"


class AgencyNote(Strict):
    kinds: list[Code] = Field(min_length=1)
    text_th: Text
    text_en: Text


TimeRule = Literal["current_state", "current_fy", "first_half_current_fy", "previous_fy"]


class OITItem(Strict):
    code: Code
    subindicator: Code
    title_th: Text
    title_en: Text
    criteria: list[Criterion] = Field(min_length=1)
    time_rule: TimeRule
    agency_notes: list[AgencyNote] = Field(default_factory=list)
    none_must_be_stated: bool = False  # "if there was none, say so explicitly"
    evidence: Evidence = "C"


class Aggregation(Strict):
    # Indicator score from the mean of its questions (default) or of all its answer cells.
    survey_indicator: Literal["question_mean", "subitem_mean"] = "question_mean"
    # OIT indicator from the mean of its sub-indicators (2564, confirmed) or of all items.
    oit_indicator: Literal["subindicator_mean", "item_mean"] = "subindicator_mean"
    evidence: Evidence = "I"


class RatingRule(Strict):
    code: Code
    label_th: Text
    label_en: Text
    min_total: Exact
    # Minimum (rounded) scores by instrument code ("IIT") or indicator number ("8").
    floors: dict[str, Exact] = Field(default_factory=dict)
    passes: bool = False
    evidence: Evidence = "C"

    _min = field_validator("min_total", mode="before")(exact)

    @field_validator("floors", mode="before")
    @classmethod
    def _exact_floors(cls, value: object) -> object:
        if isinstance(value, dict):
            return {str(k): exact(v) for k, v in value.items()}
        return value


class IITSamplePolicy(Strict):
    """Minimum IIT sample from the headcount: everyone below ``everyone_below``, else
    ``fraction`` of the headcount rounded up, at least ``minimum``, at most ``maximum``."""

    fraction: Exact
    minimum: int = Field(ge=1)
    maximum: int | None = Field(default=None, ge=1)
    everyone_below: int = Field(ge=0)
    evidence: Evidence = "I"

    _fraction = field_validator("fraction", mode="before")(exact)


class EITSampleRow(Strict):
    kinds: list[Code] = Field(min_length=1)
    size_class: Literal["S", "M", "L"] | None = None
    minimum: int = Field(ge=1)
    evidence: Evidence = "C"


class EITSamplePolicy(Strict):
    rows: list[EITSampleRow] = Field(default_factory=list)
    default_minimum: int = Field(ge=1)
    default_evidence: Evidence = "placeholder"


class SamplePolicies(Strict):
    iit: IITSamplePolicy
    eit: EITSamplePolicy


class Framework(Strict):
    id: Code
    fiscal_year: int = Field(ge=2560, le=2700)
    title_th: Text
    title_en: Text
    notes_th: str = ""
    notes_en: str = ""
    instruments: list[Instrument] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)
    subindicators: list[SubIndicator] = Field(default_factory=list)
    scales: list[Scale]
    questions: list[Question] = Field(default_factory=list)
    oit_items: list[OITItem] = Field(default_factory=list)
    aggregation: Aggregation = Aggregation()
    rating: list[RatingRule] = Field(min_length=1)
    samples: SamplePolicies

    @model_validator(mode="after")
    def _references_hold(self) -> Framework:
        _unique("instruments", [i.code for i in self.instruments])
        _unique("indicators", [i.number for i in self.indicators])
        _unique("subindicators", [s.code for s in self.subindicators])
        _unique("questions", [q.code for q in self.questions])
        _unique("answer keys", [key for q in self.questions for key, _p in q.cells])
        _unique("oit_items", [o.code for o in self.oit_items])
        _unique("rating", [r.code for r in self.rating])
        _unique("scales", [s.code for s in self.scales])
        if sum(i.weight for i in self.instruments) != 1:
            raise ValueError("the instrument weights must add up to exactly 1")
        kinds: dict[str, str] = {i.code: i.kind for i in self.instruments}
        indicators = {i.number: i for i in self.indicators}
        for indicator in self.indicators:
            if indicator.instrument not in kinds:
                raise ValueError(f"indicator {indicator.number}: unknown instrument "
                                 f"{indicator.instrument}")
        for sub in self.subindicators:
            owner = indicators.get(sub.indicator)
            if owner is None or kinds[owner.instrument] != "disclosure":
                raise ValueError(f"sub-indicator {sub.code}: {sub.indicator} is not an OIT "
                                 "indicator")
        scales = {s.code for s in self.scales}
        for question in self.questions:
            owner = indicators.get(question.indicator)
            if owner is None or kinds[owner.instrument] != "survey":
                raise ValueError(f"question {question.code}: {question.indicator} is not a "
                                 "survey indicator")
            if question.scale not in scales:
                raise ValueError(f"question {question.code}: scale {question.scale} is not "
                                 "defined")
        subs = {s.code for s in self.subindicators}
        for item in self.oit_items:
            if item.subindicator not in subs:
                raise ValueError(f"OIT item {item.code}: unknown sub-indicator "
                                 f"{item.subindicator}")
        self._every_indicator_is_measured(kinds)
        self._rating_is_ordered()
        return self

    def _every_indicator_is_measured(self, kinds: dict[str, str]) -> None:
        asked = {q.indicator for q in self.questions}
        items_by_sub = {o.subindicator for o in self.oit_items}
        for indicator in self.indicators:
            if kinds[indicator.instrument] == "survey" and indicator.number not in asked:
                raise ValueError(f"indicator {indicator.number} has no question")
            if kinds[indicator.instrument] == "disclosure":
                subs = [s.code for s in self.subindicators if s.indicator == indicator.number]
                if not subs or any(s not in items_by_sub for s in subs):
                    raise ValueError(f"indicator {indicator.number}: every sub-indicator "
                                     "needs at least one OIT item")
        for code in kinds:
            if not any(i.instrument == code for i in self.indicators):
                raise ValueError(f"instrument {code} has no indicator")

    def _rating_is_ordered(self) -> None:
        minima = [rule.min_total for rule in self.rating]
        if minima != sorted(minima, reverse=True):
            raise ValueError("rating rules must be ordered from the highest minimum total")
        if minima[-1] != 0:
            raise ValueError("the last rating rule must start at 0 so every total has a label")
        known = {i.code for i in self.instruments} | {i.number for i in self.indicators}
        for rule in self.rating:
            unknown = set(rule.floors) - known
            if unknown:
                raise ValueError(f"rating {rule.code}: unknown floor keys {sorted(unknown)}")

    # --- lookups the engine and the pages use -----------------------------------------

    def instrument(self, code: str) -> Instrument:
        return next(i for i in self.instruments if i.code == code)

    def indicators_of(self, instrument: str) -> list[Indicator]:
        return [i for i in self.indicators if i.instrument == instrument]

    def scale(self, code: str) -> Scale:
        return next(s for s in self.scales if s.code == code)

    @property
    def unconfirmed(self) -> bool:
        """True when any part rests on inference, memory or a placeholder."""
        parts: list[_Tagged] = [
            *self.instruments, *self.indicators, *self.subindicators, *self.questions,
            *self.oit_items, *self.rating, *self.scales, self.aggregation]
        return any(p.evidence not in CONFIRMED for p in parts)


def _unique(what: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise ValueError(f"{what}: {code} appears twice")
        seen.add(code)


__all__ = ["Framework", "Question", "OITItem", "RatingRule", "exact", "Decimal"]


def per_version(build: Callable[[Framework, str], T]) -> Callable[[Framework, str], T]:
    """Work out ``build(framework, instrument)`` once per framework object.

    A framework version is frozen and parsed once per process (loader, frameworks
    services), so what is derived from it (score tables, respondent pages) never changes;
    keeping the object beside its result makes a recycled ``id()`` a miss, not a wrong hit.
    """
    results: dict[tuple[int, str], tuple[Framework, T]] = {}

    @functools.wraps(build)
    def cached(framework: Framework, instrument: str) -> T:
        hit = results.get((id(framework), instrument))
        if hit is None or hit[0] is not framework:
            hit = results[(id(framework), instrument)] = (framework,
                                                         build(framework, instrument))
        return hit[1]

    return cached
