"""The ITA scoring engine: plain data in, a full breakdown out, exact arithmetic throughout.

Rules (every constant comes from the framework):

* An answer scores its level's value (4-level 0, 100/3, 200/3, 100; yes/no 100/0), reversed
  (100 − value) for a negatively keyed question or sub-item.
* Because every mean here is linear and every valid response answers every cell, the
  agency's score for a cell is the mean over respondents, and a question is the mean of its
  cells; an indicator is the mean of its questions (or of all its cells, if the framework
  says so). This equals averaging per respondent first, and lets the engine count answers
  per cell instead of looping over respondents again.
* OIT: an item passes (100) or fails (0); a sub-indicator is the share of passing items; an
  OIT indicator is the mean of its sub-indicators (or of its items, if configured).
* An instrument is the mean of its indicators; the total is the weighted sum.
* Values are exact fractions; they are rounded half-up to 2 decimals only for output and
  before comparing with a rating threshold.

No Django import: this module is the only place in openita that computes scores.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from openita.frameworks.schema import Framework, RatingRule, per_version

HUNDRED = Fraction(100)


class InvalidInput(ValueError):
    """Input the engine cannot score; ``path`` says where (``responses.IIT[3].i4money``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path, self.message = path, message


@dataclass(frozen=True)
class Breakdown:
    framework: str
    cells: dict[str, Fraction]
    questions: dict[str, Fraction]
    indicators: dict[str, Fraction]
    subindicators: dict[str, Fraction]
    instruments: dict[str, Fraction]
    weighted: dict[str, Fraction]
    total: Fraction
    rating: RatingRule
    respondents: dict[str, int]
    items: dict[str, bool] = field(default_factory=dict)


def _cents(value: Fraction) -> int:
    """The value in hundredths, rounded half-up (away from zero), in whole-number
    arithmetic: floor(|v|·100 + ½) = (2·100·|p| + q) // 2q for v = p/q."""
    num, den = value.numerator, value.denominator
    whole = (200 * abs(num) + den) // (2 * den)
    return whole if num >= 0 else -whole


def round2(value: Fraction) -> Fraction:
    """Round half-up (away from zero) to 2 decimals, exactly."""
    return Fraction(_cents(value), 100)


def fmt(value: Fraction) -> str:
    """A score as text with exactly 2 decimals: ``"81.45"``."""
    cents = _cents(value if value.__class__ is Fraction else Fraction(value))
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _mean(values: Iterable[Fraction]) -> Fraction:
    values = list(values)
    return sum(values, Fraction(0)) / len(values)


# --- survey responses ------------------------------------------------------------------


@per_version  # needed on every submission: worked out once per framework version
def _cell_values(framework: Framework, instrument: str) -> dict[str, dict[Any, Fraction]]:
    """Per answer key, the score of every allowed answer (polarity applied)."""
    numbers = {i.number for i in framework.indicators_of(instrument)}
    table: dict[str, dict[Any, Fraction]] = {}
    for question in framework.questions:
        if question.indicator not in numbers:
            continue
        levels = {lvl.answer: lvl.score for lvl in framework.scale(question.scale).levels}
        for key, polarity in question.cells:
            table[key] = {a: (HUNDRED - s if polarity == "-" else s) for a, s in levels.items()}
    return table


def _count_answers(
    instrument: str, responses: list[Any], values: dict[str, dict[Any, Fraction]]
) -> dict[str, Counter]:
    """Check every response and count answers per cell; the first problem is raised."""
    counts: dict[str, Counter] = {key: Counter() for key in values}
    for index, response in enumerate(responses):
        _check_one(instrument, index, response, values)
        for key, answer in response.items():
            counts[key][answer] += 1
    return counts


def _check_one(instrument: str, index: int, response: Any,
               values: dict[str, dict[Any, Fraction]]) -> None:
    if not isinstance(response, Mapping):
        raise InvalidInput(f"responses.{instrument}[{index}]",
                           "each response must be an object of answers")
    if response.keys() != values.keys():
        _explain_keys(f"responses.{instrument}[{index}]", set(response), set(values))
    for key, answer in response.items():
        allowed = values[key]
        # bool is an int in Python: true must not pass for the answer 1.
        if answer.__class__ is bool or answer not in allowed:
            choices = ", ".join(str(a) for a in allowed)
            raise InvalidInput(f"responses.{instrument}[{index}].{key}",
                               f"answer {answer!r} is not one of {choices}")


def _explain_keys(where: str, given: set[str], expected: set[str]) -> None:
    unknown = sorted(given - expected)
    if unknown:
        raise InvalidInput(f"{where}.{unknown[0]}", "unknown question code")
    missing = sorted(expected - given)
    raise InvalidInput(f"{where}.{missing[0]}", "answer missing")


def check_response(framework: Framework, instrument: str, answers: Any) -> None:
    """Raise InvalidInput unless ``answers`` is one complete, valid response."""
    _check_one(instrument, 0, answers, _cell_values(framework, instrument))


def survey_scores(framework: Framework, instrument: str, responses: list[Any]):
    """Indicator scores and the instrument score from raw responses of one instrument
    (provisional scores during collection use this, never a second implementation)."""
    _cells, _questions, indicators, n = _score_survey(framework, instrument, responses)
    return indicators, _mean(indicators.values()), n


def _score_survey(framework: Framework, instrument: str, responses: list[Any]):
    if not isinstance(responses, list):
        raise InvalidInput(f"responses.{instrument}", "must be a list of responses")
    if not responses:
        raise InvalidInput(f"responses.{instrument}", "no responses to score")
    values = _cell_values(framework, instrument)
    counts = _count_answers(instrument, responses, values)
    return _score_counted(framework, instrument, values, counts, len(responses))


def _checked_counts(framework: Framework, instrument: str, counted: Any
                    ) -> tuple[dict[str, dict[Any, Fraction]], dict[str, Counter], int]:
    """Answer counts per cell as given (``{"n": responses, "cells": {cell: {answer:
    count}}}``), checked: every cell of the instrument, only allowed answers, whole
    non-negative counts, and every cell answered by each of the ``n`` responses."""
    where = f"counts.{instrument}"
    if not isinstance(counted, Mapping) or set(counted) != {"n", "cells"}:
        raise InvalidInput(where, 'must be an object with "n" and "cells"')
    n, cells = counted["n"], counted["cells"]
    if n.__class__ is not int or n < 1:
        raise InvalidInput(f"{where}.n", "the number of responses must be a whole number "
                                         "of at least 1")
    values = _cell_values(framework, instrument)
    if not isinstance(cells, Mapping):
        raise InvalidInput(f"{where}.cells", "must be an object of cells to answer counts")
    if cells.keys() != values.keys():
        _explain_keys(f"{where}.cells", set(cells), set(values))
    counts: dict[str, Counter] = {}
    as_text = _answers_as_text(framework, instrument)
    for key, per_answer in cells.items():
        if not isinstance(per_answer, Mapping):
            raise InvalidInput(f"{where}.cells.{key}", "must be an object of answers to counts")
        allowed, by_text = values[key], as_text[key]
        counter: Counter = Counter()
        total = 0
        for answer, count in per_answer.items():
            # What the database gives: the answer as text ("3"), looked up first.
            given = by_text.get(answer) if answer.__class__ is str else None
            if given is None:
                given = _answer_key(answer, allowed, by_text)
            if given is None:
                choices = ", ".join(str(a) for a in allowed)
                raise InvalidInput(f"{where}.cells.{key}.{answer}",
                                   f"answer {answer!r} is not one of {choices}")
            if count.__class__ is not int or count < 0:
                raise InvalidInput(f"{where}.cells.{key}.{answer}",
                                   "a count must be a whole number, 0 or more")
            counter[given] += count
            total += count
        if total != n:
            raise InvalidInput(f"{where}.cells.{key}",
                               f"the counts add up to {total}, not n = {n}")
        counts[key] = counter
    return values, counts, n


def _answer_key(answer: Any, allowed: Mapping[Any, Fraction],
                as_text: Mapping[str, Any]) -> Any:
    """The allowed answer ``answer`` stands for; JSON object keys are text, so "3" is 3."""
    if answer.__class__ is not bool and answer in allowed:
        return answer
    return as_text.get(str(answer))


@per_version
def _answers_as_text(framework: Framework, instrument: str) -> dict[str, dict[str, Any]]:
    """Per cell, each allowed answer by its text (the first of any that read the same)."""
    table: dict[str, dict[str, Any]] = {}
    for key, allowed in _cell_values(framework, instrument).items():
        table[key] = {}
        for option in allowed:
            table[key].setdefault(str(option), option)
    return table


def survey_scores_from_counts(framework: Framework, instrument: str, counted: Any):
    """``survey_scores`` from answer counts per cell rather than the responses: what the
    national computation passes (the database counts, the engine scores)."""
    values, counts, n = _checked_counts(framework, instrument, counted)
    _cells, _questions, indicators, n = _score_counted(framework, instrument, values, counts, n)
    return indicators, _mean(indicators.values()), n


@dataclass(frozen=True)
class _Plan:
    """How an instrument's cells add up, as whole numbers, worked out once per framework
    version: ``score(counts=…)`` runs for every agency of a national computation, and
    exact fractions summed one by one cost more than everything else in it.

    A cell's value is ``Σ weight[answer] × count / (scale × n)``; a question's mean and an
    indicator's mean are the same sums, each cell's (or question's) sum multiplied up to a
    common denominator, so each score is one fraction made at the end."""

    # (cell key, its scale — a common denominator of its answers' values —, the values
    # times that scale, as integers)
    cells: tuple[tuple[str, int, dict[Any, int]], ...]
    # (question code, [(cell index, multiplier)], denominator without n)
    questions: tuple[tuple[str, tuple[tuple[int, int], ...], int], ...]
    # (indicator number, whether it is the mean of cells rather than of questions,
    # [(cell or question index, multiplier)], denominator without n)
    indicators: tuple[tuple[str, bool, tuple[tuple[int, int], ...], int], ...]


def _over(parts: list[tuple[int, int]]) -> tuple[tuple[tuple[int, int], ...], int]:
    """The mean of terms ``Σ_i s_i / d_i`` over the same n: multipliers to one common
    denominator ``D × len(parts)``, so the mean is ``Σ s_i × (D/d_i) / (D × len × n)``."""
    common = math.lcm(*(d for _i, d in parts))
    return tuple((i, common // d) for i, d in parts), common * len(parts)


@per_version
def _plan(framework: Framework, instrument: str) -> _Plan:
    values = _cell_values(framework, instrument)
    cells: list[tuple[str, int, dict[Any, int]]] = []
    index: dict[str, int] = {}
    for key, per_answer in values.items():
        scale = math.lcm(*(v.denominator for v in per_answer.values()))
        index[key] = len(cells)
        cells.append((key, scale, {a: int(v * scale) for a, v in per_answer.items()}))
    questions: list[tuple[str, tuple[tuple[int, int], ...], int]] = []
    indicators: list[tuple[str, bool, tuple[tuple[int, int], ...], int]] = []
    subitem = framework.aggregation.survey_indicator == "subitem_mean"
    for indicator in framework.indicators_of(instrument):
        asked = [q for q in framework.questions if q.indicator == indicator.number]
        whole: list[tuple[int, int]] = []
        for question in asked:
            # a question's sum is in units of 1/(its denominator × n), like a cell's
            terms, denominator = _over([(index[k], cells[index[k]][1])
                                        for k, _p in question.cells])
            questions.append((question.code, terms, denominator))
            whole.append((len(questions) - 1, denominator))
        if subitem:
            terms, denominator = _over([(index[k], cells[index[k]][1])
                                        for q in asked for k, _p in q.cells])
            indicators.append((indicator.number, True, terms, denominator))
        else:
            terms, denominator = _over(whole)
            indicators.append((indicator.number, False, terms, denominator))
    return _Plan(cells=tuple(cells), questions=tuple(questions), indicators=tuple(indicators))


def _score_counted(framework: Framework, instrument: str,
                   values: dict[str, dict[Any, Fraction]], counts: dict[str, Counter], n: int):
    plan = _plan(framework, instrument)
    sums = [sum(weights[a] * c for a, c in counts[key].items())
            for key, _scale, weights in plan.cells]
    cells = {key: Fraction(sums[i], scale * n)
             for i, (key, scale, _w) in enumerate(plan.cells)}
    question_sums = [sum(sums[i] * m for i, m in terms) for _c, terms, _d in plan.questions]
    questions = {code: Fraction(question_sums[j], denominator * n)
                 for j, (code, _t, denominator) in enumerate(plan.questions)}
    indicators: dict[str, Fraction] = {}
    for number, of_cells, terms, denominator in plan.indicators:
        source = sums if of_cells else question_sums
        indicators[number] = Fraction(sum(source[i] * m for i, m in terms), denominator * n)
    return cells, questions, indicators, n


# --- OIT -------------------------------------------------------------------------------


def _score_oit(framework: Framework, decisions: Any):
    if not isinstance(decisions, Mapping):
        raise InvalidInput("oit", "must be an object of item codes to true/false")
    codes = {item.code for item in framework.oit_items}
    for code, passed in decisions.items():
        if code not in codes:
            raise InvalidInput(f"oit.{code}", "unknown OIT item")
        if passed.__class__ is not bool:
            raise InvalidInput(f"oit.{code}", f"must be true or false, not {passed!r}")
    missing = sorted(codes - set(decisions), key=_natural)
    if missing:
        raise InvalidInput(f"oit.{missing[0]}", "decision missing")
    subindicators: dict[str, Fraction] = {}
    indicators: dict[str, Fraction] = {}
    item_mean = framework.aggregation.oit_indicator == "item_mean"
    for number, subs in _oit_plan(framework, "OIT"):
        passed = {sub: sum(1 for code in items if decisions[code]) for sub, items in subs}
        for sub, items in subs:
            subindicators[sub] = Fraction(100 * passed[sub], len(items))
        if item_mean:
            indicators[number] = Fraction(100 * sum(passed.values()),
                                          sum(len(items) for _s, items in subs))
        else:  # the mean of the shares, over one common denominator
            common = math.lcm(*(len(items) for _s, items in subs))
            indicators[number] = Fraction(
                sum(100 * passed[sub] * (common // len(items)) for sub, items in subs),
                common * len(subs))
    return subindicators, indicators


@per_version
def _oit_plan(framework: Framework, instrument: str
              ) -> tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...]:
    """Per OIT indicator, its sub-indicators and their items, worked out once."""
    return tuple(
        (indicator.number, tuple(
            (s.code, tuple(o.code for o in framework.oit_items if o.subindicator == s.code))
            for s in framework.subindicators if s.indicator == indicator.number))
        for indicator in framework.indicators_of(instrument))


@dataclass(frozen=True)
class OITBreakdown:
    """The OIT alone, from its item decisions: what an agency sees at the preliminary
    release and what a confirmation stores."""

    framework: str
    items: dict[str, bool]
    subindicators: dict[str, Fraction]
    indicators: dict[str, Fraction]
    instrument: Fraction

    def as_strings(self) -> dict[str, str]:
        """Every score with exactly 2 decimals, keyed by sub-indicator, indicator and "OIT"."""
        return {**{k: fmt(v) for k, v in self.subindicators.items()},
                **{k: fmt(v) for k, v in self.indicators.items()}, "OIT": fmt(self.instrument)}


def score_oit(framework: Framework, decisions: Mapping[str, bool]) -> OITBreakdown:
    """Score the OIT instrument from a pass or fail for every item of the framework."""
    subindicators, indicators = _score_oit(framework, decisions)
    oit = [i.code for i in framework.instruments if i.kind == "disclosure"]
    if not oit:
        raise InvalidInput("oit", "the framework has no disclosure instrument")
    instrument = _mean(indicators[i.number] for i in framework.indicators_of(oit[0]))
    return OITBreakdown(framework=framework.id, items=dict(decisions),
                        subindicators=subindicators, indicators=indicators,
                        instrument=instrument)


def _natural(code: str) -> tuple:
    digits = "".join(ch for ch in code if ch.isdigit())
    return (code.rstrip("0123456789"), int(digits) if digits else 0, code)


# --- given indicator scores ------------------------------------------------------------


def _given(framework: Framework, given: Any) -> dict[str, Fraction]:
    if not isinstance(given, Mapping):
        raise InvalidInput("indicators", "must be an object of indicator numbers to scores")
    numbers = {i.number for i in framework.indicators}
    result = {}
    for number, value in given.items():
        number = str(number)
        if number not in numbers:
            raise InvalidInput(f"indicators.{number}", "unknown indicator")
        result[number] = _score_value(f"indicators.{number}", value)
    return result


# --- the whole computation -------------------------------------------------------------


def rate(framework: Framework, total: Fraction, instruments: Mapping[str, Fraction],
         indicators: Mapping[str, Fraction]) -> RatingRule:
    """The first rating rule whose minimum and floors the rounded scores meet."""
    rounded = {**{k: round2(v) for k, v in indicators.items()},
               **{k: round2(v) for k, v in instruments.items()}}
    rounded_total = round2(total)
    for rule in framework.rating:
        if rounded_total >= rule.min_total and all(
                rounded[key] >= floor for key, floor in rule.floors.items()):
            return rule
    return framework.rating[-1]


def score(
    framework: Framework,
    *,
    indicators: Mapping[str, Any] | None = None,
    oit: Mapping[str, bool] | None = None,
    responses: Mapping[str, list[Any]] | None = None,
    counts: Mapping[str, Any] | None = None,
) -> Breakdown:
    """Score one agency. Raw responses (or, the same in short, answer counts per cell:
    ``counts={"IIT": {"n": 120, "cells": {"i1": {"0": 3, "1": 9, …}}}}``) replace the
    given indicators of their instrument; OIT decisions replace the OIT indicators; every
    indicator must end up with a score."""
    found = _given(framework, indicators) if indicators is not None else {}
    cells: dict[str, Fraction] = {}
    questions: dict[str, Fraction] = {}
    subindicators: dict[str, Fraction] = {}
    respondents: dict[str, int] = {
        i.code: 0 for i in framework.instruments if i.kind == "survey"}
    if responses is not None:
        if not isinstance(responses, Mapping):
            raise InvalidInput("responses", "must be an object of instrument to responses")
        for instrument, answers in responses.items():
            if respondents.get(instrument) is None:
                raise InvalidInput(f"responses.{instrument}", "unknown survey instrument")
            c, q, ind, n = _score_survey(framework, instrument, answers)
            cells.update(c)
            questions.update(q)
            found.update(ind)
            respondents[instrument] = n
    if counts is not None:
        if not isinstance(counts, Mapping):
            raise InvalidInput("counts", "must be an object of instrument to answer counts")
        for instrument, counted in counts.items():
            if respondents.get(instrument) is None:
                raise InvalidInput(f"counts.{instrument}", "unknown survey instrument")
            if responses is not None and instrument in responses:
                raise InvalidInput(f"counts.{instrument}",
                                   "given both as responses and as counts")
            values, per_cell, n = _checked_counts(framework, instrument, counted)
            c, q, ind, n = _score_counted(framework, instrument, values, per_cell, n)
            cells.update(c)
            questions.update(q)
            found.update(ind)
            respondents[instrument] = n
    items: dict[str, bool] = {}
    if oit is not None:
        subindicators, ind = _score_oit(framework, oit)
        found.update(ind)
        items = dict(oit)
    missing = [i.number for i in framework.indicators if i.number not in found]
    if missing:
        raise InvalidInput(f"indicators.{missing[0]}", "missing indicator score")
    ordered = {i.number: found[i.number] for i in framework.indicators}
    instruments: dict[str, Fraction] = {
        inst.code: _mean(ordered[i.number] for i in framework.indicators_of(inst.code))
        for inst in framework.instruments
    }
    weighted: dict[str, Fraction] = {
        inst.code: inst.weight * instruments[inst.code] for inst in framework.instruments}
    total = sum(weighted.values(), Fraction(0))
    return Breakdown(
        framework=framework.id, cells=cells, questions=questions, indicators=ordered,
        subindicators=subindicators, instruments=instruments, weighted=weighted, total=total,
        rating=rate(framework, total, instruments, ordered), respondents=respondents,
        items=items,
    )


@dataclass(frozen=True)
class InstrumentTotal:
    """A total and rating from the three instrument scores alone, as years published
    before openita sometimes give them."""

    framework: str
    instruments: dict[str, Fraction]
    weighted: dict[str, Fraction]
    total: Fraction
    rating: RatingRule


def score_instruments(framework: Framework, given: Mapping[str, Any]) -> InstrumentTotal:
    """The weighted total and the rating from a score for every instrument. Refused when a
    rating rule has a floor on an indicator, which these scores cannot show."""
    if not isinstance(given, Mapping):
        raise InvalidInput("instruments", "must be an object of instrument codes to scores")
    codes: list[str] = [i.code for i in framework.instruments]
    instruments: dict[str, Fraction] = {}
    for code, value in given.items():
        if code not in codes:
            raise InvalidInput(f"instruments.{code}", "unknown instrument")
        instruments[code] = _score_value(f"instruments.{code}", value)
    missing = [c for c in codes if c not in instruments]
    if missing:
        raise InvalidInput(f"instruments.{missing[0]}", "missing instrument score")
    for rule in framework.rating:
        indicator_floors = sorted(k for k in rule.floors if k not in codes)
        if indicator_floors:
            raise InvalidInput(f"indicators.{indicator_floors[0]}",
                               "the rating needs this indicator's score")
    ordered: dict[str, Fraction] = {c: instruments[c] for c in codes}
    weighted: dict[str, Fraction] = {
        i.code: i.weight * ordered[i.code] for i in framework.instruments}
    total = sum(weighted.values(), Fraction(0))
    return InstrumentTotal(framework=framework.id, instruments=ordered, weighted=weighted,
                           total=total, rating=rate(framework, total, ordered, {}))


def _score_value(path: str, value: Any) -> Fraction:
    try:
        if value.__class__ is bool or not isinstance(value, int | float | Decimal | Fraction):
            raise ValueError
        exact = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    except (ValueError, OverflowError):
        raise InvalidInput(path, f"not a number: {value!r}") from None
    if not 0 <= exact <= 100:
        raise InvalidInput(path, "a score must be between 0 and 100")
    return exact


def as_json(breakdown: Breakdown, *, detail: bool = False) -> dict:
    """The CLI contract: every score a string with exactly 2 decimals."""
    result: dict[str, Any] = {
        "framework": breakdown.framework,
        "indicators": {k: fmt(v) for k, v in breakdown.indicators.items()},
        "subindicators": {k: fmt(v) for k, v in breakdown.subindicators.items()},
        "instruments": {k: fmt(v) for k, v in breakdown.instruments.items()},
        "weighted": {k: fmt(v) for k, v in breakdown.weighted.items()},
        "total": fmt(breakdown.total),
        "rating": breakdown.rating.code,
        "respondents": dict(breakdown.respondents),
    }
    if detail:
        result["questions"] = {k: fmt(v) for k, v in breakdown.questions.items()}
        result["cells"] = {k: fmt(v) for k, v in breakdown.cells.items()}
        result["rating_label"] = {"th": breakdown.rating.label_th,
                                  "en": breakdown.rating.label_en}
    return result
