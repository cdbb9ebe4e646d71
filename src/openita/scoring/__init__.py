"""The pure scoring engine (no Django): ``score()`` turns framework + answers into a breakdown."""

from .engine import (
    Breakdown,
    InvalidInput,
    as_json,
    check_response,
    fmt,
    rate,
    round2,
    score,
    score_instruments,
    score_oit,
    survey_scores,
    survey_scores_from_counts,
)

__all__ = [
    "Breakdown", "InvalidInput", "as_json", "check_response", "fmt", "rate", "round2", "score",
    "score_instruments", "score_oit", "survey_scores", "survey_scores_from_counts",
]
