"""The rollout chart: a server-rendered SVG line chart of the percentage of schools
covered each year, against the trajectory and the projection.

No scripts and no style attributes (the CSP forbids them): colours and dashes are SVG
presentation attributes. The lines differ in dash pattern and marker as well as colour,
every actual value is labelled in text, and the page shows the same figures in a table.
Every value is put in through ``Markup.format``, which escapes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from markupsafe import Markup

from mhst.core.academic_year import academic_year_label
from mhst.rollout.figures import AreaRollout, percent

WIDTH, HEIGHT = 720, 390
LEFT, RIGHT, TOP, BOTTOM = 56, 704, 40, 280  # the plot area; 100% at TOP, 0% at BOTTOM
TEXT, GRID, BACKGROUND = "#212b32", "#d8dde0", "#f0f4f5"
ACTUAL = ("#005eb8", "none")  # NHS blue, solid, circles
TRAJECTORY = ("#4c6272", "8 6")  # NHS dark grey, dashed
PROJECTION = ("#007f3b", "2 5")  # NHS green, dotted, squares

Point = tuple[float, float]


def _y(value: Decimal) -> float:
    return BOTTOM - (BOTTOM - TOP) * float(value) / 100


def _line(points: list[Point], style: tuple[str, str]) -> Markup:
    if not points:
        return Markup("")
    colour, dashes = style
    return Markup(
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="3"'
        ' stroke-linecap="round" stroke-linejoin="round" stroke-dasharray="{}"/>'
    ).format(" ".join(f"{x:.1f},{y:.1f}" for x, y in points), colour, dashes)


def _text(x: float, y: float, content: object, anchor: str = "middle", size: int = 14) -> Markup:
    return Markup(
        '<text x="{:.1f}" y="{:.1f}" fill="{}" font-size="{}" text-anchor="{}">{}</text>'
    ).format(x, y, TEXT, size, anchor, content)


def _value_label(x: float, y: float, content: object) -> Markup:
    """A value above its point, with a halo of the page colour so lines do not cross it."""
    return Markup(
        '<text x="{:.1f}" y="{:.1f}" fill="{}" font-size="13" text-anchor="middle"'
        ' stroke="{}" stroke-width="4" paint-order="stroke">{}</text>'
    ).format(x, y, TEXT, BACKGROUND, content)


def _grid() -> Iterable[Markup]:
    for value in range(0, 101, 25):
        y = _y(Decimal(value))
        yield Markup('<line x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="{}"/>').format(
            LEFT, y, RIGHT, y, GRID
        )
        yield _text(LEFT - 8, y + 5, f"{value}%", anchor="end")
    yield _text(LEFT - 40, TOP - 20, "% of schools covered at the end of the year", "start")


def _legend(target_year: int) -> Iterable[Markup]:
    series = (
        ("Schools covered (to date)", ACTUAL),
        (f"Trajectory to 100% by {academic_year_label(target_year)}", TRAJECTORY),
        ("Projection at the current rate", PROJECTION),
    )
    for row, (label, style) in enumerate(series):
        y = BOTTOM + 52 + 20 * row
        yield _line([(LEFT, y), (LEFT + 36, y)], style)
        yield _text(LEFT + 44, y + 5, label, anchor="start")


def _markers(points: list[Point], style: tuple[str, str], shape: str) -> Iterable[Markup]:
    for x, y in points:
        if shape == "circle":
            yield Markup('<circle cx="{:.1f}" cy="{:.1f}" r="5" fill="{}"/>').format(x, y, style[0])
        else:
            yield Markup('<rect x="{:.1f}" y="{:.1f}" width="8" height="8" fill="{}"/>').format(
                x - 4, y - 4, style[0]
            )


def description(area: AreaRollout, target_year: int) -> str:
    """The chart in words, for its <desc>."""
    known = [y for y in area.years if y.schools_percent is not None]
    actual = "; ".join(f"{y.label} {y.schools_percent}%" for y in known) or "none yet"
    projected = area.projected_percent_at_target
    outlook = (
        f"At the current rate, {projected}% by the end of {area.at_target.label}."
        if projected is not None
        else "There is no projection yet."
    )
    return (
        f"Line chart for {area.name}, {area.years[0].label} to {area.years[-1].label}. "
        f"Schools covered: {actual}. The trajectory reaches 100% at the end of "
        f"{academic_year_label(target_year)}. {outlook} The table below gives the same figures."
    )


def render_chart(area: AreaRollout, target_year: int, *, id_prefix: str = "rollout-chart"):
    """The SVG for ``area``, labelled by its <title> and <desc>."""
    band = (RIGHT - LEFT) / len(area.years)
    xs = {y.year: LEFT + band * (index + 0.5) for index, y in enumerate(area.years)}
    known = [y for y in area.years if y.schools_percent is not None]
    actual = [(xs[y.year], _y(y.schools_percent)) for y in known]
    planned = [(xs[y.year], _y(y.trajectory_percent)) for y in area.years]
    projected = [
        (xs[y.year], _y(percent(y.projected_schools, area.schools_total)))
        for y in area.years
        if y.projected_schools is not None and area.schools_total
    ]
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%"'
            ' role="img" aria-labelledby="{}-title {}-desc" focusable="false">'
            '<title id="{}-title">Schools covered each year: {}</title>'
            '<desc id="{}-desc">{}</desc>'
        ).format(
            WIDTH,
            HEIGHT,
            id_prefix,
            id_prefix,
            id_prefix,
            area.name,
            id_prefix,
            description(area, target_year),
        ),
        *_grid(),
        *(_text(xs[y.year], BOTTOM + 24, y.label) for y in area.years),
        _line(planned, TRAJECTORY),
        _line(projected, PROJECTION),
        *_markers(projected, PROJECTION, "square"),
        _line(actual, ACTUAL),
        *_markers(actual, ACTUAL, "circle"),
        *(
            _value_label(x, y - 12, f"{f.schools_percent}%")
            for (x, y), f in zip(actual, known, strict=True)
        ),
        *_legend(target_year),
        Markup("</svg>"),
    ]
    return Markup("").join(parts)
