"""Backups: scripts/backup.sh dumps a database holding the world's records (made through
the app's operations), scripts/restore.sh restores the dump into a new database and checks
it; every table then holds the same rows, and the app opens on the restored database. A
database that holds anything is never restored over. PostgreSQL only (pg_dump)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from config import TestConfig
from mhst import create_app
from mhst.extensions import db
from tests.conftest import CheckedClient, database_url_for

ROOT = Path(__file__).resolve().parent.parent
COMPARED = {  # a few tables' rows compared whole, in key order
    "user_account": "id",
    "referral": "id",
    "referral_event": "id",
    "consent": "id",
    "audit_event": "id",
    "alembic_version": "version_num",
}


def _run(script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (the repository's own scripts, run as an operator would)
        [str(ROOT / "scripts" / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **env},
    )


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table: connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()  # noqa: S608 (names from the catalogue)
            for table in inspect(connection).get_table_names()
        }


def _rows(engine: Engine, table: str, key: str) -> list[tuple]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(text(f'SELECT * FROM "{table}" ORDER BY "{key}"'))  # noqa: S608
        ]


@pytest.fixture(scope="module")
def backed_up(databases, tmp_path_factory) -> tuple[str, Path]:
    """The world's database (PostgreSQL) and its dump, made by scripts/backup.sh."""
    source = databases.app("postgresql", "world").config["SQLALCHEMY_DATABASE_URI"]
    folder = tmp_path_factory.mktemp("backups")
    result = _run("backup.sh", str(folder / "nightly"), DATABASE_URL=source)
    assert result.returncode == 0, result.stderr
    dump = Path(result.stdout.strip().splitlines()[-1])
    return source, dump


def test_the_backup_is_one_timestamped_file_only_its_owner_reads(backed_up):
    _, dump = backed_up
    assert [path.name for path in dump.parent.iterdir()] == [dump.name]
    assert dump.name.startswith("mhst-")
    assert dump.name.endswith("Z.dump")
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format


def test_a_restore_holds_every_row_and_the_app_opens_on_it(backed_up, databases, tmp_path_factory):
    source_url, dump = backed_up
    target_url = database_url_for("postgresql", tmp_path_factory, name="restored")
    result = _run("restore.sh", str(dump), target_url)
    assert result.returncode == 0, result.stderr
    assert "restore: checked: Alembic version" in result.stdout

    source, target = create_engine(source_url), create_engine(target_url)
    try:
        counts = _counts(source)
        assert counts["referral"] > 0
        assert counts["user_account"] > 0
        assert _counts(target) == counts
        for table, key in COMPARED.items():
            assert _rows(target, table, key) == _rows(source, table, key), table
    finally:
        source.dispose()
        target.dispose()

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=target_url)
    app.test_client_class = CheckedClient
    _signed_in_page_on(app, databases.world_identities["postgresql"])


def _signed_in_page_on(app, identities) -> None:
    """The world's senior clinician signs in to the restored database and opens school
    A1's referral (its child's name on the page)."""
    from tests.conftest import AuthActions

    referral_id = identities["referral_a1"][1][0]
    with app.app_context():
        try:
            client = app.test_client()
            assert AuthActions(client).sign_in("senior@test.example").status_code == 302
            page = client.get(f"/referrals/{referral_id}")
            assert page.status_code == 200
            assert "Alex" in page.get_data(as_text=True)
        finally:
            db.session.remove()
            db.engine.dispose()


def test_a_database_that_holds_anything_is_never_restored_over(backed_up, tmp_path_factory):
    source_url, dump = backed_up
    result = _run("restore.sh", str(dump), source_url)
    assert result.returncode == 1
    assert "refused: the target database is not empty" in result.stderr
    engine = create_engine(source_url)
    try:
        assert _counts(engine)["referral"] > 0
    finally:
        engine.dispose()


def test_backup_needs_a_postgresql_url(tmp_path):
    result = _run("backup.sh", str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    assert result.returncode == 2
    assert "not a PostgreSQL URL" in result.stderr
    assert list(tmp_path.iterdir()) == []
