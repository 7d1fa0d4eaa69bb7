"""Time the service-wide lists' pages at national size: keyset against OFFSET.

Not a test: run it by hand (see bench/README.md)::

    .venv/bin/python bench/bench_lists.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/mhst

It creates a fresh PostgreSQL database (named after the URL's, with a random suffix,
dropped afterwards), builds it with the migrations and loads, with INSERT ... SELECT
generate_series: 650 teams, 24,000 schools, ``--referrals`` referrals (default 1.2
million; received over four years, every status) and ``--audit`` audit events (default
5 million; one in ten a list page's event naming 25 records). Every referral copies one
made through the domain layer (one child: the lists join the child by primary key).

For the referral list (the clinical lead's: the whole service), the audit log and the
school register it times the first, second and last page as the views fetch them
(``mhst.core.keyset.paginate``), and the first and last page the old way (COUNT(*) and
OFFSET, ``db.paginate``): median of ``--repeats`` runs, in milliseconds, with the
number of SQL statements. It also times the service-wide waiting list's first and last
page and counts, the audit log filtered by a record (alone or in a list page's event,
through the GIN index), and the clinical lead's home counts, bounded and not.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import joinedload, lazyload  # noqa: E402

import mhst.models  # noqa: E402, F401  (every mapper, before the views' modules below)
from config import TestConfig  # noqa: E402
from mhst import create_app  # noqa: E402
from mhst.accounts.models import Role, User  # noqa: E402
from mhst.admin.audit_views import NEWEST_FIRST as AUDIT_ORDER  # noqa: E402
from mhst.admin.audit_views import ONE_RECORD_NEWEST_FIRST  # noqa: E402
from mhst.audit.models import AuditEvent  # noqa: E402
from mhst.audit.operations import names_record  # noqa: E402
from mhst.core import keyset  # noqa: E402
from mhst.extensions import db  # noqa: E402
from mhst.migrate import upgrade  # noqa: E402
from mhst.referrals import queries, summary  # noqa: E402
from mhst.referrals.models import Referral  # noqa: E402
from mhst.referrals.record_views import NEWEST_FIRST as REFERRAL_ORDER  # noqa: E402
from mhst.schools.models import ParticipationStatus, School  # noqa: E402
from mhst.schools.views import A_TO_Z  # noqa: E402
from mhst.security import scoping  # noqa: E402
from tests.conftest import new_referral, new_school, new_team, new_user  # noqa: E402

STATUSES = (
    "ARRAY['awaiting_consent','ready_for_triage','accepted','allocated','in_treatment',"
    "'discharged']"
)


def _copy_rows(table: str, template_id: int, count: int, overrides: dict[str, str]) -> None:
    """``count`` copies of row ``template_id`` of ``table``, with SQL ``overrides`` (in
    terms of ``g``, 1..count) for some columns."""
    columns = [c.name for c in db.metadata.tables[table].columns if c.name != "id"]
    values = [overrides.get(c, f"t.{c}") for c in columns]
    db.session.execute(
        text(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "  # noqa: S608
            f"FROM generate_series(1, {count}) AS g, {table} AS t WHERE t.id = {template_id}"
        )
    )


def load(referrals: int, audit_events: int) -> User:
    team = new_team("Bench team")
    _copy_rows("team", team.id, 649, {"name": "'Team ' || g"})
    school = new_school("Bench school", team)
    school.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    _copy_rows(
        "school",
        school.id,
        23_999,
        {
            "name": "'School ' || md5(g::text)",
            "urn": "lpad((100000 + g)::text, 6, '0')",
            "team_id": f"{team.id} + g % 650",
        },
    )
    lead = new_user(Role.CLINICAL_LEAD)
    senior = new_user(Role.SENIOR_CLINICIAN, team=team)
    template = new_referral(school, by=senior)
    _copy_rows(
        "referral",
        template.id,
        referrals,
        {
            "school_id": f"{school.id} + g % 24000",
            "received_on": "DATE '2026-12-01' - (g % 1460)",
            "status": f"({STATUSES})[1 + g % 6]",
        },
    )
    _copy_audit(lead, audit_events)
    db.session.commit()
    return lead


def _copy_audit(lead: User, count: int) -> None:
    db.session.execute(
        text(
            "INSERT INTO audit_event (occurred_at, user_id, actor, action, record_type, "
            "record_id, record_ids) SELECT TIMESTAMPTZ '2024-12-01' + g * INTERVAL '10 seconds', "
            ":user, :actor, 'read', 'referral', "
            "CASE WHEN g % 10 = 0 THEN NULL ELSE (g % 1000000)::text END, "
            "CASE WHEN g % 10 = 0 THEN ARRAY(SELECT ((g + k) % 1000000)::text "
            "FROM generate_series(1, 25) AS k) END "
            "FROM generate_series(1, :count) AS g"
        ),
        {"user": lead.id, "actor": lead.email, "count": count},
    )


def median_and_count(fetch, repeats: int, statements: list) -> str:
    """``median ms | statements`` of ``repeats`` runs of ``fetch`` (``statements``: the
    list a ``before_cursor_execute`` listener appends to)."""
    runs, counts = [], []
    for _ in range(repeats):
        db.session.expunge_all()
        before = len(statements)
        start = time.perf_counter()
        fetch()
        runs.append((time.perf_counter() - start) * 1000)
        counts.append(len(statements) - before)
    return f"{statistics.median(runs):.1f} | {max(counts)}"


def timed(label: str, fetch, repeats: int, statements: list) -> None:
    print(f"| {label} | {median_and_count(fetch, repeats, statements)} |")


def measure(lead: User, repeats: int) -> None:
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    lists = {
        "Referral list (clinical lead)": (
            select(Referral).where(scoping.scope(lead, Referral)),
            REFERRAL_ORDER,
            [
                joinedload(Referral.child),
                joinedload(Referral.school),
                lazyload(Referral.need_links),
                lazyload(Referral.risk_links),
            ],
        ),
        "Audit log": (select(AuditEvent), AUDIT_ORDER, []),
        "School register": (select(School), A_TO_Z, [joinedload(School.area)]),
    }
    print("| Page | median ms | SQL statements |\n|---|---|---|")
    for name, (stmt, keys, options) in lists.items():
        first = keyset.paginate(stmt, keys, {}, options=options)

        def page(args, stmt=stmt, keys=keys, options=options):
            return keyset.paginate(stmt, keys, args, options=options)

        timed(f"{name}: first page", lambda page=page: page({}), repeats, statements)
        second = {"after": str(first.last_item_id)}
        timed(f"{name}: next page", lambda p=page, a=second: p(a), repeats, statements)
        timed(f"{name}: last page", lambda p=page: p({"page": "last"}), repeats, statements)
        ordered = stmt.order_by(*(key.ordered(False) for key in keys)).options(*options)
        old = db.paginate(ordered, page=1, per_page=25, error_out=False)
        for label, number in (("first", 1), ("last", max(old.pages, 1))):
            timed(
                f"{name}: {label} page by COUNT(*) and OFFSET",
                lambda o=ordered, n=number: db.paginate(o, page=n, per_page=25, error_out=False),
                repeats,
                statements,
            )
    _others(lead, repeats, statements)


def _others(lead: User, repeats: int, statements: list) -> None:
    """The waiting list, the audit log's record filter and the clinical lead's home counts."""
    for label, args in (("first", {}), ("last", {"page": "last"})):
        timed(
            f"Waiting list (clinical lead, 50 a page): {label} page",
            lambda a=args: queries.waiting_list(lead, a),
            repeats,
            statements,
        )
    timed(
        "Waiting list: waiting and over-4-weeks counts",
        lambda: queries.waiting_counts(lead),
        repeats,
        statements,
    )
    record_filter = select(AuditEvent).where(
        AuditEvent.record_type == "referral", names_record("123456")
    )
    for label, order in (("", ONE_RECORD_NEWEST_FIRST), (" in index order (before)", AUDIT_ORDER)):
        timed(
            f"Audit log filtered by record 123456 (record_id or record_ids){label}: first page",
            lambda o=order: keyset.paginate(record_filter, o, {}, per_page=50),
            repeats,
            statements,
        )
    timed(
        "Clinical lead's home: referral counts, bounded at 1,000",
        lambda: summary.referral_counts(lead),
        repeats,
        statements,
    )
    timed(
        "Clinical lead's home: the same counts unbounded (before)",
        lambda: db.session.execute(
            select(*(func.count().filter(c) for c in summary._conditions(date.today())))
        ).one(),
        repeats,
        statements,
    )


@contextmanager
def fresh_database(database_url: str, suffix: str, load: Callable[[], object]) -> Iterator:
    """In a new PostgreSQL database named after ``database_url``'s (``suffix`` and a random
    hex), built by the migrations: ``load()`` it, VACUUM ANALYZE, and yield the app (in
    an app and request context) with what ``load`` returned. The database is dropped
    afterwards, even after an error."""
    url = make_url(database_url)
    name = f"{url.database}_{suffix}_{secrets.token_hex(3)}"
    admin_dsn = url.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        uri = url.set(database=name).render_as_string(False)
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=uri)
        with app.app_context(), app.test_request_context():
            upgrade()
            start = time.perf_counter()
            loaded = load()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
            print(f"Loaded in {time.perf_counter() - start:.0f} s ({date.today()})\n")
            yield app, loaded
            db.session.remove()
            db.engine.dispose()
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--referrals", type=int, default=1_200_000)
    parser.add_argument("--audit", type=int, default=5_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    with fresh_database(
        options.database_url, "lists", lambda: load(options.referrals, options.audit)
    ) as (_app, lead):
        measure(lead, options.repeats)


if __name__ == "__main__":
    main()
