"""Small-number suppression: the rule itself, and that no small count reaches a page or
CSV of figures for sharing (table, chart or file)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from mhst.accounts.models import Role
from mhst.reports import suppression
from mhst.reports.cells import Count, Days, Rate, Score, Section
from mhst.reports.suppression import RULE, show, suppress_count
from tests import test_report_pages
from tests.test_report_pages import (
    SLUG,
    csv_of,
    sign_in,
    soup_of,
    table_rows,
)

# The pages' fixtures: a report made for the tests, and a fixed today.
fixed_report = test_report_pages.fixed_report
today = test_report_pages.today

# Each count from 0 to 20 as figures for sharing, worked by hand: 1 to 7 are "*"; the
# rest go to the nearest multiple of 5 (8 and 9 -> 10, 11 and 12 -> 10, 13 and 14 -> 15,
# 16 and 17 -> 15, 18 and 19 -> 20; a whole number is never exactly half-way).
SUPPRESSED_0_TO_20 = [
    "0", "*", "*", "*", "*", "*", "*", "*",  # 0 to 7
    "10", "10", "10", "10", "10",  # 8 to 12
    "15", "15", "15", "15", "15",  # 13 to 17
    "20", "20", "20",  # 18 to 20
]  # fmt: skip
COUNTS = Section(
    "Every count",
    ("Count", "Children", "Seen within 4 weeks"),
    tuple((f"Row {n}", Count(n), Rate(n, 20)) for n in range(21)),
    chart=True,
)


def test_counts_of_1_to_7_are_hidden_and_the_rest_rounded_to_5():
    assert [suppress_count(n) for n in range(21)] == SUPPRESSED_0_TO_20
    assert suppress_count(8) == "10"
    assert suppress_count(12) == "10"
    assert suppress_count(13) == "15"
    assert suppress_count(1234) == "1235"  # 246.8 fives -> 247 fives


def test_unsuppressed_cells_are_shown_as_they_are():
    assert show(Count(3), suppressed=False) == "3"
    assert show(Rate(3, 8), suppressed=False) == "38%"  # 37.5% rounds half up
    assert show(Days(Decimal("12.0"), 3), suppressed=False) == "12"
    assert show(Days(Decimal("12.25"), 3), suppressed=False) == "12.3"
    assert show(Score(Decimal("4"), 2), suppressed=False) == "4.0"
    assert show("Label 3", suppressed=True) == "Label 3"  # labels are never suppressed


def test_rates_and_summaries_need_enough_cases_behind_them():
    assert show(Rate(3, 40), suppressed=True) == "*"  # 3 is a small number
    assert show(Rate(10, 7), suppressed=True) == "*"  # so is 7
    # 10 of 40 is 25%; worked out from the counts as shown (rounded to 5).
    assert show(Rate(10, 40), suppressed=True) == "25%"
    assert show(Rate(12, 41), suppressed=True) == "25%"  # 10 of 40 as shown, not 29%
    assert show(Rate(0, 40), suppressed=True) == "0%"
    assert show(Rate(0, 0), suppressed=True) == "-"
    # The rest of the total counts too: 22 of 23 would give away the other 1.
    assert show(Rate(22, 23), suppressed=True) == "*"
    assert show(Rate(20, 27), suppressed=True) == "*"  # 7 are not in the 20
    assert show(Rate(20, 28), suppressed=True) == "67%"  # 8 are not: 20 of 30 as shown
    assert show(Rate(20, 20), suppressed=True) == "100%"  # none are not
    assert show(Days(Decimal("9"), 7), suppressed=True) == "*"
    assert show(Days(Decimal("9"), 8), suppressed=True) == "9"
    assert show(Score(Decimal("1.25"), 7), suppressed=True) == "*"
    assert show(Score(Decimal("1.25"), 8), suppressed=True) == "1.3"
    assert show(Days(None, 0), suppressed=True) == "-"


def test_something_that_is_not_a_cell_is_refused():
    with pytest.raises(TypeError):
        show(3, suppressed=True)


def small_numbers_in(text: str) -> list[str]:
    """Any figure of 1 to 7 standing on its own in ``text``."""
    return re.findall(r"(?<![\w.])[1-7](?![\w.%])", text)


def test_no_small_count_reaches_a_page_for_sharing(fixed_report, world, auth, client):
    fixed_report.sections = (COUNTS,)
    sign_in(auth, world)
    soup = soup_of(client.get(f"/reports/{SLUG}", query_string={"shared": "1"}))
    rows = table_rows(soup, "Every count")
    assert [row[1] for row in rows] == SUPPRESSED_0_TO_20
    # Rates of n out of 20: "*" while n is 1 to 7, else n as shown (10 for 8) out of 20.
    assert [row[2] for row in rows][:9] == ["0%", *["*"] * 7, "50%"]
    figures = " ".join(" ".join(row[1:]) for row in rows)
    assert small_numbers_in(figures) == []
    # Nor in the chart: no bar for "*", and no small number in its text.
    chart = soup.select_one("main figure svg")
    assert len(chart.find_all("rect")) == 13  # 8 to 20; 0 has no length, "*" no bar
    chart_text = " ".join(text.get_text() for text in chart.find_all(["text", "desc"]))
    assert small_numbers_in(re.sub(r"Row \d+", "", chart_text)) == []
    assert "Row 3: not shown (a small number)" in chart.desc.get_text()


def test_no_small_count_reaches_a_csv_for_sharing(fixed_report, world, auth, client):
    fixed_report.sections = (COUNTS,)
    sign_in(auth, world)
    response = client.get(f"/reports/{SLUG}.csv", query_string={"shared": "1"})
    assert response.headers["Content-Disposition"].endswith('-to-2026-11-22-for-sharing.csv"')
    rows = csv_of(response)
    assert ["Figures", "Figures for sharing (small numbers suppressed)"] in rows
    assert ["Suppression rule", RULE] in rows
    figures = [row for row in rows if row and row[0] == "Every count"]
    assert [row[2] for row in figures] == SUPPRESSED_0_TO_20
    assert small_numbers_in(" ".join(" ".join(row[2:]) for row in figures)) == []


def test_the_rule_is_stated_whenever_figures_are_for_sharing(fixed_report, world, auth, client):
    sign_in(auth, world)
    shared = soup_of(client.get(f"/reports/{SLUG}", query_string={"shared": "1"}))
    inset = shared.select_one("main .nhsuk-inset-text")
    assert "Figures for sharing" in inset.get_text()
    assert RULE in inset.get_text()
    assert shared.find("input", id="shared").has_attr("checked")
    # The same report within the service: every figure as it is, and no rule.
    inside = soup_of(client.get(f"/reports/{SLUG}"))
    assert RULE not in inside.get_text()
    assert "Figures for sharing" not in inside.main.get_text()
    assert table_rows(inside, "By source")[1] == ["GP", "9", "0%", "-"]
    assert table_rows(shared, "By source")[1] == ["GP", "10", "0%", "-"]  # 9 rounds to 10


@pytest.mark.parametrize("value", ["0", "yes", "", "2"])
def test_only_shared_1_asks_for_figures_for_sharing(value, fixed_report, world, auth, client):
    sign_in(auth, world)
    soup = soup_of(client.get(f"/reports/{SLUG}", query_string={"shared": value}))
    assert RULE not in soup.get_text()


def test_the_rule_on_the_page_is_the_rule_in_the_code():
    assert suppression.SMALLEST_SHOWN == 8
    assert "Counts of 1 to 7 are shown as *" in RULE
    assert "rounded to the nearest 5" in RULE


@pytest.mark.parametrize("role", [Role.SENIOR_CLINICIAN])
def test_a_senior_clinician_can_ask_for_figures_for_sharing(
    role, fixed_report, world, auth, client
):
    sign_in(auth, world, role)
    soup = soup_of(client.get(f"/reports/{SLUG}", query_string={"shared": "1"}))
    assert RULE in soup.main.get_text()
    assert table_rows(soup, "By source")[0][1] == "25"  # 23 rounds to 25


def test_a_chart_with_nothing_to_draw_is_left_out(fixed_report, world, auth, client):
    fixed_report.sections = (
        Section("Few", ("Source", "Referrals"), (("GP", Count(3)), ("Parent", Count(0))), True),
    )
    sign_in(auth, world)
    assert soup_of(client.get(f"/reports/{SLUG}")).select("main figure svg") != []
    # For sharing, 3 is "*" and 0 has no length: a chart without bars says nothing.
    shared = soup_of(client.get(f"/reports/{SLUG}", query_string={"shared": "1"}))
    assert shared.select("main figure svg") == []
    assert table_rows(shared, "Few") == [["GP", "*"], ["Parent", "0"]]
