"""A report section's bar chart of its first figure column, drawn by
:mod:`mhst.core.charts`.

The chart is drawn from the text the table shows (after suppression), never from the raw
figures, so it can reveal nothing the table hides: a suppressed ``*`` or an empty ``-``
gets no bar, only its text. Each bar has its label above it and its value beside it, and
the <desc> lists every value; the table under the chart is the full text alternative.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from markupsafe import Markup

from mhst.core import charts
from mhst.reports.suppression import SUPPRESSED


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


def render_chart(
    title: str, column: str, rows: Sequence[tuple[str, str]], *, id_prefix: str
) -> Markup | None:
    """The SVG for (label, shown value) ``rows``, labelled by its <title> and <desc>; or
    None when there is no bar to draw (every value 0, suppressed or missing)."""
    return charts.bar_chart(
        [charts.Bar(label, bar_value(shown), shown) for label, shown in rows],
        id_=id_prefix,
        title=f"{title}: {column}",
        description=description(title, column, rows),
    )
