"""Time the need data at national size: the lookups loaded, then 24,000 schools imported.

Not a test: run it by hand (see bench/README.md)::

    .venv/bin/python bench/bench_need_import.py [--database-url URL] [--schools N]
        [--postcodes N]

It builds a fresh database with the migrations (as ``bench_school_import.py`` does: a
temporary SQLite file, or a uniquely named PostgreSQL database dropped afterwards), adds N
invented schools (URNs from 100000) with Core inserts, then times: loading an invented
deprivation file of 33,755 LSOAs (England's count) through ``lookups.load_deprivation``,
an invented postcode file of ``--postcodes`` rows through ``lookups.load_postcodes``
(each streamed from a temporary file, committed), and importing a need file of N schools
as the import page does (decode, check, resolve against the register and the lookups,
write, commit): the first adds every school's row, the second replaces them all. Every
school has an FSM percentage; a third give a decile, a third an LSOA, a third a postcode.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_school_import import counting_queries, fresh_database  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from config import TestConfig  # noqa: E402
from mhst import create_app  # noqa: E402
from mhst.accounts.models import Role, User  # noqa: E402
from mhst.extensions import db  # noqa: E402
from mhst.migrate import upgrade  # noqa: E402
from mhst.need import import_file, importer, lookups  # noqa: E402
from mhst.organisation.models import ServiceArea  # noqa: E402
from mhst.schools.models import ParticipationStatus, School  # noqa: E402

LSOAS = 33_755
FIRST_URN = 100_000


def lsoa(n: int) -> str:
    return f"E01{n % LSOAS:06d}"


def postcode(n: int) -> str:
    """An invented postcode shape for n (ZZ area: no real postcode uses it)."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"ZZ{n // 4000 + 1} {n // 400 % 10}{letters[n // 20 % 20]}{letters[n % 20]}"


def make_files(directory: Path, postcodes: int) -> tuple[Path, Path]:
    deprivation = directory / "imd.csv"
    with deprivation.open("w", encoding="utf-8") as out:
        out.write("LSOA code (2021),Index of Multiple Deprivation (IMD) Decile\n")
        out.writelines(f"{lsoa(n)},{n % 10 + 1}\n" for n in range(LSOAS))
    lookup = directory / "postcodes.csv"
    with lookup.open("w", encoding="utf-8") as out:
        out.write("pcds,lsoa21cd\n")
        out.writelines(f"{postcode(n)},{lsoa(n)}\n" for n in range(postcodes))
    return deprivation, lookup


def need_csv(schools: int, *, shift: int) -> bytes:
    lines = ["URN,FSM %,IMD decile,LSOA code,Postcode"]
    for n in range(schools):
        fsm = f"{(n * 7 + shift) % 500 / 10:.1f}"
        kind = n % 3
        decile = str(n % 10 + 1) if kind == 0 else ""
        area = lsoa(n) if kind == 1 else ""
        code = postcode(n) if kind == 2 else ""
        lines.append(f"{FIRST_URN + n},{fsm},{decile},{area},{code}")
    return ("\r\n".join(lines) + "\r\n").encode()


def timed(action) -> tuple[float, int, object]:
    db.session.remove()
    with counting_queries() as queries:
        start = time.perf_counter()
        result = action()
        db.session.commit()
        return time.perf_counter() - start, queries(), result


def load(loader, path: Path):
    with path.open(encoding="utf-8", newline="") as lines:
        report = loader(lines)
    if not report.ok:
        raise SystemExit(report.lines()[:5])
    return report


def import_file_once(data: bytes, user_id: int, source: str):
    text = import_file.decode_upload(data)
    rows, problems = import_file.parse_need_csv(text)
    if not problems:
        rows, problems = importer.resolve(rows, import_file.file_headers(text))
    if problems:
        raise SystemExit(f"the generated file has problems: {problems[:3]}")
    return importer.import_need(rows, source=source, by=db.session.get(User, user_id))


def setup(schools: int) -> int:
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
    db.session.flush()
    db.session.execute(
        insert(School),
        [
            {
                "urn": str(FIRST_URN + n),
                "name": f"Bench School {n}",
                "area_id": area.id,
                "participation_status": ParticipationStatus.NOT_PARTICIPATING,
            }
            for n in range(schools)
        ],
    )
    db.session.commit()
    return admin.id


def run(database_url: str, schools: int, postcodes: int, repeats: int) -> None:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context(), tempfile.TemporaryDirectory(prefix="mhst-need-") as directory:
        user_id = setup(schools)
        deprivation, lookup = make_files(Path(directory), postcodes)
        for label, loader, path in (
            ("load-deprivation", lookups.load_deprivation, deprivation),
            ("load-postcodes", lookups.load_postcodes, lookup),
        ):
            seconds, statements, report = timed(lambda: load(loader, path))  # noqa: B023
            print(f"{label}: {report.loaded:,} rows, {seconds:.2f} s, {statements} statements")
        times: dict[str, list[float]] = {"add": [], "replace": []}
        for repeat in range(repeats):
            for label, shift in (("add", 0), ("replace", 1)):
                data = need_csv(schools, shift=shift + repeat)
                seconds, statements, result = timed(
                    lambda: import_file_once(data, user_id, "bench.csv")  # noqa: B023
                )
                times[label].append(seconds)
                print(
                    f"  repeat {repeat + 1} {label}: {seconds:.2f} s, {statements} statements, "
                    f"{result.added} added, {result.replaced} replaced"
                )
            db.session.execute(db.text("DELETE FROM school_need"))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    for label, values in times.items():
        print(
            f"import {label}, {schools:,} schools, median of {repeats}: "
            f"{statistics.median(values):.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    parser.add_argument("--schools", type=int, default=24_000, help="default: %(default)s")
    parser.add_argument("--postcodes", type=int, default=150_000, help="default: %(default)s")
    parser.add_argument("--repeats", type=int, default=3, help="default: %(default)s")
    args = parser.parse_args()
    if not 1 <= args.schools <= import_file.MAX_ROWS:
        parser.error(f"--schools must be from 1 to {import_file.MAX_ROWS}")
    if not args.schools <= args.postcodes <= 40 * 4000:
        parser.error("--postcodes must be from --schools to 160,000 (the invented shapes)")
    with fresh_database(args.database_url) as url:
        run(url, args.schools, args.postcodes, args.repeats)


if __name__ == "__main__":
    main()
