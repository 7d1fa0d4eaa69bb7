"""How long a change waits while the report summaries are rebuilt: the single locked
transaction (``recompute_all``) against the batched rebuild (``rebuild_summaries``).

Not a test: run it by hand on a database that holds data (never ``mhst_national`` while
something else uses it)::

    DATABASE_URL=postgresql://... .venv/bin/python bench/bench_rebuild.py [--probes-per-second 20]

For each way, the rebuild runs in this thread while a second thread, on its own
connection, keeps making the recomputation a change makes (``fact_sync.apply`` for one
referral at a time, with its advisory locks, then rolled back, so the data do not
change) and times each. Printed: the rebuild's time, the batches, and the probes' count,
median and longest wait.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time


def _probe(app, referral_ids: list[int], stop: threading.Event, pause: float, out: list):
    from mhst.extensions import db
    from mhst.reports.fact_sync import Touched, apply

    with app.app_context():
        step = 0
        while not stop.is_set():
            touched = Touched(referrals={referral_ids[step % len(referral_ids)]})
            started = time.perf_counter()
            with db.engine.connect() as connection:
                apply(connection, touched)
                connection.rollback()
            out.append(time.perf_counter() - started)
            step += 1
            stop.wait(pause)


def _timed(app, name: str, rebuild, referral_ids: list[int], pause: float) -> None:
    stop, waits = threading.Event(), []
    prober = threading.Thread(target=_probe, args=(app, referral_ids, stop, pause, waits))
    prober.start()
    time.sleep(1)  # probes before the rebuild: the quiet baseline
    baseline = len(waits)
    started = time.perf_counter()
    batches = rebuild()
    seconds = time.perf_counter() - started
    stop.set()
    prober.join()
    during = waits[baseline:]
    print(
        f"{name}: {seconds:.1f} s, {batches} batches; {len(during)} changes during it: "
        f"median {statistics.median(during) * 1000:.0f} ms, "
        f"longest {max(during) * 1000:.0f} ms (quiet: median "
        f"{statistics.median(waits[:baseline] or [0]) * 1000:.0f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--probes-per-second", type=float, default=20)
    options = parser.parse_args()

    from sqlalchemy import select

    from mhst import create_app
    from mhst.extensions import db
    from mhst.referrals.models import Referral
    from mhst.reports.facts import recompute_all
    from mhst.reports.rebuild import rebuild_summaries

    app = create_app()
    pause = 1 / options.probes_per_second
    with app.app_context():
        ids = list(db.session.scalars(select(Referral.id).order_by(Referral.id.desc()).limit(500)))
        db.session.commit()

        def whole() -> int:
            recompute_all()
            db.session.commit()
            return 1

        count = [0]

        def batched() -> int:
            rebuild_summaries(after_batch=lambda phase, done: count.__setitem__(0, count[0] + 1))
            return count[0]

        _timed(app, "recompute_all (one locked transaction)", whole, ids, pause)
        _timed(app, "rebuild_summaries (batches)", batched, ids, pause)


if __name__ == "__main__":
    main()
