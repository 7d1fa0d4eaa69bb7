"""The one chart module (mhst.core.charts): its palette meets WCAG 2.2 non-text contrast,
its SVG is an accessible image with no style attributes, and every value is escaped."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from mhst.core import charts


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_is_worked_out_as_wcag_says():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#005eb8", "#ffffff") == pytest.approx(6.38, abs=0.01)


@pytest.mark.parametrize("background", ["#ffffff", charts.PAGE])
@pytest.mark.parametrize("colour", charts.MEANINGFUL_COLOURS)
def test_every_colour_that_means_something_has_3_to_1_contrast(colour, background):
    assert contrast(colour, background) >= 3


def test_every_stroke_uses_a_colour_that_means_something():
    for stroke in (charts.SOLID, charts.DASHED, charts.DOTTED, charts.THRESHOLD):
        assert stroke.colour in charts.MEANINGFUL_COLOURS
    # The series differ by their dashes too, not by colour alone.
    assert len({charts.SOLID.dashes, charts.DASHED.dashes, charts.DOTTED.dashes}) == 3


def _line_chart(**changes) -> charts.LineChart:
    arguments = {
        "id": "test-chart",
        "title": "Scores <over> time",
        "description": "Two scores & a threshold",
        "frame": charts.Frame(width=640, height=280, left=64, right=616, top=40, bottom=240),
        "y_axis_title": "Score",
        "y_ticks": [charts.Tick(240, "0"), charts.Tick(40, "10")],
        "x_ticks": [charts.Tick(100, "1 Oct 2026"), charts.Tick(500, "1 Dec 2026")],
        "series": [charts.Series([(100, 200), (500, 100)], charts.SOLID, labels=["2", "<7>"])],
        "threshold": charts.Threshold(120, "Threshold 6"),
    }
    return charts.LineChart(**{**arguments, **changes})


def test_a_line_chart_is_an_image_labelled_by_its_title_and_description():
    svg = str(charts.line_chart(_line_chart()))
    soup = BeautifulSoup(svg, "html.parser").svg
    assert soup["role"] == "img"
    assert soup["aria-labelledby"] == "test-chart-title test-chart-desc"
    assert soup.find(id="test-chart-title").get_text() == "Scores <over> time"
    assert soup.find(id="test-chart-desc").get_text() == "Two scores & a threshold"
    assert "Scores &lt;over&gt; time" in svg
    assert "&lt;7&gt;" in svg
    assert not soup.find_all(style=True)
    assert "<script" not in svg
    assert len(soup.find_all("circle")) == 2
    assert soup.select_one("line.app-chart-threshold")["stroke-dasharray"] == "8 6"
    labels = {text.get_text() for text in soup.find_all("text")}
    assert {"Score", "0", "10", "1 Oct 2026", "1 Dec 2026", "Threshold 6", "2", "<7>"} <= labels


def test_one_point_has_a_marker_and_no_line():
    chart = _line_chart(series=[charts.Series([(300, 140)], charts.SOLID)], threshold=None)
    soup = BeautifulSoup(str(charts.line_chart(chart)), "html.parser")
    assert soup.find("polyline") is None
    assert len(soup.find_all("circle")) == 1
    assert soup.select_one("line.app-chart-threshold") is None


def test_bars_are_as_long_as_their_values_and_missing_values_have_none():
    bars = [
        charts.Bar("School", Decimal(20), "20"),
        charts.Bar("GP", Decimal(5), "5"),
        charts.Bar("Other", None, "*"),
    ]
    svg = charts.bar_chart(bars, id_="bars", title="By source", description="School 20")
    rects = BeautifulSoup(str(svg), "html.parser").find_all("rect")
    widths = [float(rect["width"]) for rect in rects]
    assert widths == [charts.BAR_RIGHT - charts.BAR_LEFT, (charts.BAR_RIGHT - charts.BAR_LEFT) / 4]


def test_a_bar_chart_with_nothing_to_draw_is_none():
    bars = [charts.Bar("Zero", Decimal(0), "0"), charts.Bar("Hidden", None, "*")]
    assert charts.bar_chart(bars, id_="bars", title="t", description="d") is None


def test_spaced_ticks_keep_the_ends_and_leave_out_crowded_ones():
    ticks = [charts.Tick(x, str(x)) for x in (0, 50, 100, 150, 200, 250)]
    assert [t.position for t in charts.spaced_ticks(ticks, min_gap=96)] == [0, 100, 250]
    assert charts.spaced_ticks(ticks[:1]) == (ticks[0],)
