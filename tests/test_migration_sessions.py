"""0014_sessions: the audit log keeps its append-only triggers through the change of its
action list, and a downgrade never rewrites events the older list cannot hold."""

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.conftest import empty_engine
from tests.test_migrations import _run


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path_factory):
    with empty_engine(request.param, tmp_path_factory, "migrations_sessions") as engine:
        yield engine


INSERT = (
    "INSERT INTO audit_event (occurred_at, actor, action, record_type, detail) "
    "VALUES (CURRENT_TIMESTAMP, 'someone@test.example', :action, 'page', 'GET /x 404')"
)


def test_the_audit_log_stays_append_only(engine):
    _run(engine, command.upgrade, "0014_sessions")
    with engine.begin() as connection:
        connection.execute(text(INSERT), {"action": "access_refused"})
    for statement in ("UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))


def test_a_downgrade_refuses_to_drop_events_of_the_new_kinds(engine):
    _run(engine, command.upgrade, "0014_sessions")
    with engine.begin() as connection:
        connection.execute(text(INSERT), {"action": "account_locked"})
    with pytest.raises(RuntimeError, match="cannot be downgraded past 0014_sessions"):
        _run(engine, command.downgrade, "-1")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT action FROM audit_event")).scalars().all() == [
            "account_locked"
        ]
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == "0014_sessions"


def test_a_downgrade_without_them_goes_back_to_the_older_list(engine):
    _run(engine, command.upgrade, "0014_sessions")
    _run(engine, command.downgrade, "-1")
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text(INSERT), {"action": "access_refused"})
    _run(engine, command.upgrade, "0014_sessions")
