"""Charts of results, drawn on the server as SVG by pygal.

pygal is pure Python (its only dependency is importlib-metadata) and writes SVG whose
colours are set by a stylesheet inside the SVG, which both browsers and WeasyPrint's own
SVG renderer read; the alternative, Vega-Lite through vl-convert, ships a JavaScript
engine of several tens of megabytes and pays its start on every worker. The same SVG goes
into the web page (as an ``<img>`` from a data URI, which the Content-Security-Policy
allows and where no script can run) and into the PDF, so both show the same picture.
Every chart carries a text alternative and the table of the numbers it draws.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from decimal import Decimal

import pygal
from django.utils.translation import gettext as _
from pygal.etree import etree
from pygal.style import Style

STYLE = Style(
    font_family="Sarabun, 'Noto Sans Thai', sans-serif", background="white",
    plot_background="white", foreground="#222", foreground_strong="#000",
    foreground_subtle="#777", colors=("#1f4e79", "#9bb7d4", "#c0504d"),
    label_font_size=13, major_label_font_size=13, legend_font_size=13,
    value_font_size=11, title_font_size=15)
WIDTH = 800


@dataclass(frozen=True)
class Series:
    name: str
    values: list[Decimal | None]


@dataclass(frozen=True)
class Chart:
    """A chart as SVG, its text alternative and the table of what it draws."""

    svg: str
    alt: str
    labels: list[str]
    series: list[Series]

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()

    @property
    def rows(self) -> list[tuple[str, list[Decimal | None]]]:
        """The table under the chart: one row per label, one column per series."""
        return [(label, [s.values[i] for s in self.series])
                for i, label in enumerate(self.labels)]


def _svg(chart: pygal.graph.graph.Graph) -> str:
    """The chart's SVG without the configuration script pygal always writes: nothing of a
    chart runs, in a browser or in a PDF."""
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if str(child.tag).endswith("script"):
                parent.remove(child)
    return str(etree.tostring(tree, encoding="unicode"))


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def bars(labels: list[str], series: list[Series], *, alt: str) -> Chart:
    """Horizontal bars on a 0–100 scale, the first label on top."""
    drawn = [s for s in series if any(v is not None for v in s.values)]
    chart = pygal.HorizontalBar(
        style=STYLE, js=[], disable_xml_declaration=True, width=WIDTH,
        height=90 + 26 * len(labels) * max(1, len(drawn)), range=(0, 100),
        legend_at_bottom=True, print_values=True, show_y_guides=False,
        truncate_label=-1, truncate_legend=-1, legend_at_bottom_columns=1,
        print_values_position="top")
    # pygal draws the first value at the bottom; the reader expects indicator 1 on top.
    chart.x_labels = list(reversed(labels))
    for s in drawn:
        chart.add(s.name, [_float(v) for v in reversed(s.values)],
                  formatter=lambda v: "" if v is None else f"{v:.2f}")
    return Chart(_svg(chart), alt, labels, drawn)


def history(years: list[int], totals: list[Decimal], *, alt: str) -> Chart:
    """The agency's total year by year, oldest first."""
    chart = pygal.Line(
        style=STYLE, js=[], disable_xml_declaration=True, width=WIDTH, height=300,
        range=(0, 100), show_legend=False, print_values=True, dots_size=4,
        print_values_position="top")
    chart.x_labels = [str(y) for y in years]
    chart.add(_("Total"), [_float(t) for t in totals],
              formatter=lambda v: "" if v is None else f"{v:.2f}")
    return Chart(_svg(chart), alt, [str(y) for y in years],
                 [Series(_("Total"), list(totals))])
