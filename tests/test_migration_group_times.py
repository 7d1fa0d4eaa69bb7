"""0036_group_times: group sessions recorded before it keep no time (shown as "time not
recorded"), a timed one keeps its start, length and room, and the downgrade goes back."""

from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Integer,
    MetaData,
    Table,
    insert,
    inspect,
    text,
)
from sqlalchemy.exc import IntegrityError

from tests.conftest import empty_engine
from tests.test_migrations import _run

NOW = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path_factory):
    with empty_engine(request.param, tmp_path_factory, "migrations_group_times") as engine:
        yield engine


def _insert(connection, table_name: str, /, **values) -> int:
    """A row of ``table_name`` as the schema stands at this revision: the values given, and a
    plain value for each other column that must have one."""
    table = Table(table_name, MetaData(), autoload_with=connection)
    plain = {Boolean: False, Integer: 1, Date: date(2026, 11, 2), DateTime: NOW}
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        if column.server_default is not None:
            continue
        kind = next((v for t, v in plain.items() if isinstance(column.type, t)), None)
        values[column.name] = kind if kind is not None else f"{table_name} {column.name}"[:20]
    return connection.execute(insert(table).values(**values)).inserted_primary_key[0]


def _user_and_group(connection) -> tuple[int, int]:
    area = _insert(connection, "service_area", name="Area")
    team = _insert(connection, "team", name="Team", area_id=area)
    school = _insert(
        connection,
        "school",
        name="School",
        urn="100001",
        area_id=area,
        team_id=team,
        participation_status="active",
    )
    user = _insert(
        connection,
        "user_account",
        email="emhp@test.example",
        role="emhp",
        team_id=team,
        active=True,
    )
    group = _insert(
        connection,
        "group_programme",
        title="Worry group",
        kind="targeted",
        audience="children",
        team_id=team,
        school_id=school,
        planned_sessions=6,
        created_by_id=user,
    )
    return user, group


def _add_session(connection, user_id: int, group_id: int, held_on: str) -> None:
    connection.execute(
        text(
            "INSERT INTO group_session (version, group_id, held_on, recorded_at, "
            "recorded_by_id) VALUES (1, :group, :held_on, CURRENT_TIMESTAMP, :user)"
        ),
        {"group": group_id, "held_on": held_on, "user": user_id},
    )


def test_upgrade_keeps_recorded_group_sessions_untimed(engine):
    _run(engine, command.upgrade, "0035_cohort_planning")
    with engine.begin() as connection:
        user_id, group_id = _user_and_group(connection)
        _add_session(connection, user_id, group_id, "2026-11-04")
    _run(engine, command.upgrade, "0036_group_times")
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT held_on, starts_at, duration_minutes, room_id FROM group_session")
        ).one()
    assert str(row.held_on) == "2026-11-04"
    assert (row.starts_at, row.duration_minutes, row.room_id) == (None, None, None)


def test_the_new_columns_hold_together(engine):
    _run(engine, command.upgrade, "0036_group_times")
    with engine.begin() as connection:
        user_id, group_id = _user_and_group(connection)
        connection.execute(
            text(
                "INSERT INTO school_room (school_id, name, active) VALUES "
                "((SELECT id FROM school), 'Library', true)"
            )
        )
        _add_session(connection, user_id, group_id, "2026-11-04")
        connection.execute(
            text(
                "UPDATE group_session SET starts_at = '2026-11-04 10:00:00+00:00', "
                "duration_minutes = 60, room_id = (SELECT id FROM school_room)"
            )
        )
    # A time needs its length, a room needs a time, a length is 1 to 480 minutes.
    for change in (
        "UPDATE group_session SET duration_minutes = NULL",
        "UPDATE group_session SET starts_at = NULL, duration_minutes = NULL",
        "UPDATE group_session SET duration_minutes = 481",
    ):
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(change))


def test_downgrade_drops_the_times_and_keeps_the_sessions(engine):
    _run(engine, command.upgrade, "0036_group_times")
    with engine.begin() as connection:
        user_id, group_id = _user_and_group(connection)
        _add_session(connection, user_id, group_id, "2026-11-04")
        connection.execute(
            text(
                "UPDATE group_session SET starts_at = '2026-11-04 10:00:00+00:00', "
                "duration_minutes = 60"
            )
        )
    _run(engine, command.downgrade, "0035_cohort_planning")
    columns = {c["name"] for c in inspect(engine).get_columns("group_session")}
    assert not columns & {"starts_at", "duration_minutes", "room_id"}
    with engine.connect() as connection:
        held_on = connection.execute(text("SELECT held_on FROM group_session")).scalar_one()
    assert str(held_on) == "2026-11-04"
    _run(engine, command.upgrade, "0036_group_times")
