"""A measure's scores over time as a chart model: plain numbers and words that
``templates/casework/_measure_chart.html`` draws as SVG (so every piece of text goes
through the template's escaping; nothing here builds markup).

One chart is one scale (a subscale or the total): x is the date completed, on a time
scale; y is the scale's possible range; a dashed line marks the clinical threshold when
the scale has one. The words for the SVG's <title> and <desc> are here too, and the page
shows every point in a table beside the chart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from mhst.core.formatting import format_date, format_date_short
from mhst.outcomes.definitions import Direction, MeasureDefinition, Respondent
from mhst.outcomes.scoring import scale_title, score_text

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 616, 40, 240  # the plot area
PAD = 28  # keeps the first and last points off the axes
MIN_TICK_GAP = 96  # pixels between date labels, so they never overlap
MAX_Y_TICKS = 6
MAX_VALUE_LABELS = 10  # beyond this, values are read from the table only
STEPS = tuple(
    Decimal(s) for s in ("0.25", "0.5", "1", "2", "2.5", "5", "10", "20", "25", "50", "100")
)


@dataclass(frozen=True)
class Reading:
    """One score of one scale, as completed on a date."""

    on: date
    score: Decimal
    respondent: Respondent
    record_id: int | None = None


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    reading: Reading
    label: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class ThresholdLine:
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    id: str
    scale: str
    scale_title: str
    title: str
    description: str
    y_axis_label: str
    points: tuple[Point, ...]
    line: str  # the polyline's "x,y x,y" (numbers only)
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    threshold: ThresholdLine | None
    show_values: bool
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM


def chart_id(code: str, scale: str) -> str:
    """An id safe in HTML for a measure's scale chart."""
    return "chart-" + re.sub(r"[^a-z0-9]+", "-", f"{code} {scale}".lower()).strip("-")


def readings(records: Iterable, scale: str) -> list[Reading]:
    """The time-ordered records' scores on ``scale`` (records without one are left out).
    A record is anything with ``completed_on``, ``respondent``, ``id`` and ``score_of``."""
    found = []
    for record in records:
        value = record.score_of(scale)
        if value is not None:
            found.append(Reading(record.completed_on, Decimal(value), record.respondent, record.id))
    return found


def _y_scale(low: float, high: float):
    def y(value) -> float:
        return BOTTOM - (BOTTOM - TOP) * (float(value) - low) / (high - low)

    return y


def _x_scale(first: date, last: date):
    span = (last - first).days

    def x(value: date) -> float:
        if span == 0:
            return (LEFT + RIGHT) / 2
        return LEFT + PAD + (RIGHT - LEFT - 2 * PAD) * (value - first).days / span

    return x


def y_tick_values(low: float, high: float) -> list[Decimal]:
    """The range's ends and round steps between them, at most about ``MAX_Y_TICKS``."""
    bottom, top = Decimal(str(low)), Decimal(str(high))
    span = top - bottom
    step = next((s for s in STEPS if span / s <= MAX_Y_TICKS), STEPS[-1])
    values = [bottom]
    value = (bottom / step).to_integral_value(rounding="ROUND_FLOOR") * step + step
    while value < top:
        # A tick too close to the top would collide with its label.
        if top - value >= step * Decimal("0.6"):
            values.append(value)
        value += step
    values.append(top)
    return values


def _x_ticks(points: Sequence[Point]) -> tuple[Tick, ...]:
    """A label for the first and last dates, and for dates between that have room."""
    dates: list[tuple[float, date]] = []
    for point in points:
        if not dates or dates[-1][1] != point.reading.on:
            dates.append((point.x, point.reading.on))
    if len(dates) == 1:
        return (Tick(dates[0][0], format_date_short(dates[0][1])),)
    chosen = [dates[0]]
    last_x = dates[-1][0]
    for x, on in dates[1:-1]:
        if x - chosen[-1][0] >= MIN_TICK_GAP and last_x - x >= MIN_TICK_GAP:
            chosen.append((x, on))
    chosen.append(dates[-1])
    return tuple(Tick(x, format_date_short(on)) for x, on in chosen)


def _threshold_words(value: float, direction: Direction) -> str:
    side = "or more" if direction is Direction.HIGHER_IS_WORSE else "or less"
    shown = score_text(value)
    return f"threshold {shown}: a score of {shown} {side} is in the clinical range"


def describe(definition: MeasureDefinition, scale: str, found: Sequence[Reading]) -> str:
    """The chart in words, for its <desc>."""
    scale_def = definition.scale(scale)
    low, high = definition.possible_range(scale_def)
    better = "higher" if scale_def.direction is Direction.HIGHER_IS_BETTER else "lower"
    first, last = found[0], found[-1]
    if len(found) == 1:
        trend = f"one score, {score_text(first.score)} on {format_date(first.on)}"
    else:
        trend = (
            f"{len(found)} scores, from {score_text(first.score)} on {format_date(first.on)} "
            f"to {score_text(last.score)} on {format_date(last.on)}"
        )
    words = (
        f"{scale_title(scale)} score: {trend}. "
        f"Scores can be {score_text(low)} to {score_text(high)}; {better} is better"
    )
    if scale_def.threshold is not None:
        words += "; " + _threshold_words(scale_def.threshold.value, scale_def.direction)
    return words + ". The table gives every score."


def scale_chart(
    definition: MeasureDefinition, scale: str, found: Sequence[Reading]
) -> Chart | None:
    """The chart of one scale's time-ordered scores, or ``None`` with no scores."""
    if not found:
        return None
    scale_def = definition.scale(scale)
    low, high = definition.possible_range(scale_def)
    y = _y_scale(low, high)
    x = _x_scale(found[0].on, found[-1].on)
    points = tuple(
        Point(round(x(r.on), 1), round(y(r.score), 1), r, score_text(r.score)) for r in found
    )
    threshold = None
    if scale_def.threshold is not None:
        threshold = ThresholdLine(
            round(y(scale_def.threshold.value), 1),
            f"Threshold {score_text(scale_def.threshold.value)}",
        )
    better = "higher" if scale_def.direction is Direction.HIGHER_IS_BETTER else "lower"
    return Chart(
        id=chart_id(definition.code, scale),
        scale=scale,
        scale_title=scale_title(scale),
        title=f"{definition.name}: {scale_title(scale).lower()} score over time",
        description=describe(definition, scale, found),
        y_axis_label=f"{scale_title(scale)} score ({better} is better)",
        points=points,
        line=" ".join(f"{p.x:.1f},{p.y:.1f}" for p in points),
        x_ticks=_x_ticks(points),
        y_ticks=tuple(Tick(round(y(v), 1), score_text(v)) for v in y_tick_values(low, high)),
        threshold=threshold,
        show_values=len(points) <= MAX_VALUE_LABELS,
    )


def measure_charts(definition: MeasureDefinition, records: Sequence) -> list[Chart]:
    """A chart for each scale with scores, in the definition's order (the total last)."""
    charts = []
    for name in definition.scale_names:
        chart = scale_chart(definition, name, readings(records, name))
        if chart is not None:
            charts.append(chart)
    return charts
