"""The national-scale benchmark: one command, end to end.

    .venv/bin/python bench/national.py --scale 0.01        (or: make bench SCALE=0.01)

It loads the synthetic data set into PostgreSQL (or reuses the database if it already
holds the same scale and seed), upgrades it, starts the app under gunicorn on it and
Redis, signs in as each role, drives 1, 4 and 8 concurrent clients through each role's
main pages (mhst/synthetic/pages.py), times the one-month extract, times each report's
figures in-process (the "direct" time), counts queries per page at a second, smaller
size, and writes bench/results/<date>-<scale>.md. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import national_results
from national_http import Client, Hit, sign_in, timed

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"
WORKER_OPTIONS = ("--pool", "solo", "--loglevel", "WARNING", "--without-gossip", "--without-mingle")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")


def app_environment(database: str) -> dict[str, str]:
    """The app's settings for the bench: development rules (plain HTTP cookies), the
    bench's database and Redis, the query count header, sign-in limits raised."""
    return {
        **os.environ,
        "MHST_ENV": "development",
        "FLASK_APP": "mhst",
        "DATABASE_URL": PG + database,
        "REDIS_URL": REDIS,
        "JOBS_QUEUE": "mhst-bench",
        "QUERY_COUNT_HEADER": "1",
        "SIGN_IN_RATE_LIMIT": "10000 per minute",
        "GUNICORN_ACCESS_LOG": "/dev/null",  # gunicorn.conf.py's access log, not in the output
    }


def flask(database: str, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 (our own venv's flask)
        [str(BIN / "flask"), *args],
        env=app_environment(database),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(database: str, scale: float, seed: int) -> float | None:
    """The database at this scale and seed: reused if its mark says so (None), else made
    afresh and loaded (the seconds the load took)."""
    import psycopg

    with psycopg.connect(PG.replace("+psycopg", "") + "postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        if exists.fetchone():
            with psycopg.connect(PG.replace("+psycopg", "") + database) as connection:
                mark = connection.execute(
                    "SELECT obj_description(to_regclass('referral'))"
                ).fetchone()[0]
            if mark and f"scale={scale} seed={seed} " in mark + " ":
                flask(database, "db", "upgrade")
                # Loaded before a migration added summary tables, or changed since: rebuilt.
                print(flask(database, "reports", "refresh-facts", "--in-one-transaction").strip())
                print(f"Reusing {database}: {mark}")
                return None
            admin.execute(f'DROP DATABASE "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
    flask(database, "db", "upgrade")
    started = time.perf_counter()
    print(f"Loading scale {scale} into {database} ...", flush=True)
    print(flask(database, "synthetic-data", "--scale", str(scale), "--seed", str(seed), "--force"))
    return time.perf_counter() - started


@contextmanager
def server(database: str, port: int):
    """gunicorn on the database, with the checkout's gunicorn.conf.py but 2 workers of 4
    threads for 2 cores (each waits on PostgreSQL much of the time), and the background
    jobs' worker beside it (the extract); both stopped afterwards."""
    process = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--keep-alive",
            "75",
            "--timeout",
            "600",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "mhst:create_app()",
        ],
        env=app_environment(database),
        cwd=ROOT,
    )
    worker = subprocess.Popen(  # noqa: S603 (the background jobs' worker, as make run starts it)
        [str(BIN / "celery"), "-A", "mhst.worker", "worker", *WORKER_OPTIONS],
        env=app_environment(database),
        cwd=ROOT,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if Client("127.0.0.1", port).get("/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        yield port
    finally:
        process.terminate()
        worker.terminate()
        process.wait(timeout=60)
        worker.wait(timeout=60)


def sign_in_roles(port: int, sign_ins: dict[str, str]) -> dict[str, Client]:
    from mhst.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

    clients = {}
    for role, email in sign_ins.items():
        clients[role] = Client("127.0.0.1", port)
        sign_in(clients[role], email, DEMO_PASSWORD, DEMO_TOTP_SECRET)
    return clients


def in_app(database: str):
    """The app, in-process, on the bench database (for ids and the direct report times)."""
    os.environ.update(app_environment(database))
    from mhst import create_app

    # The settings read DATABASE_URL once, when first imported: name the database here.
    return create_app(SQLALCHEMY_DATABASE_URI=PG + database)


def discover(app, clients: dict[str, Client]) -> list[tuple[str, str, str]]:
    """(role, page name, path) of every page to drive, the lists' last pages found by
    following the first page's links."""
    from sqlalchemy import select

    from mhst.accounts.models import User
    from mhst.extensions import db
    from mhst.synthetic.pages import ids_for, last_page_path, paths_for

    found = []
    with app.app_context():
        for role, client in clients.items():
            email = national_results.SIGN_INS[role]
            user = db.session.scalars(select(User).where(User.email == email)).one()
            for page in paths_for(role, ids_for(user)):
                path = page.path
                if page.last:
                    path = last_page_path(client.get(page.path)[2].decode()) or page.path
                found.append((role, page.name, path))
    return found


def drive(clients: dict[str, Client], pages, concurrent: int, rounds: int) -> tuple:
    """Each of ``concurrent`` clients requests every page ``rounds`` times in its own
    shuffled order; the hits and the wall time."""
    hits: list[Hit] = []
    lock = threading.Lock()

    def work(number: int) -> None:
        order = [p for _ in range(rounds) for p in pages]
        random.Random(number).shuffle(order)  # noqa: S311 (an order, not a secret)
        own = {role: client.copy() for role, client in clients.items()}
        for role, name, path in order:
            hit = timed(own[role], name, role, path)
            with lock:
                hits.append(hit)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(concurrent)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return hits, time.perf_counter() - started


def run_extract(client: Client, today: date) -> tuple[float, int, int]:
    """The one-month national extract as a user gets it: the form POSTed (a background
    job), its page polled until the file is ready, then the file downloaded: (seconds
    from asking to the last byte, the download's status, bytes)."""
    from mhst.synthetic.pages import extract_query

    started = time.perf_counter()
    status, headers, _, _ = client.post_form("/extract/", extract_query(today))
    job_page = headers.get("Location") if status == 302 else None
    if not job_page or not job_page.startswith("/downloads/"):
        return time.perf_counter() - started, status, 0
    while time.perf_counter() - started < 900:
        status, _, body, _ = client.get(job_page)
        if b"Your file is ready" in body or b"Failed" in body or status != 200:
            break
        time.sleep(0.5)
    status, _, body, _ = client.get(job_page + "/file")
    return time.perf_counter() - started, status, len(body)


def direct_reports(app, repeats: int = 5) -> dict[str, float]:
    """Each report's figures, built in-process with the page's default filters, as the
    clinical lead: the median milliseconds of ``repeats`` runs."""
    from sqlalchemy import select
    from werkzeug.datastructures import MultiDict

    from mhst.accounts.models import User
    from mhst.core.time import service_today
    from mhst.extensions import db
    from mhst.reports.filters import ReportAccess
    from mhst.reports.forms import read_filters
    from mhst.reports.queries import REPORTS, build_report

    times = {}
    with app.test_request_context():
        email = national_results.SIGN_INS["clinical_lead"]
        user = db.session.scalars(select(User).where(User.email == email)).one()
        access = ReportAccess.for_user(user)
        state = read_filters(MultiDict(), access, service_today())
        for slug in REPORTS:
            runs = []
            for _ in range(repeats):
                started = time.perf_counter()
                build_report(slug, state.filters, access, state.today)
                runs.append((time.perf_counter() - started) * 1000)
            times[slug] = sorted(runs)[len(runs) // 2]
    return times


def query_counts(database: str, port: int, scale: float, seed: int, today: date) -> dict:
    """One pass of every page on a database of another size: {(role, page): queries}."""
    prepare(database, scale, seed)
    app = in_app(database)
    with server(database, port):
        clients = sign_in_roles(port, national_results.SIGN_INS)
        pages = discover(app, clients)
        counts = {}
        for role, name, path in pages:
            hit = timed(clients[role], name, role, path)
            counts[(role, name)] = hit.queries if hit.status == 200 else f"HTTP {hit.status}"
        return counts


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", help="default: mhst_national at 1.0, else mhst_bench_<scale>")
    parser.add_argument(
        "--small-scale", type=float, default=0.001, help="the second size for queries per page"
    )
    parser.add_argument("--clients", default="1,4,8")
    parser.add_argument("--rounds", type=int, default=3, help="times each client opens each page")
    parser.add_argument("--port", type=int, default=5111)
    return parser.parse_args()


def database_name(scale: float) -> str:
    return "mhst_national" if scale == 1.0 else f"mhst_bench_{str(scale).replace('.', '_')}"


def main() -> None:
    args = arguments()
    database = args.database or database_name(args.scale)
    today = date.today()
    loaded = prepare(database, args.scale, args.seed)
    app = in_app(database)
    levels = {}
    with server(database, args.port) as port:
        clients = sign_in_roles(port, national_results.SIGN_INS)
        pages = discover(app, clients)
        for concurrent in (int(n) for n in args.clients.split(",")):
            print(f"{concurrent} clients x {len(pages)} pages x {args.rounds} rounds", flush=True)
            levels[concurrent] = drive(clients, pages, concurrent, args.rounds)
        print("The extract ...", flush=True)
        extract = run_extract(clients["clinical_lead"], today)
    direct = direct_reports(app)
    single = national_results.page_table(levels[min(levels)][0])[1]
    large = {key: stats[3][0] if stats[3] else None for key, stats in single.items()}
    small = query_counts(
        database_name(args.small_scale), args.port + 1, args.small_scale, args.seed, today
    )
    url = PG + database
    header = {
        "scale": args.scale,
        "machine": national_results.machine(url, REDIS),
        "sizes": national_results.sizes(url),
        "load": f"{loaded:.0f} s to load" if loaded else "reused (loaded earlier)",
    }
    counts = national_results.queries_table(small, large, args.small_scale, args.scale)
    out = ROOT / "bench" / "results" / f"{today.isoformat()}-{args.scale}.md"
    national_results.write(out, header, levels, extract, direct, counts)
    print(f"Results: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
