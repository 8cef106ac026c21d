"""The geometry of the overview's bar charts, drawn as inline SVG by the server (no JavaScript).

Each day has two bars side by side, opt-outs on the left and opt-ins on the right; heights are
relative to the series' highest day, and a count above zero is never drawn thinner than a line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .overview import Series

WIDTH = 300  # the SVG's viewBox; the page scales it to the column's width
HEIGHT = 100
_MIN_HEIGHT = 2.0


@dataclass(frozen=True)
class Bar:
    """One bar: its kind (``out`` or ``in``), what it counts, and where it is drawn."""

    kind: str
    day: dt.date
    value: int
    x: float
    y: float
    width: float
    height: float


def bars(series: Series, days: tuple[dt.date, ...]) -> list[Bar]:
    """The bars of *series*, left to right; days with nothing get none."""
    peak = series.peak or 1
    slot = WIDTH / len(days)
    width = round(slot * 0.4, 2)
    drawn = []
    for n, day in enumerate(days):
        for kind, values, offset in (("out", series.opt_outs, 0.1), ("in", series.opt_ins, 0.5)):
            value = values[n]
            if value:
                height = round(max(HEIGHT * value / peak, _MIN_HEIGHT), 2)
                x = round(n * slot + slot * offset, 2)
                drawn.append(Bar(kind, day, value, x, round(HEIGHT - height, 2), width, height))
    return drawn
