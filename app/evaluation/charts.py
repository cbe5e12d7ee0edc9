"""Bar charts drawn on the server: the geometry of accessible SVG charts, no JavaScript.

The templates (`evaluation/_charts.html`) turn a `Chart` into an `<svg role="img">` with a `<title>`
and a `<desc>`, text labels on every bar (no meaning carried by colour alone), a `viewBox` that
scales to the phone's width, and always the same data as a table beside it.

Coordinates are in viewBox units; the viewBox is narrow (360 units) so that the 12-unit labels stay
about 12 px on a 390 px phone and grow with the screen.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

#: Width of every chart's viewBox (a phone's width, in CSS pixels).
WIDTH = 360
FONT = 12
#: Below this many units per bar, axis labels are thinned out (every n-th bar).
MIN_LABEL_SLOT = 30
#: Vertical charts print each bar's value above it when bars are at least this wide.
MIN_VALUE_SLOT = 24


@dataclass(frozen=True)
class Bar:
    label: str
    #: What the axis shows (empty when thinned out): "janv.", "L3"…
    axis_label: str
    value: int | Decimal
    #: The value as printed ("1 234", "42 %").
    text: str
    x: float
    y: float
    width: float
    height: float
    #: Where the axis label and the value are written.
    label_x: float
    label_y: float
    value_x: float
    value_y: float
    #: Print the value (False when bars are too narrow: the table has it).
    show_value: bool = True


@dataclass(frozen=True)
class Tick:
    """A grid line of the value axis with its label."""

    value: int | Decimal
    text: str
    x1: float
    y1: float
    x2: float
    y2: float
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Chart:
    id: str
    kind: str  # "vertical" | "horizontal"
    title: str
    description: str
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    #: The baseline of the bars (x axis of a vertical chart, y axis of a horizontal one).
    axis: tuple[float, float, float, float]

    @property
    def title_id(self) -> str:
        return f"{self.id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.id}-desc"

    @property
    def is_empty(self) -> bool:
        return not self.bars or all(not bar.value for bar in self.bars)


def nice_ceiling(value: float | Decimal, *, integers: bool = True) -> tuple[float, float]:
    """The top of the scale and its step: the smallest step of 1, 2, 2.5 or 5 × 10ⁿ that covers
    `value` in at most five steps (whole steps for counts)."""
    value = float(value)
    if value <= 0:
        return 1.0, 1.0
    power = 10 ** math.floor(math.log10(value / 5))
    for factor in (1, 2, 2.5, 5, 10, 20):
        step = factor * power
        if integers and not float(round(step, 9)).is_integer():
            continue
        count = math.ceil(round(value / step, 9))
        if count <= 5:
            return round(count * step, 9), round(step, 9)
    return float(value), float(value)  # not reached


def _ticks(top: float, step: float) -> list[float]:
    return [step * i for i in range(round(top / step) + 1)]


def _number(value: float) -> int | Decimal:
    return int(value) if float(value).is_integer() else Decimal(str(round(value, 2)))


def vertical_bars(
    chart_id: str,
    items: Sequence[tuple[str, str, int | Decimal]],
    *,
    title: str,
    description: str,
    formatter: Callable = str,
    height: int = 220,
) -> Chart:
    """Vertical bars (months): `items` are (label, axis label, value)."""
    left, right, top_margin, bottom = 40, 8, 20, 28
    plot_w, plot_h = WIDTH - left - right, height - top_margin - bottom
    values = [float(v or 0) for _l, _a, v in items]
    top, step = nice_ceiling(max(values, default=0), integers=all(float(v).is_integer() for v in values))
    base_y = top_margin + plot_h
    slot = plot_w / max(len(items), 1)
    bar_w = max(slot * 0.7, 1.0)
    every = max(1, math.ceil(MIN_LABEL_SLOT / slot))
    show_values = slot >= MIN_VALUE_SLOT
    bars = []
    for i, (label, axis_label, value) in enumerate(items):
        h = plot_h * float(value or 0) / top
        x = left + i * slot + (slot - bar_w) / 2
        centre = x + bar_w / 2
        bars.append(
            Bar(
                label=label,
                axis_label=axis_label if i % every == 0 else "",
                value=value or 0,
                text=formatter(value or 0),
                x=round(x, 2),
                y=round(base_y - h, 2),
                width=round(bar_w, 2),
                height=round(h, 2),
                label_x=round(centre, 2),
                label_y=base_y + FONT + 4,
                value_x=round(centre, 2),
                value_y=round(base_y - h - 4, 2),
                show_value=show_values,
            )
        )
    ticks = []
    for t in _ticks(top, step):
        y = round(base_y - plot_h * t / top, 2)
        ticks.append(Tick(_number(t), formatter(_number(t)), left, y, WIDTH - right, y, left - 4, y + FONT / 3))
    return Chart(
        chart_id, "vertical", title, description, WIDTH, height, bars, ticks, (left, base_y, WIDTH - right, base_y)
    )


def horizontal_bars(
    chart_id: str,
    items: Sequence[tuple[str, int | Decimal]],
    *,
    title: str,
    description: str,
    formatter: Callable = str,
) -> Chart:
    """Horizontal bars (categories, the engagement funnel): `items` are (label, value).
    Each label is written above its bar, full width, so long labels fit a phone."""
    left, right, top_margin = 4, 64, 6
    row_h, bar_h, label_h = 40, 16, FONT + 4
    plot_w = WIDTH - left - right
    values = [float(v or 0) for _l, v in items]
    top = max(values, default=0) or 1.0  # the longest bar fills the width; every bar has its value
    height = top_margin + row_h * len(items) + 4
    bars = []
    for i, (label, value) in enumerate(items):
        y_label = top_margin + i * row_h + FONT
        y_bar = top_margin + i * row_h + label_h
        w = plot_w * float(value or 0) / top
        bars.append(
            Bar(
                label=label,
                axis_label=label,
                value=value or 0,
                text=formatter(value or 0),
                x=left,
                y=y_bar,
                width=round(w, 2),
                height=bar_h,
                label_x=left,
                label_y=y_label,
                value_x=round(left + w + 6, 2),
                value_y=y_bar + bar_h - 3,
            )
        )
    axis_end = top_margin + row_h * len(items)
    return Chart(
        chart_id, "horizontal", title, description, WIDTH, height, bars, [], (left, top_margin, left, axis_end)
    )
