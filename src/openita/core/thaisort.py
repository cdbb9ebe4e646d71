"""Sorting by Thai names the way a Thai dictionary does (pythainlp's collation: a leading
vowel such as เ แ โ ใ ไ sorts by the consonant after it, so เชียงใหม่ comes under ช)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from pythainlp.util import collate

T = TypeVar("T")


def thai_sorted(rows: Iterable[T], key: Callable[[T], str]) -> list[T]:
    """``rows`` ordered by the Thai collation of ``key(row)``."""
    rows = list(rows)
    labels = [key(row) for row in rows]
    rank = {label: index for index, label in enumerate(collate(sorted(set(labels))))}
    return sorted(rows, key=lambda row: rank[key(row)])
