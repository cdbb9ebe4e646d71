"""One worked example per rule, computed by hand from the rules of the mini framework.

Mini: IIT indicator 1 = q1 (4-level, parts a+, b+, c−) and q2 (yes/no, −); indicator 2 =
q3 (4-level, −). EIT indicator 3 = e1 (4-level, +). OIT indicator 4 = 4.1 (O1–O3) and 4.2
(O4). Weights 0.30 / 0.30 / 0.40. Levels score 0, 100/3, 200/3, 100.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from openita.scoring import as_json, fmt, round2, score

ALL_90 = {"1": 90, "2": 90, "3": 90, "4": 90}


def test_a_negative_item_is_reverse_scored_and_a_question_is_the_mean_of_its_parts(mini):
    answers = {"q1a": 4, "q1b": 3, "q1c": 1, "q2": "no", "q3": 4}
    result = score(mini, indicators=ALL_90, responses={"IIT": [answers]})
    # q1 = (100 + 200/3 + (100 − 0)) / 3 = 800/9 = 88.888…
    assert result.questions["q1"] == Fraction(800, 9)
    # q2 is negative yes/no: "no" = 100 − 0 = 100; q3 negative at the top level = 0.
    assert result.questions["q2"] == 100 and result.questions["q3"] == 0
    # indicator 1 = mean of its questions = (800/9 + 100) / 2 = 850/9 = 94.444…
    assert as_json(result)["indicators"] == {"1": "94.44", "2": "0.00", "3": "90.00",
                                             "4": "90.00"}
    assert as_json(result)["instruments"]["IIT"] == "47.22"


def test_a_positive_yes_no_item_scores_100_for_yes(mini):
    result = score(mini, indicators=ALL_90, responses={
        "IIT": [{"q1a": 1, "q1b": 1, "q1c": 4, "q2": "yes", "q3": 4}]})
    assert result.questions["q2"] == 0  # negative: "yes" (it happened) scores 0
    assert result.questions["q1"] == 0


def test_sub_item_averaging_differs_from_question_averaging_when_configured(mini):
    answers = {"q1a": 4, "q1b": 3, "q1c": 1, "q2": "no", "q3": 4}
    subitem = mini.model_copy(update={"aggregation": mini.aggregation.model_copy(
        update={"survey_indicator": "subitem_mean"})})
    result = score(subitem, indicators=ALL_90, responses={"IIT": [answers]})
    # indicator 1 = mean of its four cells = (100 + 200/3 + 100 + 100) / 4 = 275/3
    assert result.indicators["1"] == Fraction(275, 3)
    assert fmt(result.indicators["1"]) == "91.67"


def test_the_agency_score_is_the_mean_over_respondents(mini):
    first = {"q1a": 4, "q1b": 4, "q1c": 1, "q2": "no", "q3": 1}  # indicator 1 = 100
    second = {"q1a": 1, "q1b": 1, "q1c": 4, "q2": "yes", "q3": 4}  # indicator 1 = 0
    third = {"q1a": 2, "q1b": 2, "q1c": 3, "q2": "no", "q3": 2}
    result = score(mini, indicators=ALL_90, responses={"IIT": [first, second, third]})
    # third: q1 = 100/3, q2 = 100 → indicator 1 = 200/3; mean of 100, 0, 200/3 = 500/9
    assert result.indicators["1"] == Fraction(500, 9)
    assert result.respondents == {"IIT": 3, "EIT": 0}


def test_oit_indicators_average_sub_indicators_not_items(mini):
    decisions = {"O1": True, "O2": False, "O3": False, "O4": True}
    result = score(mini, indicators=ALL_90, oit=decisions)
    assert as_json(result)["subindicators"] == {"4.1": "33.33", "4.2": "100.00"}
    assert result.indicators["4"] == Fraction(200, 3)  # (100/3 + 100) / 2
    by_item = mini.model_copy(update={"aggregation": mini.aggregation.model_copy(
        update={"oit_indicator": "item_mean"})})
    assert score(by_item, indicators=ALL_90, oit=decisions).indicators["4"] == 50


def test_the_total_is_the_weighted_sum_of_the_instruments(mini):
    result = score(mini, indicators={"1": Decimal("93.55"), "2": 90, "3": Decimal("95.1"),
                                     "4": Decimal("66.67")})
    # IIT 91.775, EIT 95.1, OIT 66.67 → 27.5325 + 28.53 + 26.668 = 82.7305
    assert result.total == Fraction("82.7305")
    assert as_json(result)["weighted"] == {"IIT": "27.53", "EIT": "28.53", "OIT": "26.67"}
    assert as_json(result)["total"] == "82.73"


@pytest.mark.parametrize(("value", "text"), [
    ("0.125", "0.13"), ("2.675", "2.68"), ("84.995", "85.00"), ("84.99499", "84.99"),
    ("99.999", "100.00"), ("0.005", "0.01"), ("0.0049", "0.00"),
])
def test_rounding_is_half_up_at_the_third_decimal(value, text):
    assert fmt(Fraction(value)) == text
    assert round2(Fraction(value)) == Fraction(text)


def test_rounding_happens_before_the_rating_threshold(mini):
    just_below = {k: Decimal("84.995") for k in ALL_90}
    # Every score is 84.995, which shows as 85.00: the 85 thresholds are met.
    assert score(mini, indicators=just_below).rating.code == "good"
    lower = {k: Decimal("84.99499") for k in ALL_90}
    assert score(mini, indicators=lower).rating.code == "improve"


@pytest.mark.parametrize(("scores", "label"), [
    ({"1": 95, "2": 95, "3": 95, "4": 95}, "top"),
    ({"1": 100, "2": 100, "3": 100, "4": Decimal("94.99")}, "good"),  # OIT below 95
    ({"1": 100, "2": 100, "3": Decimal("84.99"), "4": 100}, "pass"),  # EIT below 85
    ({"1": 85, "2": 85, "3": 85, "4": 85}, "good"),
    ({"1": 70, "2": 70, "3": 70, "4": 70}, "improve"),
    ({"1": Decimal("69.99"), "2": 70, "3": 70, "4": 70}, "improve"),  # total 69.9985
    ({"1": Decimal("69.96"), "2": 70, "3": 70, "4": 70}, "urgent"),  # total 69.994
    ({"1": 0, "2": 0, "3": 0, "4": 0}, "urgent"),
])
def test_every_rating_band_and_floor(mini, scores, label):
    assert score(mini, indicators=scores).rating.code == label


def test_all_best_answers_and_every_item_passing_give_100_and_the_top_label(mini):
    result = score(mini, responses={"IIT": [{"q1a": 4, "q1b": 4, "q1c": 1, "q2": "no",
                                             "q3": 1}], "EIT": [{"e1": 4}]},
                   oit={"O1": True, "O2": True, "O3": True, "O4": True})
    assert result.total == 100 and result.rating.code == "top"
