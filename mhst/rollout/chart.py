"""The rollout chart: the percentage of schools covered each year, against the
trajectory and the projection, as a line chart drawn by :mod:`mhst.core.charts`.

Every actual value is labelled in text, and the page shows the same figures in a table.
"""

from __future__ import annotations

from markupsafe import Markup

from mhst.core import charts
from mhst.core.academic_year import academic_year_label
from mhst.rollout.arithmetic import percent
from mhst.rollout.figures import AreaRollout

FRAME = charts.Frame(width=720, height=390, left=56, right=704, top=40, bottom=280)
ACTUAL, TRAJECTORY, PROJECTION = charts.SOLID, charts.DASHED, charts.DOTTED
_y = charts.linear(0, 100, FRAME.bottom, FRAME.top)  # 100% at the top, 0% at the bottom


def description(area: AreaRollout, target_year: int) -> str:
    """The chart in words, for its <desc>."""
    known = [y for y in area.years if y.schools_percent is not None]
    actual = "; ".join(f"{y.label} {y.schools_percent}%" for y in known) or "none yet"
    projected = area.projected_percent_at_target
    outlook = (
        f"Projected from planned cohorts and the recent rate, {projected}% by the end of "
        f"{area.at_target.label}."
        if projected is not None
        else "There is no projection yet."
    )
    return (
        f"Line chart for {area.name}, {area.years[0].label} to {area.years[-1].label}. "
        f"Schools covered: {actual}. The trajectory reaches 100% at the end of "
        f"{academic_year_label(target_year)}. {outlook} The table below gives the same figures."
    )


def render_chart(
    area: AreaRollout, target_year: int, *, id_prefix: str = "rollout-chart"
) -> Markup:
    """The SVG for ``area``, labelled by its <title> and <desc>."""
    band = (FRAME.right - FRAME.left) / len(area.years)
    xs = {y.year: FRAME.left + band * (index + 0.5) for index, y in enumerate(area.years)}
    known = [y for y in area.years if y.schools_percent is not None]
    projected = [
        (xs[y.year], _y(percent(y.projected_schools, area.schools_total)))
        for y in area.years
        if y.projected_schools is not None and area.schools_total
    ]
    chart = charts.LineChart(
        id=id_prefix,
        title=f"Schools covered each year: {area.name}",
        description=description(area, target_year),
        frame=FRAME,
        y_axis_title="% of schools covered at the end of the year",
        y_ticks=[charts.Tick(_y(value), f"{value}%") for value in range(0, 101, 25)],
        x_ticks=[charts.Tick(xs[y.year], y.label) for y in area.years],
        series=[
            charts.Series(
                [(xs[y.year], _y(y.trajectory_percent)) for y in area.years], TRAJECTORY, None
            ),
            charts.Series(projected, PROJECTION, "square"),
            charts.Series(
                [(xs[y.year], _y(y.schools_percent)) for y in known],
                ACTUAL,
                "circle",
                labels=[f"{y.schools_percent}%" for y in known],
            ),
        ],
        legend=[
            ("Schools covered (to date)", ACTUAL),
            (f"Trajectory to 100% by {academic_year_label(target_year)}", TRAJECTORY),
            ("Projection: planned cohorts, then the recent rate", PROJECTION),
        ],
    )
    return charts.line_chart(chart)
