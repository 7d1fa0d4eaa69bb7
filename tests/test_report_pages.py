"""The report pages and CSVs, tested with a report made for the tests.

The SQL behind the six reports is tested with its figures in test_report_queries; here a
``ReportSpec`` whose builder returns fixed sections (and records the filters it was given)
tests the pages: the filters, the tables and charts, the CSV, and bad input.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core import time
from mhst.extensions import db
from mhst.reports import queries
from mhst.reports.cells import Count, Days, Rate, Section
from mhst.reports.filters import ReportAccess, ReportFilters
from mhst.reports.queries import ReportSpec
from mhst.reports.views import MOST_BARS

TODAY = date(2026, 11, 22)  # financial year 2026/27 began on 1 April 2026
SLUG = "fixed"
TITLE = "Fixed figures"
SIX_REPORTS = [
    "Referrals",
    "Waiting times",
    "Contacts",
    "Caseloads",
    "Groups and whole-school work",
    "Outcomes",
]

BY_SOURCE = Section(
    "By source",
    ("Source", "Referrals", "Accepted", "Median days to first contact"),
    (
        # 12 of 23 accepted: 52.17...% shown as 52%.
        ("School", Count(23), Rate(12, 23), Days(Decimal("14"), 20)),
        ("GP", Count(9), Rate(0, 9), Days(None, 0)),
    ),
    chart=True,
    note="A child referred twice counts twice.",
)
BY_SCHOOL = Section("By school", ("School", "Referrals"), (("Brook <School>", Count(40)),))


@dataclass
class FixedReport:
    """A report builder that returns ``sections`` and records what it was asked for."""

    sections: tuple[Section, ...] = (BY_SOURCE, BY_SCHOOL)
    calls: list[tuple[ReportFilters, ReportAccess, date]] = field(default_factory=list)

    def build(self, filters, access, today):
        self.calls.append((filters, access, today))
        return self.sections


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(time, "service_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def fixed_report(monkeypatch, today) -> FixedReport:
    fixed = FixedReport()
    monkeypatch.setitem(
        queries.REPORTS, SLUG, ReportSpec(TITLE, "A report made for the tests.", fixed.build)
    )
    return fixed


def dates(start: date, end: date) -> dict[str, str]:
    """The query string of a date range, as the filter form sends it."""
    return {
        "date_from-day": str(start.day),
        "date_from-month": str(start.month),
        "date_from-year": str(start.year),
        "date_to-day": str(end.day),
        "date_to-month": str(end.month),
        "date_to-year": str(end.year),
    }


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def shown_text(cell) -> str:
    """A cell's visible text (without the words only screen readers hear)."""
    cell = BeautifulSoup(str(cell), "html.parser")
    for hidden in cell.select(".nhsuk-u-visually-hidden"):
        hidden.decompose()
    return " ".join(cell.get_text(" ", strip=True).split())


def table_rows(soup, caption: str) -> list[list[str]]:
    found = soup.find("caption", string=re.compile("^" + re.escape(caption)))
    assert found is not None, caption
    return [
        [shown_text(cell) for cell in row.find_all(["th", "td"])]
        for row in found.find_parent("table").tbody.find_all("tr")
    ]


def csv_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))


def query_of(href: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(href).query).items()}


def sign_in(auth, world, role: Role = Role.CLINICAL_LEAD) -> None:
    assert auth.sign_in(world.users[role].email).status_code == 302


# ---- the index ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CLINICAL_LEAD, Role.SENIOR_CLINICIAN, Role.COMMISSIONER])
def test_the_index_lists_the_six_reports_with_this_financial_year(role, world, auth, client, today):
    sign_in(auth, world, role)
    response = client.get("/reports/")
    assert response.status_code == 200
    soup = soup_of(response)
    links = soup.select("main ul.nhsuk-list a")
    assert [link.get_text(strip=True) for link in links] == SIX_REPORTS
    text = soup.main.get_text(" ", strip=True)
    for spec in queries.REPORTS.values():
        assert spec.description in text
    for link, slug in zip(links, queries.REPORTS, strict=True):
        assert urlsplit(link["href"]).path == f"/reports/{slug}"
        # No dates chosen: this financial year to date.
        assert query_of(link["href"]) == dates(date(2026, 4, 1), TODAY)
    assert soup.find("input", id="date_from")["value"] == "1"
    assert soup.find("input", id="date_from-month")["value"] == "4"
    assert soup.find("input", id="date_to")["value"] == "22"


def test_filters_chosen_on_the_index_carry_over_to_every_report(world, auth, client, today):
    sign_in(auth, world)
    chosen = {**dates(date(2026, 9, 1), date(2026, 10, 31)), "area_id": str(world.area_a.id)}
    soup = soup_of(client.get("/reports/", query_string={**chosen, "shared": "1"}))
    for link in soup.select("main ul.nhsuk-list a"):
        assert query_of(link["href"]) == {**chosen, "shared": "1"}


def test_other_reports_on_a_report_page_keep_the_filters(fixed_report, world, auth, client):
    sign_in(auth, world)
    chosen = {**dates(date(2026, 5, 1), date(2026, 6, 30)), "school_id": str(world.school_a1.id)}
    soup = soup_of(client.get(f"/reports/{SLUG}", query_string=chosen))
    others = soup.find("h2", string="Other reports").find_next("ul").find_all("a")
    assert [a.get_text(strip=True) for a in others] == SIX_REPORTS
    assert all(query_of(a["href"]) == chosen for a in others)
    assert query_of(soup.find("a", id="download-csv")["href"]) == chosen


# ---- a report page --------------------------------------------------------------------


def test_a_report_page_shows_each_section_as_a_table_with_a_chart(
    fixed_report, world, auth, client
):
    sign_in(auth, world)
    response = client.get(f"/reports/{SLUG}")
    assert response.status_code == 200
    soup = soup_of(response)
    assert soup.h1.get_text(strip=True) == TITLE
    assert [h2.get_text(strip=True) for h2 in soup.main.find_all("h2")] == [
        "Figures shown",
        "By source",
        "By school",
        "Other reports",
    ]
    assert table_rows(soup, "By source") == [
        ["School", "23", "52%", "14"],
        ["GP", "9", "0%", "-"],
    ]
    # A missing figure is said in words to screen readers.
    assert "no figure" in soup.find("caption", string="By source").find_parent("table").text
    table = soup.find("caption", string="By source").find_parent("table")
    headers = table.thead.find_all("th")
    assert all(th["scope"] == "col" for th in headers)
    assert ["nhsuk-table__header--numeric" in th["class"] for th in headers] == [
        False,
        True,
        True,
        True,
    ]
    first_row = table.tbody.tr
    assert first_row.th["scope"] == "row"
    assert all("nhsuk-table__cell--numeric" in td["class"] for td in first_row.find_all("td"))
    assert "A child referred twice counts twice." in soup.main.get_text()
    # The school's name is text, escaped, never markup.
    assert table_rows(soup, "By school") == [["Brook <School>", "40"]]
    assert "Brook &lt;School&gt;" in response.get_data(as_text=True)


def test_the_chart_is_an_image_described_in_words(fixed_report, world, auth, client):
    sign_in(auth, world)
    soup = soup_of(client.get(f"/reports/{SLUG}"))
    charts = soup.select("main figure svg")
    assert len(charts) == 1  # only the section that asks for a chart has one
    svg = charts[0]
    assert svg["role"] == "img"
    title_id, desc_id = svg["aria-labelledby"].split()
    assert svg.find(id=title_id).get_text() == "By source: Referrals"
    description = svg.find(id=desc_id).get_text()
    assert "School: 23; GP: 9" in description
    assert "The table gives the same figures" in description
    bars = svg.find_all("rect")
    # The bars are as long as their figures: 23 is the longest, 9 is 9/23 of it.
    widths = [float(bar["width"]) for bar in bars]
    assert len(widths) == 2
    assert widths[1] == pytest.approx(widths[0] * 9 / 23, abs=0.1)


@pytest.mark.parametrize(("rows", "charted"), [(MOST_BARS, True), (MOST_BARS + 1, False)])
def test_a_chart_is_drawn_only_while_its_bars_can_be_read(
    rows, charted, fixed_report, world, auth, client
):
    """A bar per row (one per practitioner on the national caseloads report) is drawn
    up to MOST_BARS rows; past that the page says why there is no chart, and the table
    still holds every row."""
    many = Section(
        "Per practitioner",
        ("Practitioner", "Open cases"),
        tuple((f"Practitioner {n}", Count(n + 5)) for n in range(rows)),
        chart=True,
    )
    fixed_report.sections = (many,)
    sign_in(auth, world)
    soup = soup_of(client.get(f"/reports/{SLUG}"))
    assert len(soup.select("main figure svg")) == (1 if charted else 0)
    said = "There are too many rows to draw as a chart" in soup.get_text()
    assert said is not charted
    assert len(table_rows(soup, "Per practitioner")) == rows


def test_the_filters_reach_the_report_and_are_shown(fixed_report, world, auth, client, today):
    sign_in(auth, world)
    chosen = {
        **dates(date(2026, 9, 1), date(2026, 10, 31)),
        "area_id": str(world.area_a.id),
        "team_id": str(world.team_a.id),
        "school_id": str(world.school_a1.id),
    }
    soup = soup_of(client.get(f"/reports/{SLUG}", query_string=chosen))
    filters, access, built_on = fixed_report.calls[-1]
    assert filters == ReportFilters(
        date(2026, 9, 1), date(2026, 10, 31), world.area_a.id, world.team_a.id, world.school_a1.id
    )
    assert access == ReportAccess(team_id=None, always_suppressed=False)
    assert built_on == TODAY
    for select_id, name in (("area_id", "North Area"), ("team_id", "Team A")):
        assert soup.find("select", id=select_id).find("option", selected=True).text == name
    assert soup.find("select", id="school_id").find("option", selected=True).text == "School A1"
    shown = soup.find("dl", id="filters-shown").get_text(" ", strip=True)
    assert shown == (
        "Start date 1 September 2026 End date 31 October 2026 Area North Area "
        "Team Team A School School A1"
    )


def test_without_filters_a_report_covers_this_financial_year_everywhere(
    fixed_report, world, auth, client
):
    sign_in(auth, world)
    assert client.get(f"/reports/{SLUG}").status_code == 200
    assert fixed_report.calls[-1][0] == ReportFilters(date(2026, 4, 1), TODAY)
    # A date left out of the URL takes its default on its own.
    end_only = {"date_to-day": "30", "date_to-month": "6", "date_to-year": "2026"}
    assert client.get(f"/reports/{SLUG}", query_string=end_only).status_code == 200
    assert fixed_report.calls[-1][0] == ReportFilters(date(2026, 4, 1), date(2026, 6, 30))


def test_a_senior_clinician_sees_only_their_team(fixed_report, world, auth, client):
    sign_in(auth, world, Role.SENIOR_CLINICIAN)
    soup = soup_of(client.get(f"/reports/{SLUG}"))
    filters, access, _ = fixed_report.calls[-1]
    assert access == ReportAccess(team_id=world.team_a.id, always_suppressed=False)
    assert filters.team_id == world.team_a.id
    assert [o.text for o in soup.find("select", id="team_id").find_all("option")] == ["Team A"]
    schools = [o.text for o in soup.find("select", id="school_id").find_all("option")]
    assert schools == ["All schools", "School A1", "School A2"]


def test_an_unknown_report_is_not_found(world, auth, client):
    sign_in(auth, world)
    assert client.get("/reports/no-such-report").status_code == 404
    assert client.get("/reports/no-such-report.csv").status_code == 404


# ---- bad input ------------------------------------------------------------------------

BAD_FILTERS = [
    pytest.param(
        dates(date(2026, 10, 1), date(2026, 9, 30)),
        "date_to",
        "The end date must be the same as or after the start date",
        id="ends-before-it-starts",
    ),
    pytest.param(
        {"date_from-day": "31", "date_from-month": "2", "date_from-year": "2026"},
        "date_from",
        "The start date must be a real date",
        id="31-february",
    ),
    pytest.param(
        {"date_to-day": "ab", "date_to-month": "3", "date_to-year": "2026"},
        "date_to",
        "The end date must be a real date, in numbers, like 27 3 2025",
        id="letters",
    ),
    pytest.param(
        {"date_from-day": "1", "date_from-month": "4", "date_from-year": "26"},
        "date_from",
        "The year of the start date must include 4 numbers",
        id="two-digit-year",
    ),
    pytest.param(
        {"date_from-day": "1"},
        "date_from",
        "The start date must include a month and a year",
        id="part-of-a-date",
    ),
    pytest.param(
        {"date_to-day": "", "date_to-month": "", "date_to-year": ""},
        "date_to",
        "Enter the end date",
        id="blank-date",
    ),
    pytest.param(
        {"date_from-day": "1", "date_from-month": "1", "date_from-year": "0001"},
        "date_from",
        "The start date must be 1 January 2000 or later",
        id="year-1",
    ),
    pytest.param(
        {"date_to-day": "31", "date_to-month": "12", "date_to-year": "9999"},
        "date_to",
        "The end date must be 31 December 2099 or earlier",
        id="year-9999",
    ),
    pytest.param({"area_id": "999999"}, "area_id", "Select an area from the list", id="no-area"),
    pytest.param({"team_id": "abc"}, "team_id", "Select a team from the list", id="letters-id"),
    pytest.param({"school_id": "-1"}, "school_id", "Select a school from the list", id="minus"),
    pytest.param({"school_id": "1.5"}, "school_id", "Select a school from the list", id="point"),
    pytest.param({"area_id": "9" * 40}, "area_id", "Select an area from the list", id="huge-id"),
]


def assert_error_page(response, field_id: str, message: str) -> BeautifulSoup:
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    soup = soup_of(response)
    assert soup.title.get_text().startswith("Error: ")
    summary = soup.select_one(".nhsuk-error-summary")
    links = [(a.get_text(strip=True), a["href"]) for a in summary.find_all("a")]
    assert links == [(message, f"#{field_id}")]
    assert soup.find(id=field_id) is not None  # the link goes to the field
    assert message in soup.select_one(".nhsuk-error-message").get_text()
    assert soup.select("main table") == []  # no figures for filters that cannot be used
    return soup


@pytest.mark.parametrize(("args", "field_id", "message"), BAD_FILTERS)
@pytest.mark.parametrize("path", [f"/reports/{SLUG}", f"/reports/{SLUG}.csv", "/reports/"])
def test_bad_filters_get_a_clear_message_and_keep_what_was_typed(
    path, args, field_id, message, fixed_report, world, auth, client
):
    sign_in(auth, world)
    soup = assert_error_page(client.get(path, query_string=args), field_id, message)
    assert fixed_report.calls == []
    for name, value in args.items():
        if "-" in name:  # the date boxes show what was typed
            box_id = name.replace("-day", "")
            assert soup.find("input", id=box_id)["value"] == value
    exports = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)
    ).all()
    assert exports == []


@pytest.mark.parametrize(
    ("name", "message"),
    [("team_id", "Select a team from the list"), ("school_id", "Select a school from the list")],
)
def test_a_senior_clinician_cannot_filter_by_another_team(
    name, message, fixed_report, world, auth, client
):
    sign_in(auth, world, Role.SENIOR_CLINICIAN)
    other = {"team_id": world.team_b.id, "school_id": world.school_b1.id}[name]
    response = client.get(f"/reports/{SLUG}", query_string={name: str(other)})
    assert_error_page(response, name, message)
    assert "School B1" not in response.get_data(as_text=True)
    assert fixed_report.calls == []


# ---- the CSV --------------------------------------------------------------------------


def test_the_csv_states_the_filters_then_each_section_and_is_audited(
    fixed_report, world, auth, client
):
    """The layout: the report and its filters, one per line; then for each section a blank
    line, a heading row ("Section" and the section's columns), and its rows, each with the
    section's title first. A missing figure ("-" on the page) is an empty cell."""
    sign_in(auth, world)
    chosen = {**dates(date(2026, 9, 1), date(2026, 10, 31)), "team_id": str(world.team_a.id)}
    response = client.get(f"/reports/{SLUG}.csv", query_string=chosen)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="fixed-2026-09-01-to-2026-10-31.csv"'
    )
    assert csv_of(response) == [
        ["Report", TITLE],
        ["Start date", "1 September 2026"],
        ["End date", "31 October 2026"],
        ["Area", "All areas"],
        ["Team", "Team A"],
        ["School", "All schools"],
        ["Figures", "All figures, for use within the service only (not suppressed)"],
        [],
        ["Section", "Source", "Referrals", "Accepted", "Median days to first contact"],
        ["By source", "School", "23", "52%", "14"],
        ["By source", "GP", "9", "0%", ""],
        [],
        ["Section", "School", "Referrals"],
        ["By school", "Brook <School>", "40"],
    ]
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)
    ).one()
    assert (event.record_type, event.record_id) == ("report", SLUG)
    assert event.user_id == world.users[Role.CLINICAL_LEAD].id
    assert event.detail.startswith(f"{TITLE} CSV: Start date 1 September 2026")
    assert "Team Team A" in event.detail


def test_the_csv_holds_the_same_figures_as_the_page(fixed_report, world, auth, client):
    sign_in(auth, world)
    for shared in ({}, {"shared": "1"}):
        soup = soup_of(client.get(f"/reports/{SLUG}", query_string=shared))
        rows = csv_of(client.get(f"/reports/{SLUG}.csv", query_string=shared))
        for section in fixed_report.sections:
            in_csv = [row[1:] for row in rows if row and row[0] == section.title]
            on_page = [
                [text if text != "-" else "" for text in row]
                for row in table_rows(soup, section.title)
            ]
            assert in_csv == on_page


def test_csv_labels_cannot_run_as_spreadsheet_formulas(fixed_report, world, auth, client):
    fixed_report.sections = (
        Section("Sneaky", ("School", "Referrals", "Change"), (("=HYPERLINK(1)", Count(8), "x"),)),
    )
    sign_in(auth, world)
    rows = csv_of(client.get(f"/reports/{SLUG}.csv"))
    assert rows[-1] == ["Sneaky", "'=HYPERLINK(1)", "8", "x"]


def test_a_negative_figure_stays_a_number_in_the_csv(fixed_report, world, auth, client):
    from mhst.reports.cells import Score

    fixed_report.sections = (
        Section("Change", ("Measure", "Mean change"), (("RCADS", Score(Decimal("-3.25"), 12)),)),
    )
    sign_in(auth, world)
    rows = csv_of(client.get(f"/reports/{SLUG}.csv"))
    # -3.25 to one place, halves up: -3.3 (a number, not "'-3.3" as a formula guard).
    assert rows[-1] == ["Change", "RCADS", "-3.3"]


# ---- the real reports, and queries ----------------------------------------------------


@pytest.mark.parametrize("slug", list(queries.REPORTS))
@pytest.mark.parametrize("role", [Role.CLINICAL_LEAD, Role.SENIOR_CLINICIAN, Role.COMMISSIONER])
def test_every_report_renders_and_downloads(slug, role, world, auth, client, today):
    sign_in(auth, world, role)
    page = client.get(f"/reports/{slug}")
    assert page.status_code == 200
    assert soup_of(page).h1.get_text(strip=True) == queries.REPORTS[slug].title
    download = client.get(f"/reports/{slug}.csv")
    assert download.status_code == 200
    assert csv_of(download)[0] == ["Report", queries.REPORTS[slug].title]


@pytest.mark.parametrize("slug", list(queries.REPORTS))
def test_a_report_page_adds_a_fixed_number_of_queries_to_its_report(
    slug, world, auth, client, today, count_queries, make_school, make_team, make_area, app
):
    """The page's own queries (the signed-in user, the filter choices, the ids chosen)
    do not grow with the data; the report's SQL is counted, and tested, on its own."""
    sign_in(auth, world)
    chosen = {"area_id": str(world.area_a.id), "school_id": str(world.school_a1.id)}

    def page_minus_report() -> int:
        before = len(count_queries())
        assert client.get(f"/reports/{slug}", query_string=chosen).status_code == 200
        page = len(count_queries()) - before
        with app.test_request_context():
            filters = ReportFilters(
                date(2026, 4, 1), TODAY, world.area_a.id, None, world.school_a1.id
            )
            before = len(count_queries())
            queries.build_report(slug, filters, ReportAccess(None, False), TODAY)
            report = len(count_queries()) - before
        return page - report

    small = page_minus_report()
    for _ in range(15):
        make_school(team=make_team(area=make_area()))
    db.session.commit()
    assert small > 0
    assert page_minus_report() == small


@pytest.mark.parametrize("slug", list(queries.REPORTS))
def test_every_report_works_across_the_widest_range_allowed(slug, world, auth, client):
    sign_in(auth, world)
    widest = dates(date(2000, 1, 1), date(2099, 12, 31))
    assert client.get(f"/reports/{slug}", query_string=widest).status_code == 200
    download = client.get(f"/reports/{slug}.csv", query_string={**widest, "shared": "1"})
    assert download.status_code == 200
    assert ["End date", "31 December 2099"] in csv_of(download)
