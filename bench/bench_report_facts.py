"""Time the report summaries' rebuild and each report's build on a database that holds data.

Not a test: run it by hand (see bench/README.md)::

    DATABASE_URL=postgresql://... .venv/bin/python bench/bench_report_facts.py [--refresh]
        [--repeats N] [--code PATH]

Each report of ``queries.REPORTS`` is built with ``spec.build`` for the whole service
(a clinical lead's view) over the financial year to date and over one month, ``--repeats``
times; the median and the SQL statements sent are printed. ``--refresh`` first times
``recompute_all`` (committed). ``--code PATH`` imports the app from another checkout
(for a before-and-after comparison on the same database).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--refresh", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--code", default=str(Path(__file__).resolve().parent.parent))
    options = parser.parse_args()
    sys.path.insert(0, options.code)

    from sqlalchemy import event

    from mhst import create_app
    from mhst.core.time import service_today
    from mhst.extensions import db
    from mhst.reports.filters import ReportAccess, ReportFilters, financial_year_start
    from mhst.reports.queries import REPORTS

    app = create_app()
    with app.app_context():
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        if options.refresh:
            from mhst.reports.facts import recompute_all

            started = time.perf_counter()
            recompute_all()
            db.session.commit()
            print(f"recompute_all: {time.perf_counter() - started:.1f} s")
        today = service_today()
        access = ReportAccess(team_id=None, always_suppressed=False)
        ranges = {
            "year": (financial_year_start(today), today),
            "month": (today - timedelta(days=30), today),
        }
        for label, (start, end) in ranges.items():
            filters = ReportFilters(start, end)
            for slug, spec in REPORTS.items():
                times = []
                for _ in range(options.repeats):
                    before = len(statements)
                    started = time.perf_counter()
                    spec.build(filters, access, today)
                    times.append(time.perf_counter() - started)
                    db.session.rollback()
                queries = len(statements) - before
                print(
                    f"{label:5} {slug:14} median {statistics.median(times) * 1000:8.0f} ms "
                    f"({queries} statements)"
                )


if __name__ == "__main__":
    main()
