"""A report section's bar chart: a server-rendered SVG of its first figure column.

The chart is drawn from the text the table shows (after suppression), never from the raw
figures, so it can reveal nothing the table hides: a suppressed ``*`` or an empty ``-``
gets no bar, only its text. Each bar has its label above it and its value beside it, and
the <desc> lists every value; the table under the chart is the full text alternative.
No scripts and no style attributes (the CSP forbids them); every value is put in through
``Markup.format``, which escapes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from markupsafe import Markup

from mhst.reports.suppression import SUPPRESSED

WIDTH = 720
LEFT, RIGHT = 8, 640  # the longest bar ends at RIGHT; its value is written after it
TOP, ROW, BAR = 8, 50, 20
TEXT, BAR_COLOUR, EMPTY = "#212b32", "#005eb8", "#4c6272"


def bar_value(text: str) -> Decimal | None:
    """The number a shown cell stands for ("45%" -> 45), or None for "*", "-" or text."""
    try:
        value = Decimal(text.removesuffix("%").replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def spoken(text: str) -> str:
    """A shown value in words for the chart's description."""
    if text == SUPPRESSED:
        return "not shown (a small number)"
    if text == "-":
        return "no figure"
    return text


def description(title: str, column: str, rows: Sequence[tuple[str, str]]) -> str:
    values = "; ".join(f"{label}: {spoken(value)}" for label, value in rows) or "no rows"
    return (
        f"Bar chart of {column.lower()} for {title.lower()}. {values}. "
        "The table gives the same figures."
    )


def render_chart(title: str, column: str, rows: Sequence[tuple[str, str]], *, id_prefix: str):
    """The SVG for (label, shown value) ``rows``, labelled by its <title> and <desc>; or
    None when there is no bar to draw (every value 0, suppressed or missing)."""
    values = [bar_value(value) for _, value in rows]
    largest = max((value for value in values if value is not None), default=Decimal(0))
    if not largest:
        return None
    height = TOP + ROW * max(len(rows), 1) + 8
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%"'
            ' role="img" aria-labelledby="{}-title {}-desc" focusable="false">'
            '<title id="{}-title">{}: {}</title><desc id="{}-desc">{}</desc>'
        ).format(
            WIDTH,
            height,
            id_prefix,
            id_prefix,
            id_prefix,
            title,
            column,
            id_prefix,
            description(title, column, rows),
        )
    ]
    for index, ((label, shown), value) in enumerate(zip(rows, values, strict=True)):
        y = TOP + ROW * index
        parts.append(
            Markup('<text x="{}" y="{}" fill="{}" font-size="14">{}</text>').format(
                LEFT, y + 14, TEXT, label
            )
        )
        width = 0.0 if value is None else float(value / largest) * (RIGHT - LEFT)
        if width:
            parts.append(
                Markup('<rect x="{}" y="{}" width="{:.1f}" height="{}" fill="{}"/>').format(
                    LEFT, y + 20, width, BAR, BAR_COLOUR
                )
            )
        parts.append(
            Markup('<text x="{:.1f}" y="{}" fill="{}" font-size="14">{}</text>').format(
                LEFT + width + 6, y + 35, TEXT if value is not None else EMPTY, shown
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
