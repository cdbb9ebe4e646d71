"""The shipped framework files: complete, valid, and rated as their year's rules say."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from openita.frameworks import loader
from openita.frameworks.schema import CONFIRMED
from openita.scoring import score


@pytest.fixture(scope="module")
def ita2564():
    return loader.get("ita-2564")


@pytest.fixture(scope="module")
def ita2568():
    return loader.get("ita-2568")


def test_every_shipped_file_validates():
    assert set(loader.shipped()) >= {"ita-2564", "ita-2568"}
    for code in loader.shipped():
        assert loader.get(code).id == code


def test_ita_2564_has_the_confirmed_structure(ita2564):
    iit = [q for q in ita2564.questions if q.code.startswith("i")]
    eit = [q for q in ita2564.questions if q.code.startswith("e")]
    assert [q.code for q in iit] == [f"i{n}" for n in range(1, 31)]
    assert sum(len(q.cells) for q in iit) == 51
    assert [q.code for q in eit] == [f"e{n}" for n in range(1, 16)]
    assert [o.code for o in ita2564.oit_items] == [f"O{n}" for n in range(1, 44)]
    sizes = Counter(o.subindicator for o in ita2564.oit_items)
    assert sizes == {"9.1": 9, "9.2": 8, "9.3": 7, "9.4": 4, "9.5": 5, "10.1": 8, "10.2": 2}
    assert {i.code: i.weight for i in ita2564.instruments} == {
        "IIT": Decimal("0.3"), "EIT": Decimal("0.3"), "OIT": Decimal("0.4")}
    keys = {key for q in iit for key, _p in q.cells}
    assert {"i1a", "i1b", "i4money", "i4property", "i4benefit", "i30d"} <= keys


def test_ita_2564_keeps_the_polarity_of_every_question_as_researched(ita2564):
    polarity = {q.code: q.polarity for q in ita2564.questions}
    negative = {"i4", "i5", "i6", "i9", "i10", "i16", "i17", "i18", "i19", "i22", "e4"}
    assert {code for code, sign in polarity.items() if sign == "-"} == negative
    i11 = next(q for q in ita2564.questions if q.code == "i11")
    assert [polarity for _key, polarity in i11.cells] == ["+", "-"]


@pytest.mark.parametrize(("total", "grade"), [
    (100, "AA"), (95, "AA"), (Decimal("94.995"), "AA"), (Decimal("94.99"), "A"), (85, "A"),
    (Decimal("84.99"), "B"), (75, "B"), (Decimal("74.99"), "C"), (65, "C"), (64, "D"),
    (55, "D"), (54, "E"), (50, "E"), (Decimal("49.99"), "F"), (0, "F"),
])
def test_ita_2564_letter_grades(ita2564, total, grade):
    scores = {i.number: total for i in ita2564.indicators}
    assert score(ita2564, indicators=scores).rating.code == grade


def test_ita_2568_has_ten_indicators_and_the_known_oit_items(ita2568):
    assert [i.number for i in ita2568.indicators] == [str(n) for n in range(1, 11)]
    assert [o.code for o in ita2568.oit_items] == [f"O{n}" for n in range(1, 27)]
    assert ita2568.unconfirmed
    # The 2564 banks are borrowed and marked as inferred for 2568.
    assert len(ita2568.questions) == 45
    assert all(q.evidence not in CONFIRMED for q in ita2568.questions)
    placeholders = [o for o in ita2568.oit_items if o.evidence == "placeholder"]
    assert placeholders and all("ยังไม่ยืนยัน" in o.title_th for o in placeholders)
    assert all("not yet confirmed" in s.name_en for s in ita2568.subindicators)


def _all(framework, iit, eit, oit):
    scores = {}
    for indicator in framework.indicators:
        scores[indicator.number] = {"IIT": iit, "EIT": eit, "OIT": oit}[indicator.instrument]
    return scores


@pytest.mark.parametrize(("iit", "eit", "oit", "level"), [
    (100, 100, 100, "excellent"),
    (95, 95, 95, "excellent"),
    (100, Decimal("94.99"), 100, "good"),  # total ≥ 95 but an instrument below 95
    (85, 85, 85, "good"),
    (100, Decimal("84.99"), 100, "pass"),  # an instrument below 85
    (100, 70, 100, "pass"),  # total 91, but EIT 70 is below the floor
    (80, 80, 80, "improve"),
    (70, 70, 70, "improve"),
    (Decimal("69.99"), Decimal("69.99"), Decimal("69.99"), "urgent"),
    (0, 0, 0, "urgent"),
])
def test_ita_2568_levels_and_instrument_floors(ita2568, iit, eit, oit, level):
    result = score(ita2568, indicators=_all(ita2568, iit, eit, oit))
    assert result.rating.code == level


def _best_answers(framework, instrument: str) -> dict:
    """For every answer cell, the answer that scores 100 (it depends on the polarity)."""
    numbers = {i.number for i in framework.indicators_of(instrument)}
    best = {}
    for question in (q for q in framework.questions if q.indicator in numbers):
        levels = framework.scale(question.scale).levels
        for key, polarity in question.cells:
            wanted = 100 if polarity == "+" else 0
            best[key] = next(lvl.answer for lvl in levels if lvl.score == wanted)
    return best


@pytest.mark.parametrize(("code", "top"), [("ita-2564", "AA"), ("ita-2568", "excellent")])
def test_all_best_answers_and_every_item_passing_give_100_and_the_top_level(code, top):
    framework = loader.get(code)
    result = score(framework, oit={o.code: True for o in framework.oit_items}, responses={
        "IIT": [_best_answers(framework, "IIT")] * 3, "EIT": [_best_answers(framework, "EIT")]})
    assert result.total == 100 and result.rating.code == top
    assert set(result.questions.values()) == {100}
    assert result.respondents == {"IIT": 3, "EIT": 1}
