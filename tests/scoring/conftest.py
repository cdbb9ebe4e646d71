from __future__ import annotations

from pathlib import Path

import pytest

from openita.frameworks.loader import load_file

MINI = Path(__file__).resolve().parents[1] / "frameworks" / "mini.yaml"


@pytest.fixture(scope="session")
def mini():
    return load_file(MINI)


def best_iit() -> dict:
    """The best possible IIT answers in the mini framework (each scores 100)."""
    return {"q1a": 4, "q1b": 4, "q1c": 1, "q2": "no", "q3": 1}


def given(**scores) -> dict:
    return {str(k).removeprefix("i"): v for k, v in scores.items()}
