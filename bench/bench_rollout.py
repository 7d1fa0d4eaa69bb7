"""Time the rollout report's figures at national size: 24,000 schools in 150 areas, with
their participation history, need indicators and planned cohorts. Not a test: run it by
hand (see bench/README.md)::

    .venv/bin/python bench/bench_rollout.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/mhst [--repeats 7]

A new PostgreSQL database is created (named after the URL's, with a random suffix),
built by the migrations, filled with invented schools, timed and dropped. Times are the
median of ``--repeats`` runs, in milliseconds, each with its number of SQL statements:
the figures as the views load them (``load_rollout``, ``need_rows`` and the pure
functions over them) and the whole views (pages and CSVs) in a request context, signed in.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from bench_school_import import fresh_database  # also puts the repository on sys.path
from flask import g
from sqlalchemy import event, insert, select

from config import TestConfig
from mhst import create_app
from mhst.accounts.models import Role, User
from mhst.cohorts.models import Cohort
from mhst.extensions import db
from mhst.migrate import upgrade
from mhst.need.models import SchoolNeed
from mhst.organisation.models import ServiceArea
from mhst.reports import rollout_views as summary_views
from mhst.reports.rollout_summary import summary_sections
from mhst.rollout import need_queries, queries
from mhst.rollout import views as rollout_views
from mhst.rollout.need import coverage_by_area, need_coverage
from mhst.schools.models import ParticipationEvent, School
from mhst.schools.models import ParticipationStatus as S

SCHOOLS, AREAS = 24_000, 150
# Each school's history, picked by its number: (status moved to, days after 1 Sep 2021).
HISTORIES = (
    (),
    ((S.INTEREST_REGISTERED, 700),),
    ((S.ASSIGNED_TO_COHORT, 300), (S.ONBOARDING, 330), (S.ACTIVE, 380)),
    ((S.ASSIGNED_TO_COHORT, 900), (S.ONBOARDING, 930), (S.ACTIVE, 1000)),
    ((S.ASSIGNED_TO_COHORT, 50), (S.ACTIVE, 120), (S.PAUSED, 800), (S.ACTIVE, 900)),
    ((S.ASSIGNED_TO_COHORT, 1500),),
    ((S.ASSIGNED_TO_COHORT, 100), (S.ACTIVE, 200), (S.LEFT, 1100)),
    ((S.INTEREST_REGISTERED, 1200), (S.ASSIGNED_TO_COHORT, 1880), (S.ONBOARDING, 1890)),
)
START = datetime(2021, 9, 1, 9, tzinfo=UTC)


def load(area_ids: list[int], cohort_ids: list[int]) -> None:
    schools, events, needs = [], [], []
    for number in range(SCHOOLS):
        history = HISTORIES[number % len(HISTORIES)]
        status = history[-1][0] if history else S.NOT_PARTICIPATING
        planned = status in {S.ASSIGNED_TO_COHORT, S.ONBOARDING}
        schools.append(
            {
                "id": number + 1,
                "version": 1,
                "name": f"Bench school {number:05d}",
                "urn": f"{100000 + number:06d}",
                "area_id": area_ids[number % AREAS],
                "pupils_on_roll": None if number % 97 == 0 else 100 + (number * 37) % 1400,
                "participation_status": status,
                "cohort_id": cohort_ids[number % len(cohort_ids)] if planned else None,
            }
        )
        previous = S.NOT_PARTICIPATING
        for to_status, days in history:
            events.append(
                {
                    "school_id": number + 1,
                    "from_status": previous,
                    "to_status": to_status,
                    "occurred_at": START + timedelta(days=days, minutes=number % 600),
                }
            )
            previous = to_status
        if number % 10:  # one school in ten has no need figures
            needs.append(
                {
                    "school_id": number + 1,
                    "imd_decile": None if number % 23 == 0 else 1 + (number * 7) % 10,
                    "fsm_percent": None if number % 19 == 0 else (number * 13) % 600 / 10,
                    "updated_at": START,
                }
            )
    db.session.execute(insert(School.__table__), schools)
    db.session.execute(insert(ParticipationEvent.__table__), events)
    db.session.execute(insert(SchoolNeed.__table__), needs)
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()


def median(work, repeats: int, statements: list) -> tuple[float, int]:
    times, counts = [], []
    for _ in range(repeats):
        db.session.expunge_all()
        before = len(statements)
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
        counts.append(len(statements) - before)
    return statistics.median(times), max(counts)


def run(database_url: str, repeats: int) -> None:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        upgrade()
        areas = [ServiceArea(name=f"Bench area {n:03d}") for n in range(AREAS)]
        cohorts = [
            Cohort(name=f"Bench wave {year}", academic_year=year, go_live_date=date(year, 9, 8))
            for year in range(2021, 2029)
        ]
        users = [
            User(
                email=f"{role.value}@bench.example",
                full_name=f"Bench {role.value}",
                role=role,
                password_hash="!unusable",  # noqa: S106 - signed in by the session below
                session_version=1,
            )
            for role in (Role.CLINICAL_LEAD, Role.COMMISSIONER)
        ]
        db.session.add_all([*areas, *cohorts, *users])
        db.session.commit()
        started = time.perf_counter()
        load([a.id for a in areas], [c.id for c in cohorts])
        print(f"loaded {SCHOOLS} schools in {time.perf_counter() - started:.1f} s")
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        area_list = queries.areas()
        work = {
            "load_rollout (figures of every area)": lambda: queries.load_rollout(area_list),
            "need_rows (one grouped query)": need_queries.need_rows,
            "coverage by need, every area": lambda: coverage_by_area(need_queries.need_rows()),
            "commissioner's sections": lambda: summary_sections(
                queries.load_rollout(area_list), need_coverage(need_queries.need_rows())
            ),
        }
        results = [(label, *median(fn, repeats, statements)) for label, fn in work.items()]
        lead, commissioner = (
            db.session.scalar(select(User).where(User.role == role))
            for role in (Role.CLINICAL_LEAD, Role.COMMISSIONER)
        )
        pages = [
            (lead, "/rollout/", rollout_views.index),
            (lead, f"/rollout/?area={area_list[0][0]}", rollout_views.index),
            (lead, "/rollout/rollout.csv", rollout_views.download),
            (lead, "/rollout/need.csv", rollout_views.need_download),
            (commissioner, "/rollout/summary/", summary_views.index),
            (commissioner, "/rollout/summary/rollout-summary.csv", summary_views.download),
        ]
        for user, path, view in pages:

            def page(user=user, path=path, view=view):
                # The view in a request context, signed in (flask_login's request user),
                # as tests/bench_report_pages.py does; a CSV's audit row is committed.
                with app.test_request_context(path):
                    g._login_user = db.session.merge(user)
                    response = view()
                    body = response[0] if isinstance(response, tuple) else response
                    assert body, path

            results.append((f"view {path}", *median(page, repeats, statements)))
        db.session.remove()
        db.engine.dispose()
    print(f"| what | median ms (of {repeats}) | statements |")
    print("|---|---|---|")
    for label, ms, count in results:
        print(f"| {label} | {ms:.0f} | {count} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeats", type=int, default=7)
    options = parser.parse_args()
    with fresh_database(options.database_url) as url:
        run(url, options.repeats)


if __name__ == "__main__":
    main()
