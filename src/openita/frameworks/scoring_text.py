"""Numbers of a framework written for people (weights, thresholds)."""

from __future__ import annotations

from fractions import Fraction


def percent(value: Fraction, plain: bool = False) -> str:
    """0.3 → "30%"; with ``plain`` a threshold as written: 85 → "85", 100/3 → "33.33"."""
    number = value if plain else value * 100
    text = f"{float(number):.2f}".rstrip("0").rstrip(".")
    return text if plain else f"{text}%"
