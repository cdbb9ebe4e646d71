"""The library of example measures: every indicator of every shipped framework has at
least three to start from, in Thai, and a broken library file says where it is broken."""

from __future__ import annotations

import pytest

from openita.frameworks import loader
from openita.planning import library


@pytest.mark.parametrize("code", list(loader.shipped()))
def test_every_indicator_of_a_framework_has_three_examples(code):
    framework = loader.get(code)
    numbers = [i.number for i in framework.indicators]
    assert len(numbers) == 10
    shipped = library.shipped()
    assert shipped.missing(numbers) == {}
    assert all(len(shipped.for_indicator(n)) >= library.AT_LEAST_PER_INDICATOR for n in numbers)


def test_examples_are_in_thai_with_steps():
    for measure in library.shipped().measures:
        assert any("\u0e01" <= c <= "\u0e5b" for c in measure.title_th + measure.guideline_th)
        assert measure.steps_th and measure.unit_th and measure.monitoring_th


def test_a_measure_is_found_by_its_key():
    shipped = library.shipped()
    first = shipped.measures[0]
    assert shipped.by_key(first.key) == first and shipped.by_key("no-such-key") is None


def test_an_indicator_short_of_examples_is_named():
    text = """
version: 1
measures:
  - {key: a, indicator: "1", title_th: ก, title_en: A, guideline_th: ข, steps_th: [ค],
     unit_th: ง, monitoring_th: จ}
"""
    assert library.parse(text).missing(["1", "2"]) == {"1": 1, "2": 0}


@pytest.mark.parametrize(("text", "reason"), [
    ("version: 1\nmeasures: [", "not valid YAML"),
    ("version: 1\nmeasures:\n  - {key: A B}\n", "measures.0.key"),
    ("version: 1\nmeasures:\n"
     "  - {key: a, indicator: '1', title_th: ก, title_en: A, guideline_th: ข,"
     " steps_th: ['  '], unit_th: ง, monitoring_th: จ}\n", "a step is blank"),
    ("version: 1\nmeasures:\n"
     "  - {key: a, indicator: '1', title_th: ก, title_en: A, guideline_th: ข,"
     " steps_th: [ค], unit_th: ง, monitoring_th: จ}\n"
     "  - {key: a, indicator: '2', title_th: ก, title_en: A, guideline_th: ข,"
     " steps_th: [ค], unit_th: ง, monitoring_th: จ}\n", "used twice"),
])
def test_a_broken_library_says_where(text, reason):
    with pytest.raises(library.LibraryError, match=reason):
        library.parse(text, "mine.yaml")
