"""Time the national extract job's work: writing the ZIP and inserting its audit events.

Builds a fresh PostgreSQL database by the migrations, loads invented data with
``INSERT ... SELECT generate_series`` (``--referrals`` referrals, each with two status
events, two care contacts in the month and one outcome measure; a fifth of them closed
long before the month, so the extract must leave them out), then runs what the job runs
(``write_extract`` with progress, then ``audit_extract``) and prints the times. The
database is dropped at the end, even after an error.

    .venv/bin/python bench/bench_extract.py --referrals 50000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/mhst

The database is named after the URL's, with the process id and a random suffix
(``mhst_<pid>_<hex>``); the one the URL names is never touched. ``--profile FILE`` writes
a cProfile of the job's work (the ZIP and the audit events) to FILE.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import secrets
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("MHST_ENV", "test")

from config import TestConfig
from mhst import create_app
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.extract.package import audit_extract, write_extract
from mhst.extract.period import Period
from mhst.extract.pseudonyms import Pseudonymiser
from mhst.migrate import upgrade

PERIOD = Period(date(2026, 10, 1), date(2026, 10, 31))

LOAD = [
    "INSERT INTO service_area (name) VALUES ('Bench area')",
    "INSERT INTO team (name, area_id) SELECT 'Bench team', id FROM service_area",
    "INSERT INTO school (name, urn, area_id, team_id, participation_status) "
    "SELECT 'Bench school ' || g, (900000 + g)::text, a.id, t.id, 'active' "
    "FROM generate_series(1, 200) g, service_area a, team t",
    "INSERT INTO user_account (email, full_name, password_hash, role, active, session_version, "
    "created_at, must_change_password, awaiting_first_approval, failed_sign_ins) "
    "VALUES ('bench@bench.example', 'Bench Lead', 'x', 'clinical_lead', true, 1, now(), "
    "false, false, 0)",
    # Children and referrals: received in the last year; every fifth closed in 2025.
    "INSERT INTO child (given_name, family_name, date_of_birth, gender, year_group, school_id, "
    "created_at, name_key) SELECT 'Bench', 'Child ' || g, date '2013-01-01' + (g % 1500), "
    "'female', 'year_8', (SELECT min(id) FROM school) + g % 200, now(), 'bench' || g "
    "FROM generate_series(1, :n) g",
    "INSERT INTO referral (child_id, school_id, source, received_on, submitted_at, "
    "submitted_by_id, in_education, duration, impact, needs_detail, already_tried, "
    "discussed_with_team, child_agrees, eligible, high_risk, status, status_changed_at, "
    "accepted_on, closed_on) "
    "SELECT c.id, c.school_id, 'school', "
    "CASE WHEN c.id % 5 = 0 THEN date '2025-01-01' + c.id % 300 "
    "ELSE date '2026-10-20' - c.id % 300 END, now(), u.id, true, 'one_to_three_months', "
    "'quite_a_lot', 'invented', 'invented', true, 'yes', true, false, "
    "CASE WHEN c.id % 5 = 0 THEN 'discharged' ELSE 'in_treatment' END, now(), NULL, "
    "CASE WHEN c.id % 5 = 0 THEN date '2025-11-01' ELSE NULL END "
    "FROM child c, user_account u",
    "INSERT INTO referral_event (referral_id, from_status, to_status, occurred_at) "
    "SELECT id, NULL, 'submitted', received_on::timestamptz FROM referral",
    "INSERT INTO referral_event (referral_id, from_status, to_status, occurred_at) "
    "SELECT id, 'submitted', status, COALESCE(closed_on, received_on + 5)::timestamptz "
    "FROM referral",
    "INSERT INTO referral_need (referral_id, need) SELECT id, 'worry' FROM referral",
    "INSERT INTO care_contact (referral_id, practitioner_id, starts_at, duration_minutes, stage, "
    "mode, attendance, who_attended, pathway, created_at, created_by_id, version) "
    "SELECT r.id, u.id, timestamptz '2026-10-02 10:00+00' + (r.id % 28) * interval '1 day' "
    "+ k * interval '1 hour', 45, 'treatment', 'face_to_face_school', 'attended', 'child', "
    "'guided_self_help_anxiety', now(), u.id, 1 "
    "FROM referral r, user_account u, generate_series(0, 1) k WHERE r.closed_on IS NULL",
    "INSERT INTO measure_record (referral_id, measure_code, completed_on, respondent, by_item, "
    "recorded_at, recorded_by_id) SELECT r.id, 'GBO', date '2026-10-05' + r.id % 20, 'child', "
    "false, now(), u.id FROM referral r, user_account u WHERE r.closed_on IS NULL",
    "INSERT INTO measure_score (record_id, scale, position, score) "
    "SELECT id, 'total', 1, 5 FROM measure_record",
]


def _admin(url: str) -> psycopg.Connection:
    dsn = make_url(url).set(drivername="postgresql", database="postgres")
    return psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True)


def _digests(path: Path) -> dict[str, str]:
    """Each CSV file's SHA-256 (its first 12 hex): the README and the ZIP's dates change
    with the time of the run, the files must not."""
    with zipfile.ZipFile(path) as archive:
        return {
            name: hashlib.sha256(archive.read(name)).hexdigest()[:12]
            for name in archive.namelist()
            if name.endswith(".csv")
        }


def run(url: str, referrals: int, profile: str | None = None) -> None:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        for statement in LOAD:
            db.session.execute(text(statement), {"n": referrals})
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"loaded {referrals:,} referrals in {time.perf_counter() - started:.1f} s")
        user = db.session.execute(text("SELECT id, email FROM user_account")).one()
        updates = []
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            written = write_extract(
                Path(folder) / "extract.zip",
                PERIOD,
                Pseudonymiser("bench key"),
                utcnow(),
                progress=lambda done, total: updates.append((done, total)),
            )
            db.session.commit()
            zip_seconds = time.perf_counter() - started
            size = (Path(folder) / "extract.zip").stat().st_size
            digests = _digests(Path(folder) / "extract.zip")
        started = time.perf_counter()
        audit_extract(written, PERIOD, user=user)
        db.session.commit()
        audit_seconds = time.perf_counter() - started
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        print(f"rows per file: {written.counts}")
        print(f"SHA-256 of each file (the same before and after a change): {digests}")
        print(f"ZIP written in {zip_seconds:.1f} s ({size / 1e6:.1f} MB), {len(updates)} updates")
        events = len(written.referral_ids)
        print(f"{events:,} referral audit events inserted in {audit_seconds:.1f} s")
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=10_000)
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/mhst"
    )
    parser.add_argument("--profile", help="write a cProfile of the job's work to this file")
    args = parser.parse_args()
    base = make_url(args.database_url)
    name = f"{base.database}_{os.getpid()}_{secrets.token_hex(3)}"
    url = base.set(database=name).render_as_string(hide_password=False)
    with _admin(args.database_url) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        run(url, args.referrals, args.profile)
    finally:
        with _admin(args.database_url) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
