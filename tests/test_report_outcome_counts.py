"""The outcomes report read from its monthly summary (``outcome_count``) gives the same
figures as the pairs read and judged one by one, for any dates; a measure definition
changed since the summary was kept is applied; and a report over whole months reads a
row per measure whatever the number of pairs. On both databases, with the hand-made
data set of ``test_report_figures``."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from mhst.extensions import db
from mhst.outcomes.definition_loader import available_measures
from mhst.reports import outcome_facts
from mhst.reports.fact_models import OutcomeCount
from mhst.reports.facts import recompute_all
from mhst.reports.filters import ReportFilters
from mhst.reports.outcome_figures import outcome_rows
from mhst.reports.queries import build_report
from tests.report_facts_check import assert_summaries_match_raw_rows, summaries
from tests.test_report_figures import (
    FROM,
    LEAD,
    TEST_MEASURE,
    TODAY,
    ReportData,
    build_hand_made,
    q,
    table,
)

TITLE = "Paired outcomes by measure"
DAYS = st.integers(min_value=0, max_value=200)  # from 1 March 2025: March to September


@pytest.fixture
def data(make_area, make_team, make_school, make_user, tmp_path, monkeypatch, app):
    """test_report_figures' hand-made data set, with its test measure loaded."""
    (tmp_path / "tst.json").write_text(json.dumps(TEST_MEASURE), encoding="utf-8")
    monkeypatch.setitem(app.config, "MEASURES_DIR", str(tmp_path))
    built = ReportData(make_area, make_team, make_school, make_user)
    build_hand_made(built)
    return built


def outcomes(date_from: date, date_to: date, **filters) -> list[tuple]:
    built = build_report("outcomes", ReportFilters(date_from, date_to, **filters), LEAD, TODAY)
    return table(built, TITLE)


def from_the_pairs(date_from: date, date_to: date, **filters) -> list[tuple]:
    """The report with every summary row marked as judged by another definition, so
    that every pair is read and judged one by one (inside a savepoint rolled back)."""
    savepoint = db.session.begin_nested()
    db.session.execute(update(OutcomeCount).values(definition="changed"))
    try:
        return outcomes(date_from, date_to, **filters)
    finally:
        savepoint.rollback()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(start=DAYS, length=DAYS, school=st.sampled_from([None, "s1", "s2"]))
def test_the_summary_gives_the_figures_of_the_pairs_for_any_dates(data, start, length, school):
    date_from = date(2025, 3, 1) + timedelta(days=start)
    date_to = date_from + timedelta(days=length)
    filters = {} if school is None else {"school_id": getattr(data, school).id}
    assert outcomes(date_from, date_to, **filters) == from_the_pairs(date_from, date_to, **filters)


def test_the_whole_period_has_pairs_to_compare(data):
    """The property above compares figures that are there: the summary holds rows for
    the hand-made pairs, and both ways give test_outcomes' figures."""
    assert assert_summaries_match_raw_rows()
    expected = outcomes(FROM, date(2025, 6, 30))
    assert [row[:2] for row in expected] == [
        ("Goal Based Outcomes (GBO)", 4),
        ("OLD (definition not loaded)", 1),
        ("Test worry scale (TST)", 3),
    ]
    assert from_the_pairs(FROM, date(2025, 6, 30)) == expected


def test_a_definition_changed_since_the_summary_was_kept_is_applied(data, tmp_path):
    # TST's reliable change 5 -> 1: R2 (12 -> 10) and R13 (6 -> 4) now improve reliably
    # too, so improvement is 3/3 (test_outcomes: 1/3 with the shipped file).
    changed = {**TEST_MEASURE, "reliable_change": {"total": 1}}
    (tmp_path / "tst.json").write_text(json.dumps(changed), encoding="utf-8")
    assert available_measures()["TST"].scale("total").reliable_change == 1
    tst = outcomes(FROM, date(2025, 6, 30))[2]
    assert tst == ("Test worry scale (TST)", 3, (3, 3), (0, 3), (1, 2), (q("11"), 3), tst[6])
    # The nightly rebuild judges the summary's rows with the new file: the same figures.
    recompute_all()
    assert outcomes(FROM, date(2025, 6, 30))[2] == tst


def test_a_report_over_whole_months_reads_a_row_per_measure(data):
    """Three whole months: the one query returns one row per measure (the summary's
    sums), not a row per pair and scale, with the hand-made data once or four times."""
    filters = ReportFilters(FROM, date(2025, 6, 30))

    def codes_read() -> list[str]:
        rows = db.session.execute(outcome_rows(filters, LEAD, available_measures()))
        return sorted(row[0] for row in rows)

    assert codes_read() == ["GBO", "OLD", "TST"]
    paired = outcomes(FROM, date(2025, 6, 30))
    for _ in range(3):
        build_hand_made(data)
    assert codes_read() == ["GBO", "OLD", "TST"]
    assert [row[1] for row in outcomes(FROM, date(2025, 6, 30))] == [4 * r[1] for r in paired]


def test_batches_of_one_school_or_key_give_the_same_rows(data, monkeypatch):
    recompute_all()
    rows = summaries()["outcome_count"]
    assert len({row[1] for row in rows}) >= 2  # more than one school: several batches
    monkeypatch.setattr(outcome_facts, "SCHOOLS_PER_BATCH", 1)
    monkeypatch.setattr(outcome_facts, "KEYS_PER_BATCH", 1)
    recompute_all()
    assert summaries()["outcome_count"] == rows
    keys = [(row[1], row[0]) for row in rows]
    outcome_facts.recompute_outcomes(db.session.connection(), keys)
    assert summaries()["outcome_count"] == rows
