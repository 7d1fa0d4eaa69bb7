"""Times the next-cohort planner's ranking at national size: 24,000 schools, 14,000 of
them waiting with interest registered, most with figures of need (some missing).

Builds a fresh database by the migrations (a temporary SQLite file, or with
``--database-url`` a uniquely named PostgreSQL database, dropped afterwards), adds the
invented register with bulk inserts, then times (median of ``--repeats``)
``ranked_schools`` (the top 100, as the page asks) with no filter, by area and by team,
and ``ranks_of`` for 20 chosen schools (what adding them to a cohort runs). Prints the
PostgreSQL plan of the unfiltered ranking with ``--explain``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bench.bench_school_import import fresh_database  # noqa: E402
from config import TestConfig  # noqa: E402
from mhst import create_app  # noqa: E402
from mhst.core.time import service_today  # noqa: E402
from mhst.extensions import db  # noqa: E402
from mhst.migrate import upgrade  # noqa: E402
from mhst.need.models import SchoolNeed  # noqa: E402
from mhst.organisation.models import ServiceArea, Team  # noqa: E402
from mhst.planning.queries import Filters, ranked_schools, ranks_of  # noqa: E402
from mhst.planning.score import DEFAULT_WEIGHTS  # noqa: E402
from mhst.schools.models import ParticipationEvent, School  # noqa: E402

SCHOOLS, WAITING, AREAS = 24_000, 14_000, 42


def _register(rng: random.Random) -> None:
    areas = [ServiceArea(name=f"Bench area {n:02d}") for n in range(AREAS)]
    db.session.add_all(areas)
    db.session.flush()
    teams = [Team(name=f"Bench team {n:03d}", area=areas[n % AREAS]) for n in range(400)]
    db.session.add_all(teams)
    db.session.flush()
    now = datetime.now(UTC)
    schools, needs, events = [], [], []
    for number in range(1, SCHOOLS + 1):
        waiting = number <= WAITING
        area = areas[number % AREAS]
        team = None if waiting else teams[number % len(teams)]
        schools.append(
            {
                "id": number,
                "version": 1,
                "name": f"Bench school {number:05d}",
                "urn": f"{100000 + number:06d}",
                "area_id": area.id,
                "team_id": team.id if team else None,
                "pupils_on_roll": rng.randint(80, 1600),
                "participation_status": "interest_registered" if waiting else "active",
            }
        )
        if rng.random() < 0.9:
            needs.append(
                {
                    "school_id": number,
                    "fsm_percent": Decimal(rng.randint(0, 700)) / 10,
                    "imd_decile": rng.randint(1, 10),
                    "low_wellbeing_percent": Decimal(rng.randint(50, 400)) / 10
                    if rng.random() < 0.5
                    else None,
                    "belonging_low_percent": None,
                    "updated_at": now,
                }
            )
        if waiting:
            events.append(
                {
                    "school_id": number,
                    "from_status": "not_participating",
                    "to_status": "interest_registered",
                    "occurred_at": now - timedelta(days=rng.randint(1, 1200)),
                }
            )
    db.session.execute(insert(School.__table__), schools)
    db.session.execute(insert(SchoolNeed.__table__), needs)
    db.session.execute(insert(ParticipationEvent.__table__), events)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval('school_id_seq', (SELECT max(id) FROM school))"))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
    db.session.commit()


def _median(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
        db.session.rollback()
    return statistics.median(times)


def run(database_url: str, repeats: int, explain: bool) -> None:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        upgrade()
        _register(random.Random(17))  # noqa: S311 - invented figures, not secrets
        today = service_today()
        area_id = db.session.scalar(text("SELECT min(id) FROM service_area"))
        team = db.session.get(Team, db.session.scalar(text("SELECT min(id) FROM team")))
        chosen = list(range(1, 40, 2))
        cases = {
            "top 100, no filter": lambda: ranked_schools(DEFAULT_WEIGHTS, Filters(), today),
            "top 100, one area": lambda: ranked_schools(
                DEFAULT_WEIGHTS, Filters(area_id=area_id), today
            ),
            "top 100, one team": lambda: ranked_schools(DEFAULT_WEIGHTS, Filters(team=team), today),
            "ranks of 20 chosen": lambda: ranks_of(chosen, DEFAULT_WEIGHTS, Filters(), today),
        }
        print(f"{db.engine.dialect.name}: {SCHOOLS:,} schools, {WAITING:,} waiting")
        for label, function in cases.items():
            print(f"  {label}: {_median(function, repeats) * 1000:.0f} ms (median of {repeats})")
        if explain and db.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects import postgresql

            from mhst.planning.queries import _ranked_select

            query, score = _ranked_select(DEFAULT_WEIGHTS, Filters(), today, whole_rows=True)
            query = query.order_by(score.desc().nulls_last(), School.id).limit(100)
            compiled = query.compile(
                dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
            )
            for (line,) in db.session.execute(text(f"EXPLAIN ANALYZE {compiled}")):
                print("   ", line)
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    with fresh_database(args.database_url) as url:
        run(url, args.repeats, args.explain)


if __name__ == "__main__":
    main()
