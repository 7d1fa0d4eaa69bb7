"""A measure's scores over time: each scale (a subscale or the total) as a chart model
that :mod:`mhst.core.charts` draws as SVG, and that
``templates/outcomes/_measure_chart.html`` lists in a table beside it.

x is the date completed, on a time scale; y is the scale's possible range; a dashed line
marks the clinical threshold when the scale has one. The words for the SVG's <title> and
<desc> are here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from markupsafe import Markup

from mhst.core import charts
from mhst.core.formatting import format_date, format_date_short
from mhst.outcomes.definitions import Direction, MeasureDefinition, Respondent
from mhst.outcomes.scoring import scale_title, score_text

FRAME = charts.Frame(width=640, height=280, left=64, right=616, top=40, bottom=240)
PAD = 28  # keeps the first and last points off the axes
MAX_VALUE_LABELS = 10  # beyond this, values are read from the table only


@dataclass(frozen=True)
class Reading:
    """One score of one scale, as completed on a date."""

    on: date
    score: Decimal
    respondent: Respondent
    record_id: int | None = None
    online: bool = False  # completed by the family through a questionnaire link


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    reading: Reading
    label: str


@dataclass(frozen=True)
class Chart:
    """One scale's scores as a chart: the points (each with its reading, for the table),
    the axes' ticks, the threshold, and the words."""

    id: str
    scale: str
    scale_title: str
    title: str
    description: str
    y_axis_label: str
    points: tuple[Point, ...]
    x_ticks: tuple[charts.Tick, ...]
    y_ticks: tuple[charts.Tick, ...]
    threshold: charts.Threshold | None
    show_values: bool
    frame: charts.Frame = FRAME

    def svg(self) -> Markup:
        """The chart drawn as an accessible SVG."""
        return charts.line_chart(
            charts.LineChart(
                id=self.id,
                title=self.title,
                description=self.description,
                frame=self.frame,
                y_axis_title=self.y_axis_label,
                y_ticks=self.y_ticks,
                x_ticks=self.x_ticks,
                threshold=self.threshold,
                series=[
                    charts.Series(
                        [(p.x, p.y) for p in self.points],
                        charts.SOLID,
                        labels=[p.label for p in self.points] if self.show_values else (),
                    )
                ],
            )
        )


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
            online = bool(getattr(record, "online", False))
            found.append(
                Reading(record.completed_on, Decimal(value), record.respondent, record.id, online)
            )
    return found


def _x_scale(first: date, last: date):
    span = (last - first).days
    if span == 0:
        return lambda _value: (FRAME.left + FRAME.right) / 2
    days = charts.linear(0, span, FRAME.left + PAD, FRAME.right - PAD)
    return lambda value: days((value - first).days)


def _x_ticks(points: Sequence[Point]) -> tuple[charts.Tick, ...]:
    """A label for the first and last dates, and for dates between that have room."""
    dates: list[charts.Tick] = []
    for point in points:
        label = format_date_short(point.reading.on)
        if not dates or dates[-1].label != label:
            dates.append(charts.Tick(point.x, label))
    return charts.spaced_ticks(dates)


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
    y = charts.linear(low, high, FRAME.bottom, FRAME.top)
    x = _x_scale(found[0].on, found[-1].on)
    points = tuple(
        Point(round(x(r.on), 1), round(y(r.score), 1), r, score_text(r.score)) for r in found
    )
    threshold = None
    if scale_def.threshold is not None:
        threshold = charts.Threshold(
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
        x_ticks=_x_ticks(points),
        y_ticks=tuple(
            charts.Tick(round(y(v), 1), score_text(v)) for v in charts.tick_values(low, high)
        ),
        threshold=threshold,
        show_values=len(points) <= MAX_VALUE_LABELS,
    )


def measure_charts(definition: MeasureDefinition, records: Sequence) -> list[Chart]:
    """A chart for each scale with scores, in the definition's order (the total last)."""
    found = (
        scale_chart(definition, name, readings(records, name)) for name in definition.scale_names
    )
    return [chart for chart in found if chart is not None]
