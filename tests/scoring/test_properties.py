"""Properties that must hold for any answers (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from openita.scoring import score

L4 = st.integers(min_value=1, max_value=4)
YN = st.sampled_from(["yes", "no"])
IIT = st.fixed_dictionaries({"q1a": L4, "q1b": L4, "q1c": L4, "q2": YN, "q3": L4})
EIT = st.fixed_dictionaries({"e1": L4})
OIT = st.fixed_dictionaries({f"O{n}": st.booleans() for n in range(1, 5)})
SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(st.lists(IIT, min_size=1, max_size=12), st.lists(EIT, min_size=1, max_size=6), OIT)
def test_every_score_stays_within_0_and_100(mini, iit, eit, oit):
    result = score(mini, responses={"IIT": iit, "EIT": eit}, oit=oit)
    values = [*result.indicators.values(), *result.instruments.values(),
              *result.subindicators.values(), *result.questions.values(), result.total]
    assert all(0 <= v <= 100 for v in values)


@SETTINGS
@given(st.lists(IIT, min_size=1, max_size=12), st.randoms())
def test_the_order_of_respondents_changes_nothing(mini, iit, random):
    shuffled = list(iit)
    random.shuffle(shuffled)
    given_rest = {"3": 80, "4": 80}
    assert score(mini, indicators=given_rest, responses={"IIT": iit}) == score(
        mini, indicators=given_rest, responses={"IIT": shuffled})


@SETTINGS
@given(IIT)
def test_a_reverse_keyed_item_answered_at_the_top_level_scores_0(mini, answers):
    answers = {**answers, "q3": 4}
    result = score(mini, indicators={"3": 50, "4": 50}, responses={"IIT": [answers]})
    assert result.questions["q3"] == 0


def _better(key: str, answer):
    """The next answer that scores higher for this cell, or None at the best."""
    positive = {"q1a": True, "q1b": True, "q1c": False, "q3": False, "e1": True}
    if key == "q2":
        return "no" if answer == "yes" else None
    step = 1 if positive[key] else -1
    better = answer + step
    return better if 1 <= better <= 4 else None


@SETTINGS
@given(st.lists(IIT, min_size=1, max_size=8), st.data())
def test_improving_one_answer_never_lowers_any_score(mini, iit, data):
    index = data.draw(st.integers(min_value=0, max_value=len(iit) - 1))
    key = data.draw(st.sampled_from(sorted(iit[index])))
    better = _better(key, iit[index][key])
    if better is None:
        return
    improved = [dict(r) for r in iit]
    improved[index][key] = better
    rest = {"3": 70, "4": 70}
    before = score(mini, indicators=rest, responses={"IIT": iit})
    after = score(mini, indicators=rest, responses={"IIT": improved})
    for attribute in ("indicators", "instruments", "questions"):
        old, new = getattr(before, attribute), getattr(after, attribute)
        assert all(new[k] >= old[k] for k in old), attribute
    assert after.total >= before.total
    ranks = [r.code for r in mini.rating]
    assert ranks.index(after.rating.code) <= ranks.index(before.rating.code)


@SETTINGS
@given(st.integers(min_value=1, max_value=30))
def test_all_best_answers_give_100_whatever_the_number_of_respondents(mini, n):
    best = {"q1a": 4, "q1b": 4, "q1c": 1, "q2": "no", "q3": 1}
    result = score(mini, responses={"IIT": [best] * n, "EIT": [{"e1": 4}] * n},
                   oit={f"O{i}": True for i in range(1, 5)})
    assert result.total == Fraction(100) and result.rating.code == mini.rating[0].code
