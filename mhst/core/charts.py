"""Server-rendered SVG charts: the one place that draws them, in one palette.

A feature maps its figures to a chart model here (positions in the SVG's units, and
words); this module draws it. Every chart is an ``<svg role="img">`` labelled by its
``<title>`` and ``<desc>``, and the page beside it shows the same figures in a table.
No scripts and no style attributes (the CSP forbids them): colours and dashes are SVG
presentation attributes, and lines differ in dash pattern and marker as well as colour.
Every value goes in through ``Markup.format``, which escapes it: callers pass plain text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from markupsafe import Markup

# ---- the palette ----------------------------------------------------------------------
# NHS colours. Each one that carries meaning has a contrast of at least 3:1 (WCAG 2.2
# 1.4.11, non-text contrast) against white and against the page (PAGE): see
# tests/test_charts.py. GRID is the exception on purpose: grid lines only help the eye,
# every tick is labelled in text and the table gives every value.
TEXT = "#212b32"  # NHS black: every label
BLUE = "#005eb8"  # NHS blue: the main series, and bars
GREY = "#4c6272"  # NHS dark grey: axes, thresholds, a second series, a missing value
GREEN = "#007f3b"  # NHS green: a third series
PAGE = "#f0f4f5"  # NHS pale grey: the page behind the chart, and the halo behind labels
GRID = "#d8dde0"  # NHS light grey: grid lines
MEANINGFUL_COLOURS = (TEXT, BLUE, GREY, GREEN)


@dataclass(frozen=True)
class Stroke:
    """How a line is drawn: its colour and its SVG dash pattern."""

    colour: str
    dashes: str = "none"


SOLID = Stroke(BLUE)
DASHED = Stroke(GREY, "8 6")
DOTTED = Stroke(GREEN, "2 5")
THRESHOLD = Stroke(GREY, "8 6")

# ---- the model ------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """The SVG's size and, inside it, the plot area (y grows downwards)."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int


@dataclass(frozen=True)
class Tick:
    position: float  # x for the x axis, y for the y axis
    label: str


@dataclass(frozen=True)
class Series:
    """A line through ``points``, a marker on each, and optionally a value above each."""

    points: Sequence[tuple[float, float]]
    stroke: Stroke
    marker: str | None = "circle"  # "circle", "square" or None
    labels: Sequence[str] = ()  # one per point, or none


@dataclass(frozen=True)
class Threshold:
    """A dashed line across the plot at ``y``, named by ``label`` at its right end."""

    y: float
    label: str


@dataclass(frozen=True)
class LineChart:
    id: str  # the prefix of the ids of its <title> and <desc>
    title: str
    description: str
    frame: Frame
    y_axis_title: str
    y_ticks: Sequence[Tick]
    x_ticks: Sequence[Tick]
    series: Sequence[Series]  # drawn in order: the last one on top
    threshold: Threshold | None = None
    legend: Sequence[tuple[str, Stroke]] = ()  # (label, stroke), under the x axis


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: ``value`` sets the bar's length (None: no bar), ``shown``
    is the text written after it."""

    label: str
    value: Decimal | None
    shown: str


# ---- scales and ticks -----------------------------------------------------------------

MIN_TICK_GAP = 96  # pixels between x axis labels, so they never overlap
MAX_Y_TICKS = 6
STEPS = tuple(
    Decimal(s) for s in ("0.25", "0.5", "1", "2", "2.5", "5", "10", "20", "25", "50", "100")
)


def linear(low: float, high: float, start: float, end: float) -> Callable[[object], float]:
    """The position of a value: ``low`` at ``start``, ``high`` at ``end``."""

    def position(value) -> float:
        return start + (end - start) * (float(value) - low) / (high - low)

    return position


def tick_values(low: float, high: float) -> list[Decimal]:
    """The range's ends and round steps between them, at most about ``MAX_Y_TICKS``."""
    bottom, top = Decimal(str(low)), Decimal(str(high))
    span = top - bottom
    step = next((s for s in STEPS if span / s <= MAX_Y_TICKS), STEPS[-1])
    values = [bottom]
    value = (bottom / step).to_integral_value(rounding=ROUND_FLOOR) * step + step
    while value < top:
        # A tick too close to the top would collide with its label.
        if top - value >= step * Decimal("0.6"):
            values.append(value)
        value += step
    values.append(top)
    return values


def spaced_ticks(ticks: Sequence[Tick], min_gap: float = MIN_TICK_GAP) -> tuple[Tick, ...]:
    """The first and last of the ordered ``ticks``, and those between that have room."""
    if len(ticks) <= 1:
        return tuple(ticks)
    chosen = [ticks[0]]
    last = ticks[-1].position
    for tick in ticks[1:-1]:
        if tick.position - chosen[-1].position >= min_gap and last - tick.position >= min_gap:
            chosen.append(tick)
    chosen.append(ticks[-1])
    return tuple(chosen)


# ---- drawing --------------------------------------------------------------------------


def _svg(width: int, height: int, id_: str, title: str, description: str, parts) -> Markup:
    head = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%"'
        ' role="img" aria-labelledby="{}-title {}-desc" focusable="false">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
    ).format(width, height, id_, id_, id_, title, id_, description)
    return head + Markup("").join(parts) + Markup("</svg>")


# The elements drawn most (a bar chart has three per bar) are written with Markup's "%"
# (C formatting, every value escaped) rather than Markup.format (a pure Python
# formatter: several times slower); numbers are formatted with format() first, exactly
# as Markup.format would.


def _n(value: float) -> str:
    return format(value, ".1f")


def _text(x: float, y: float, content: object, anchor: str = "start", colour: str = TEXT):
    return Markup('<text x="%s" y="%s" fill="%s" font-size="14" text-anchor="%s">%s</text>') % (
        _n(x),
        _n(y),
        colour,
        anchor,
        content,
    )


def _halo_text(x: float, y: float, content: object, anchor: str = "middle") -> Markup:
    """A label over the plot, with a halo of the page colour so lines do not cross it."""
    return Markup(
        '<text x="%s" y="%s" fill="%s" font-size="13" text-anchor="%s"'
        ' stroke="%s" stroke-width="4" paint-order="stroke">%s</text>'
    ) % (_n(x), _n(y), TEXT, anchor, PAGE, content)


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, width: int = 1) -> Markup:
    return Markup('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"/>') % (
        _n(x1),
        _n(y1),
        _n(x2),
        _n(y2),
        colour,
        format(width, ""),
    )


def _polyline(points: Sequence[tuple[float, float]], stroke: Stroke) -> Markup:
    return Markup(
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="3"'
        ' stroke-linecap="round" stroke-linejoin="round" stroke-dasharray="{}"/>'
    ).format(" ".join(f"{x:.1f},{y:.1f}" for x, y in points), stroke.colour, stroke.dashes)


def _marker(x: float, y: float, shape: str, colour: str) -> Markup:
    if shape == "circle":
        return Markup('<circle cx="{:.1f}" cy="{:.1f}" r="5" fill="{}"/>').format(x, y, colour)
    return Markup('<rect x="{:.1f}" y="{:.1f}" width="8" height="8" fill="{}"/>').format(
        x - 4, y - 4, colour
    )


def _axes(chart: LineChart) -> Iterable[Markup]:
    frame = chart.frame
    yield _text(16, frame.top - 16, chart.y_axis_title)
    for tick in chart.y_ticks:
        yield _line(frame.left, tick.position, frame.right, tick.position, GRID)
        yield _text(frame.left - 8, tick.position + 5, tick.label, anchor="end")
    yield _line(frame.left, frame.bottom, frame.right, frame.bottom, GREY, 2)
    for tick in chart.x_ticks:
        yield _line(tick.position, frame.bottom, tick.position, frame.bottom + 6, GREY, 2)
        yield _text(tick.position, frame.bottom + 24, tick.label, anchor="middle")


def _threshold(frame: Frame, threshold: Threshold) -> Iterable[Markup]:
    yield Markup(
        '<line class="app-chart-threshold" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"'
        ' stroke="{}" stroke-width="2" stroke-dasharray="{}"/>'
    ).format(frame.left, threshold.y, frame.right, threshold.y, THRESHOLD.colour, THRESHOLD.dashes)
    yield _halo_text(frame.right - 4, threshold.y - 6, threshold.label, anchor="end")


def _series(series: Series) -> Iterable[Markup]:
    if len(series.points) > 1:
        yield _polyline(series.points, series.stroke)
    if series.marker:
        for x, y in series.points:
            yield _marker(x, y, series.marker, series.stroke.colour)
    for (x, y), label in zip(series.points, series.labels, strict=False):
        yield _halo_text(x, y - 12, label)


def _legend(frame: Frame, entries: Sequence[tuple[str, Stroke]]) -> Iterable[Markup]:
    for row, (label, stroke) in enumerate(entries):
        y = frame.bottom + 52 + 20 * row
        yield _polyline([(frame.left, y), (frame.left + 36, y)], stroke)
        yield _text(frame.left + 44, y + 5, label)


def line_chart(chart: LineChart) -> Markup:
    """The SVG of a line chart: grid, axes, threshold, series, legend."""
    frame = chart.frame
    parts = [*_axes(chart)]
    if chart.threshold is not None:
        parts.extend(_threshold(frame, chart.threshold))
    for series in chart.series:
        parts.extend(_series(series))
    parts.extend(_legend(frame, chart.legend))
    return _svg(frame.width, frame.height, chart.id, chart.title, chart.description, parts)


# A bar chart's rows: each its label, then its bar; the longest bar ends at BAR_RIGHT,
# and its value is written after it.
BAR_CHART_WIDTH, BAR_LEFT, BAR_RIGHT, BAR_TOP = 720, 8, 640, 8
ROW, BAR = 50, 20


def bar_chart(bars: Sequence[Bar], *, id_: str, title: str, description: str) -> Markup | None:
    """The SVG of horizontal bars, one row each: the label above the bar, the shown text
    after it. None when there is no bar to draw (every value 0 or missing)."""
    largest = max((bar.value for bar in bars if bar.value is not None), default=Decimal(0))
    if not largest:
        return None
    parts = []
    for index, bar in enumerate(bars):
        y = BAR_TOP + ROW * index
        parts.append(_text(BAR_LEFT, y + 14, bar.label))
        length = 0.0 if bar.value is None else float(bar.value / largest) * (BAR_RIGHT - BAR_LEFT)
        if length:
            parts.append(
                Markup('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>')
                % (format(BAR_LEFT, ""), format(y + 20, ""), _n(length), format(BAR, ""), BLUE)
            )
        colour = TEXT if bar.value is not None else GREY
        parts.append(_text(BAR_LEFT + length + 6, y + 35, bar.shown, colour=colour))
    height = BAR_TOP + ROW * max(len(bars), 1) + 8
    return _svg(BAR_CHART_WIDTH, height, id_, title, description, parts)
