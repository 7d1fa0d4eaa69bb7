"""The indexes of migrations 0022, 0023 and 0030 are usable by the queries they were made for.

A partial index serves a query only if the query's own WHERE implies the index's: the
statements the code sends (captured as sent, parameters and all) are explained, with
sequential scans and whole-index reads priced out on PostgreSQL, and the plan must name
the index. A query whose condition drifted from the index's (dropped, or a status added
to the index only) would plan without it and fail here. (The code states the conditions
as SQL literals, not parameters, so that a prepared statement's generic plan can use the
index too.) On PostgreSQL only: the national service runs on it, and SQLite's planner
(no statistics) picks its own way; the migrations' tests build the indexes on both."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import event

from mhst.accounts.models import Role
from mhst.extensions import db
from mhst.referrals import risk_reviews
from mhst.referrals.child_models import Child
from mhst.referrals.child_records import possible_duplicate
from mhst.referrals.models import SIGNPOSTING_EVENTS
from mhst.referrals.summary import referral_counts
from mhst.reports import activity_figures
from mhst.reports.filters import ReportAccess, ReportFilters


@pytest.fixture
def backend() -> str:
    """These tests' ``app`` is on PostgreSQL (see the module docstring)."""
    return "postgresql"


def _sent(run) -> list[tuple[str, object]]:
    seen = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    return [  # the queries under test, not the signed-in user's loads
        (statement, parameters)
        for statement, parameters in seen
        if statement.startswith(("SELECT", "WITH")) and "FROM user_account" not in statement
    ]


def _plan(statement: str, parameters) -> str:
    connection = db.session.connection()
    assert connection.dialect.name == "postgresql"
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # as if the tables were big:
    connection.exec_driver_sql("SET LOCAL enable_indexscan = off")  # nor a whole index read
    rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
    return "\n".join(str(row[0]) for row in rows)


def _plans_using(index: str, statements) -> int:
    return sum(index in _plan(statement, parameters) for statement, parameters in statements)


def test_the_signposting_index_lists_the_reports_signposting_statuses():
    listed = set(re.findall(r"'(\w+)'", SIGNPOSTING_EVENTS))
    assert listed == {status.value for status, _label in activity_figures.SIGNPOSTING}


def test_the_activity_reports_signposting_reads_the_partial_index(app, make_user):
    user = make_user(Role.CLINICAL_LEAD)
    db.session.commit()
    filters = ReportFilters(date(2026, 4, 1), date(2026, 11, 30))
    access = ReportAccess.for_user(user)
    sent = _sent(lambda: activity_figures._signposting(filters, access))
    assert len(sent) == 1
    assert _plans_using("ix_referral_event_signposting", sent) == 1


@pytest.mark.parametrize("role", [Role.CLINICAL_LEAD, Role.SENIOR_CLINICIAN])
def test_the_leads_home_reads_unreviewed_risk_through_the_partial_index(
    app, make_user, make_team, role
):
    user = make_user(role, team=make_team())
    db.session.commit()
    sent = _sent(lambda: risk_reviews.waiting_reviews(user))
    assert len(sent) == 1
    assert _plans_using("ix_referral_risk_unreviewed", sent) == 1


def test_the_clinical_leads_home_counts_unreviewed_risk_through_the_partial_index(app, make_user):
    """The whole service's counts (a senior clinician's are one team's, by school)."""
    user = make_user(Role.CLINICAL_LEAD)
    db.session.commit()
    counted = _sent(lambda: referral_counts(user))
    assert len(counted) == 1
    assert "ix_referral_risk_unreviewed" in _plan(*counted[0])


def test_a_childs_possible_duplicates_are_found_through_the_partial_index(app):
    """The referral page's look-up of the records flagged as possibly the same child (a
    handful among a million children). The child page's (``possible_duplicates``, also
    limited by scope) plans through it at national size (a BitmapOr with the child's
    id); on empty tables the planner prefers another index, so it is not asserted."""
    child = Child(id=123456)  # the look-ups need only its id and its own flag (none)
    sent = _sent(lambda: possible_duplicate(child))
    assert len(sent) == 1
    assert "ix_child_possible_duplicate_of_id" in _plan(*sent[0])


def test_a_search_by_date_of_birth_alone_reads_its_index(app, world):
    """ix_child_identity leads with the name: without ix_child_date_of_birth a search by
    date of birth alone read every entry of it (73 ms at national size, 0.75 ms with it).
    The world's children analysed, so that "not merged" (true of nearly every child) is
    known to select nearly everything."""
    from mhst.children.queries import bounded_count, search_statement

    user = world.users[Role.CLINICAL_LEAD]
    db.session.commit()
    db.session.connection().exec_driver_sql("ANALYZE child")
    stmt = search_statement(user, text=None, date_of_birth=date(2014, 3, 15))
    sent = _sent(lambda: bounded_count(stmt))
    assert len(sent) == 1
    assert _plans_using("ix_child_date_of_birth", sent) == 1


def test_the_public_school_search_reads_the_trigram_index(app, make_school):
    """The public list's search by part of a name (migration 0030_public_search): without
    ix_school_name_trgm a search matching few schools or none read the whole A-to-Z
    index (67 ms at national size, 7 ms with it: bench/README.md, "Public pages").
    5,000 active schools, analysed: on a handful the status index is cheaper."""
    from sqlalchemy import text

    from mhst.public import queries

    school = make_school("Oakfield Primary School")
    db.session.execute(
        text(
            "INSERT INTO school (version, name, urn, area_id, participation_status) "
            "SELECT 1, 'Hill School ' || g, lpad((200000 + g)::text, 6, '0'), :area, 'active' "
            "FROM generate_series(1, 5000) AS g"
        ),
        {"area": school.area_id},
    )
    db.session.commit()
    connection = db.session.connection()
    connection.exec_driver_sql("ANALYZE school")
    # the insert sits in the index's pending list (as VACUUM would, in a transaction)
    connection.exec_driver_sql("SELECT gin_clean_pending_list('ix_school_name_trgm')")
    search = queries.read_search({"q": "field prim"}, ("q", "area", "phase"))
    sent = _sent(lambda: queries.schools_page(search, [], {}))
    assert len(sent) == 1
    assert _plans_using("ix_school_name_trgm", sent) == 1, _plan(*sent[0])
