"""Time the school CSV import at its largest allowed size.

Not a test: run it by hand (see bench/README.md)::

    .venv/bin/python bench/bench_school_import.py [--database-url URL] [--rows N]

It builds a fresh database with the migrations (a temporary SQLite file by default; with a
PostgreSQL URL, a uniquely named database on that server, dropped afterwards), adds an
area and an administrator, then times, over several repeats, reading a file of N invented
schools (URNs 99xxxx) and importing it twice: the first import adds every school, the
second changes every school's name and pupils on roll. Each time covers decoding and
checking the file, the import and the commit, as the import page does. Between repeats the
invented schools are deleted (their audit events stay: the audit log is append-only).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # config.py lives at the top of the repository

import psycopg  # noqa: E402
from sqlalchemy import delete, event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from config import TestConfig  # noqa: E402
from mhst import create_app  # noqa: E402
from mhst.accounts.models import Role, User  # noqa: E402
from mhst.extensions import db  # noqa: E402
from mhst.migrate import upgrade  # noqa: E402
from mhst.organisation.models import ServiceArea  # noqa: E402
from mhst.schools import importer  # noqa: E402
from mhst.schools.models import School  # noqa: E402

FIRST_URN = 990_000
PHASES = ("Primary", "Secondary", "Special", "All-through", "16 plus")


def make_csv(rows: int, *, renamed: bool) -> bytes:
    """A file in the national register's layout; ``renamed`` changes names and pupils."""
    lines = ["URN,EstablishmentName,PhaseOfEducation (name),LA (name),NumberOfPupils"]
    for n in range(rows):
        name = f"Bench School {n}" + (" Academy" if renamed else "")
        pupils = 100 + n % 900 + (7 if renamed else 0)
        lines.append(f"{FIRST_URN + n},{name},{PHASES[n % len(PHASES)]},Benchshire,{pupils}")
    return ("\r\n".join(lines) + "\r\n").encode()


@contextmanager
def counting_queries() -> Iterator[Callable[[], int]]:
    """Count the statements sent to the database while the block runs."""
    statements = 0

    def count(*_args) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield lambda: statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def timed_import(
    data: bytes, area_id: int, user_id: int
) -> tuple[float, int, importer.ImportResult]:
    """Seconds and statements for one import as the page does it: read, check, import, commit."""
    db.session.remove()  # start from an empty identity map, as a new request does
    area, by = db.session.get(ServiceArea, area_id), db.session.get(User, user_id)
    with counting_queries() as queries:
        start = time.perf_counter()
        rows, problems = importer.parse_schools_csv(importer.decode_upload(data))
        if problems:
            raise SystemExit(f"the generated file has problems: {problems[:3]}")
        result = importer.import_schools(rows, area=area, team=None, by=by)
        db.session.commit()
        seconds = time.perf_counter() - start
    return seconds, queries(), result


def run(database_url: str, rows: int, repeats: int) -> None:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        upgrade()
        area = ServiceArea(name="Benchshire")
        admin = User(
            email="bench@bench.example",
            full_name="Bench Administrator",
            role=Role.ADMINISTRATOR,
            password_hash="!unusable",  # noqa: S106 - nobody signs in as this user
            session_version=1,
        )
        db.session.add_all([area, admin])
        db.session.commit()
        area_id, user_id = area.id, admin.id
        first, second = make_csv(rows, renamed=False), make_csv(rows, renamed=True)

        times: dict[str, list[float]] = {"create": [], "update": []}
        queries: dict[str, int] = {}
        for repeat in range(repeats):
            for label, data, expected in (
                ("create", first, (rows, 0, 0)),
                ("update", second, (0, rows, 0)),
            ):
                seconds, statements, result = timed_import(data, area_id, user_id)
                got = (result.added, result.updated, result.unchanged)
                if got != expected:
                    raise SystemExit(f"{label}: expected {expected}, got {got}")
                times[label].append(seconds)
                queries[label] = statements
                print(f"  repeat {repeat + 1} {label}: {seconds:.3f} s, {statements} statements")
            db.session.execute(delete(School).where(School.urn.like("99%")))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()

    backend = make_url(database_url).get_backend_name()
    print(f"{backend}, {rows} rows, median of {repeats}:")
    for label in ("create", "update"):
        median = statistics.median(times[label])
        print(f"  {label}: {median:.3f} s ({queries[label]} statements)")


def _maintenance_dsn(url: str) -> str:
    return (
        make_url(url)
        .set(drivername="postgresql", database="postgres")
        .render_as_string(hide_password=False)
    )


@contextmanager
def fresh_database(database_url: str | None) -> Iterator[str]:
    """A new empty database: a temporary SQLite file, or a uniquely named PostgreSQL one."""
    if database_url is None:
        with tempfile.TemporaryDirectory(prefix="mhst-bench-") as directory:
            yield f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        return
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise SystemExit("--database-url must be a PostgreSQL URL (SQLite is the default)")
    name = f"{url.database or 'mhst'}_bench_{os.getpid()}_{secrets.token_hex(3)}".lower()
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise SystemExit(f"unsafe database name {name!r}: use letters, digits and _ in the URL")
    maintenance = _maintenance_dsn(database_url)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to use, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/"
        "mhst; a new database named after it is created and dropped (default: SQLite)",
    )
    parser.add_argument("--rows", type=int, default=importer.MAX_ROWS, help="default: %(default)s")
    parser.add_argument("--repeats", type=int, default=3, help="default: %(default)s")
    args = parser.parse_args()
    if not 1 <= args.rows <= importer.MAX_ROWS:
        parser.error(f"--rows must be between 1 and {importer.MAX_ROWS} (the import's limit)")
    with fresh_database(args.database_url) as url:
        run(url, args.rows, args.repeats)


if __name__ == "__main__":
    main()
