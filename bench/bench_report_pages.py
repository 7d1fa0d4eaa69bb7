"""Time each report's figures (``spec.build``) against its whole page (the view, in a
request context, signed in as a clinical lead) on a database that holds data, and
optionally profile one page. Not a test: run it by hand (see bench/README.md)::

    DATABASE_URL=postgresql://... .venv/bin/python bench/bench_report_pages.py
        [--repeats N] [--profile SLUG] [--code PATH]

The filters are the page's defaults (the financial year to date, the whole service).
The page's time includes the figures; the ratio page / figures is what the report
pages' fixed cost adds. ``--code PATH`` imports the app from another checkout (for a
before-and-after comparison on the same database).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path


def _median_ms(work, repeats: int, reset) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
        reset()
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--profile", default=None)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--code", default=str(Path(__file__).resolve().parent.parent))
    options = parser.parse_args()
    sys.path.insert(0, options.code)

    from flask import g
    from sqlalchemy import select

    from mhst import create_app
    from mhst.accounts.models import User
    from mhst.extensions import db
    from mhst.reports import views
    from mhst.reports.filters import ReportAccess, default_filters
    from mhst.reports.queries import REPORTS
    from mhst.security.roles import Role

    app = create_app()
    with app.app_context():
        user = db.session.scalars(
            select(User).where(User.role == Role.CLINICAL_LEAD).order_by(User.id)
        ).first()
        access = ReportAccess.for_user(user)
        filters = default_filters(access)
        today = filters.date_to

        def page(slug: str):
            with app.test_request_context(f"/reports/{slug}"):
                g._login_user = user  # signed in (flask_login's request-local user)
                body, status = views.show(slug)
                assert status == 200, status
                return body

        if options.profile:
            page(options.profile)
            profiler = cProfile.Profile()
            profiler.enable()
            page(options.profile)
            profiler.disable()
            pstats.Stats(profiler).sort_stats(options.sort).print_stats(40)
            return
        print(f"{'report':14} {'figures ms':>10} {'page ms':>8} {'ratio':>6}")
        for slug, spec in REPORTS.items():
            page(slug)  # warm: templates compiled, measure files read once
            figures = _median_ms(
                lambda spec=spec: spec.build(filters, access, today),
                options.repeats,
                db.session.rollback,
            )
            whole = _median_ms(lambda slug=slug: page(slug), options.repeats, db.session.rollback)
            print(f"{slug:14} {figures:10.1f} {whole:8.1f} {whole / figures:6.2f}")


if __name__ == "__main__":
    main()
