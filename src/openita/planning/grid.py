"""The month grid of a fiscal year (ต.ค. … ก.ย.), as seed 004 draws it: one renderer for
the web page, the PDF and the DOCX. It decides which months each row covers; the HTML
partial (``planning/_month_grid.html``, web and PDF) draws the span as one arrowed bar and
the DOCX writer as merged, shaded cells, both from this one ``Grid``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from pythainlp.util import thai_strftime

from openita.core.thaidates import fiscal_year_bounds, to_buddhist_year, with_digits

MONTHS = 12


@dataclass(frozen=True)
class GridRow:
    label: str
    heading: bool = False  # a phase's row: its label across, no bar
    first: int = -1  # the first and last month covered, 0 (October) … 11 (September)
    last: int = -1

    @property
    def before(self) -> int:
        return self.first

    @property
    def span(self) -> int:
        return self.last - self.first + 1 if self.first >= 0 else 0

    @property
    def after(self) -> int:
        return MONTHS - self.last - 1 if self.first >= 0 else MONTHS

    def covers(self, month: int) -> bool:
        return self.first <= month <= self.last

    def as_dict(self) -> dict:
        return {"label": self.label, "heading": self.heading, "first": self.first,
                "last": self.last}


@dataclass(frozen=True)
class Grid:
    fiscal_year: int
    months: tuple[str, ...]  # ต.ค. … ก.ย.
    years: tuple[tuple[str, int], ...]  # (พ.ศ. 2567, 3), (พ.ศ. 2568, 9): the group header
    rows: tuple[GridRow, ...]

    def as_dict(self) -> dict:
        return {"fiscal_year": self.fiscal_year, "months": list(self.months),
                "years": [list(y) for y in self.years],
                "rows": [r.as_dict() for r in self.rows]}

    @classmethod
    def from_dict(cls, data: dict) -> Grid:
        return cls(data["fiscal_year"], tuple(data["months"]),
                   tuple((label, span) for label, span in data["years"]),
                   tuple(GridRow(**row) for row in data["rows"]))


def month_index(fiscal_year: int, day: dt.date) -> int:
    """0 for October of the year before ``fiscal_year`` … 11 for September; clamped."""
    first, _last = fiscal_year_bounds(fiscal_year)
    index = (day.year - first.year) * 12 + day.month - first.month
    return min(max(index, 0), MONTHS - 1)


def month_grid(fiscal_year: int,
               rows: Iterable[tuple[str, dt.date | None, dt.date | None]],
               *, thai_digits: bool = False) -> Grid:
    """``rows`` are (label, starts_on, ends_on); a row without dates is a phase heading."""
    first, _last = fiscal_year_bounds(fiscal_year)
    months = tuple(
        thai_strftime(dt.datetime(first.year + (first.month + i - 1) // 12,
                                  (first.month + i - 1) % 12 + 1, 1), "%b")
        for i in range(MONTHS))
    before = to_buddhist_year(first.year)
    years = ((with_digits(f"พ.ศ. {before}", thai_digits), 3),
             (with_digits(f"พ.ศ. {before + 1}", thai_digits), 9))
    built = []
    for label, starts_on, ends_on in rows:
        if starts_on is None or ends_on is None:
            built.append(GridRow(label, heading=True))
        else:
            built.append(GridRow(label, first=month_index(fiscal_year, starts_on),
                                 last=month_index(fiscal_year, ends_on)))
    return Grid(fiscal_year, months, years, tuple(built))
