"""The commissioner's view of the rollout (/rollout/summary): the rollout figures always
with small-number suppression (mhst/reports/suppression.py RULE), no school named, and
its CSV suppressed the same way and audited."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.extensions import db
from mhst.need.models import SchoolNeed
from mhst.reports.cells import Count, Rate
from mhst.reports.rollout_summary import readings, summary_sections
from mhst.reports.suppression import RULE, is_small, shown_rows
from mhst.rollout.figures import SchoolRow, compute_rollout
from mhst.rollout.need import NeedRow, need_coverage
from mhst.schools.models import ParticipationStatus as S
from tests.test_rollout_need import SCHOOLS, need_data  # noqa: F401 - a fixture

TODAY = date(2026, 11, 22)
FIGURE = re.compile(r"\*|-|[0-9]+|[0-9]+%|[0-9]+\.[0-9]%")


def sections_for(schools: list[tuple[int, int | None, Decimal | None, int, S]]):
    """The summary's sections (as shown) for (area, decile, FSM %, pupils, status) rows."""
    rollout = compute_rollout(
        areas=[(1, "North"), (2, "South")],
        schools=[
            SchoolRow(number, f"S{number}", area, pupils, status)
            for number, (area, _, _, pupils, status) in enumerate(schools)
        ],
        events=[],
        first_cohort_year=2026,
        today=TODAY,
        target_year=2029,
    )
    need = need_coverage(
        NeedRow.school(area, decile, fsm, pupils, status in {S.ACTIVE, S.PAUSED})
        for area, decile, fsm, pupils, status in schools
    )
    return summary_sections(rollout, need), need


SCHOOL = st.tuples(
    st.sampled_from([1, 2]),
    st.one_of(st.none(), st.integers(1, 10)),
    st.one_of(st.none(), st.integers(0, 1000).map(lambda n: Decimal(n) / 10)),
    st.integers(0, 60),
    st.sampled_from(list(S)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(SCHOOL, max_size=60))
def test_no_small_count_and_no_school_is_ever_shown(schools):
    sections, need = sections_for(schools)
    names = {f"S{number}" for number in range(len(schools))}
    for section in sections:
        shown = shown_rows(section, suppressed=True)
        for cells, texts in zip(section.rows, shown, strict=True):
            assert texts[0] not in names  # no school named
            for cell, text in zip(cells[1:], texts[1:], strict=True):
                assert FIGURE.fullmatch(text), text
                if isinstance(cell, Count):
                    # Small counts hidden; the others rounded to the nearest 5.
                    assert (
                        text == "*"
                        if is_small(cell.value)
                        else text in {"*", "0"} or (int(text) % 5 == 0)
                    )
                if isinstance(cell, Rate) and any(
                    is_small(n)
                    for n in (cell.numerator, cell.denominator, cell.denominator - cell.numerator)
                ):
                    assert text == "*"
    # A reading gives percentages only when neither side has a small count.
    deprived, rest = need.deprivation_sides()
    sides = [deprived, rest]
    reading = readings(need)[0]
    if any(
        is_small(n) for side in sides for n in (side.schools, side.schools_covered,
                                                 side.schools - side.schools_covered)
    ):  # fmt: skip
        assert "%" not in reading.replace("30%", "")


def test_a_lone_small_area_is_hidden_with_its_neighbour():
    # North: 40 schools, 20 covered; South: 3 schools, 1 covered. South's 3 is small;
    # its column's total (43, shown as 45 for all areas) would give it back from North's
    # 40, so North's is hidden too (complementary suppression).
    schools = [(1, 1, None, 100, S.ACTIVE if n < 20 else S.NOT_PARTICIPATING) for n in range(40)]
    schools += [(2, 9, None, 50, S.ACTIVE if n < 1 else S.LEFT) for n in range(3)]
    sections, _ = sections_for(schools)
    titles = [section.title for section in sections]
    by_area = shown_rows(sections[titles.index("Coverage today by area")], suppressed=True)
    assert [row[:3] for row in by_area] == [["North", "*", "*"], ["South", "*", "*"]]
    total = shown_rows(sections[0], suppressed=True)
    # All areas: 43 -> 45 schools, 21 -> 20 covered, 20/45 = 44%; 4150 pupils, 2050 covered.
    assert total == [["All areas", "45", "20", "44%", "4150", "2050", "49%"]]


def test_the_commissioner_sees_suppressed_figures_and_no_school(
    need_data,  # noqa: F811
    auth,
    client,
    make_user,
):
    make_user(Role.COMMISSIONER, email="commissioner@rollout.example")
    auth.sign_in("commissioner@rollout.example")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/rollout/summary/"' in home  # in the commissioner's navigation
    response = client.get("/rollout/summary/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    assert RULE in " ".join(soup.get_text(" ").split())
    for name in SCHOOLS:
        assert f"School {name}" not in html
    # Ten schools, five covered: 10 is shown, 5 is small; decile 1's 2 schools hidden.
    cells = [
        [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
        for row in soup.find("caption", string=re.compile("^Coverage today: all areas"))
        .find_parent("table")
        .tbody.find_all("tr")
    ]
    assert cells[0][:3] == ["All areas", "10", "* (a small number, not shown)"]
    # 2,100 pupils on roll (a multiple of 5 already), shown with a thousands separator.
    assert cells[0][4] == "2,100"
    decile_rows = (
        soup.find("caption", string=re.compile("^Coverage by deprivation decile"))
        .find_parent("table")
        .tbody.find_all("tr")
    )
    assert decile_rows[0].find("td").get_text(" ", strip=True).startswith("*")
    assert "Too few schools" in soup.get_text()
    # The lead's pages stay closed to the commissioner.
    assert client.get("/rollout/").status_code == 403
    assert client.get("/rollout/need.csv").status_code == 403


def test_the_commissioners_csv_is_suppressed_and_audited(
    need_data,  # noqa: F811
    auth,
    client,
    make_user,
):
    user = make_user(Role.COMMISSIONER, email="commissioner@rollout.example")
    auth.sign_in("commissioner@rollout.example")
    response = client.get("/rollout/summary/rollout-summary.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    table = list(csv.reader(io.StringIO(text)))
    assert ["Suppression rule", RULE] in table
    for name in SCHOOLS:
        assert f"School {name}" not in text
    decile_1 = next(row for row in table if row[:2][1:] == ["1"] and "decile" in row[0])
    assert decile_1[2:4] == ["*", "*"]  # 2 schools, 2 covered: small
    assert next(row for row in table if row[:1] == ["Coverage today: all areas"])[:4] == [
        "Coverage today: all areas",
        "All areas",
        "10",
        "*",
    ]
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)
    ).one()
    assert (event.record_type, event.user_id) == ("rollout", user.id)
    assert event.detail == "rollout summary CSV for sharing: All areas"


def test_the_summary_runs_a_fixed_number_of_queries(
    need_data,  # noqa: F811
    auth,
    client,
    make_user,
    make_school,
    count_queries,
):
    make_user(Role.COMMISSIONER, email="commissioner@rollout.example")
    auth.sign_in("commissioner@rollout.example")

    def queries_for(path):
        before = len(count_queries())
        assert client.get(path).status_code == 200
        return len(count_queries()) - before

    paths = ("/rollout/summary/", "/rollout/summary/rollout-summary.csv")
    small = {path: queries_for(path) for path in paths}
    for number in range(20):
        school = make_school(urn=f"{990000 + number:06d}")
        school.participation_status = S.ACTIVE
        db.session.flush()
        db.session.add(SchoolNeed(school_id=school.id, imd_decile=2, fsm_percent=50))
    db.session.commit()
    assert all(count > 0 for count in small.values())
    assert {path: queries_for(path) for path in paths} == small
