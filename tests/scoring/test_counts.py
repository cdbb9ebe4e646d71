"""Scoring from answer counts per cell (what the national computation passes) gives what
scoring the responses one by one gives, and refuses counts that cannot come from valid
responses."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openita.scoring import InvalidInput, score, survey_scores, survey_scores_from_counts

L4 = st.integers(min_value=1, max_value=4)
YN = st.sampled_from(["yes", "no"])
IIT = st.fixed_dictionaries({"q1a": L4, "q1b": L4, "q1c": L4, "q2": YN, "q3": L4})
EIT = st.fixed_dictionaries({"e1": L4})
OIT = st.fixed_dictionaries({f"O{n}": st.booleans() for n in range(1, 5)})


def counted(responses: list[dict], *, as_text: bool = False) -> dict:
    """The counts a database gives: per cell, per answer (as JSON keys, text, if asked)."""
    cells: dict[str, Counter] = {}
    for response in responses:
        for key, answer in response.items():
            cells.setdefault(key, Counter())[str(answer) if as_text else answer] += 1
    return {"n": len(responses), "cells": {k: dict(c) for k, c in cells.items()}}


@settings(max_examples=60, deadline=None)
@given(st.lists(IIT, min_size=1, max_size=15), st.lists(EIT, min_size=1, max_size=6), OIT,
       st.booleans())
def test_counts_score_exactly_as_the_responses_they_count(mini, iit, eit, oit, as_text):
    one_by_one = score(mini, responses={"IIT": iit, "EIT": eit}, oit=oit)
    from_counts = score(mini, counts={"IIT": counted(iit, as_text=as_text),
                                      "EIT": counted(eit, as_text=as_text)}, oit=oit)
    assert from_counts == one_by_one
    assert survey_scores_from_counts(mini, "IIT", counted(iit)) == survey_scores(
        mini, "IIT", iit)


def refusal(mini, counts) -> str:
    with pytest.raises(InvalidInput) as refused:
        score(mini, counts={"EIT": counts}, indicators={"1": 50, "2": 50, "3": 50, "4": 50})
    return refused.value.path


def test_counts_that_no_set_of_valid_responses_gives_are_refused_with_where(mini):
    assert refusal(mini, {"n": 3, "cells": {"e1": {1: 1, 4: 1}}}) == "counts.EIT.cells.e1"
    assert refusal(mini, {"n": 2, "cells": {"e1": {5: 2}}}) == "counts.EIT.cells.e1.5"
    assert refusal(mini, {"n": 2, "cells": {"e1": {1: -1, 4: 3}}}) == "counts.EIT.cells.e1.1"
    assert refusal(mini, {"n": 2, "cells": {"e1": {1: 1.5, 4: 0.5}}}) == (
        "counts.EIT.cells.e1.1")
    assert refusal(mini, {"n": 0, "cells": {"e1": {}}}) == "counts.EIT.n"
    assert refusal(mini, {"n": 1, "cells": {}}) == "counts.EIT.cells.e1"
    assert refusal(mini, {"n": 1, "cells": {"e1": {1: 1}, "zz": {1: 1}}}) == (
        "counts.EIT.cells.zz")
    assert refusal(mini, {"cells": {"e1": {1: 1}}}) == "counts.EIT"
    with pytest.raises(InvalidInput) as refused:
        score(mini, counts={"XYZ": {"n": 1, "cells": {}}})
    assert refused.value.path == "counts.XYZ"


def test_an_instrument_given_both_ways_is_refused(mini):
    response = {"e1": 4}
    with pytest.raises(InvalidInput) as refused:
        score(mini, responses={"EIT": [response]}, counts={"EIT": counted([response])},
              indicators={"1": 50, "2": 50, "3": 50, "4": 50})
    assert refused.value.path == "counts.EIT"


def test_a_total_from_the_three_instruments_alone(mini):
    from fractions import Fraction

    from openita.scoring import score_instruments

    result = score_instruments(mini, {"IIT": 90, "EIT": 88.5, "OIT": 80})
    weights = {i.code: i.weight for i in mini.instruments}
    assert result.total == (weights["IIT"] * 90 + weights["EIT"] * Fraction("88.5")
                            + weights["OIT"] * 80)
    with pytest.raises(InvalidInput) as refused:
        score_instruments(mini, {"IIT": 90, "EIT": 101, "OIT": 80})
    assert refused.value.path == "instruments.EIT"
    with pytest.raises(InvalidInput) as refused:
        score_instruments(mini, {"IIT": 90, "OIT": 80})
    assert refused.value.path == "instruments.EIT"
