"""Row locks for state transitions: two requests moving one record at the same moment
give one success and one refusal, because the second re-checks the rule after the
first has committed."""

from __future__ import annotations

from sqlalchemy import select, update

from mhst.extensions import db


def lock_row(model: type, record_id: int):
    """Lock ``model`` row ``record_id`` until the transaction ends and reload it.

    PostgreSQL: ``SELECT ... FOR UPDATE`` (a second locker waits for the first's commit,
    then reads what it saved). SQLite locks the whole database for writing: a no-op
    UPDATE takes that lock before the row is read again. Returns None if the row is gone.
    """
    primary_key = model.__mapper__.primary_key[0]
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(model).where(primary_key == record_id).values({primary_key.key: primary_key}),
            execution_options={"synchronize_session": False},
        )
    statement = select(model).where(primary_key == record_id)
    if db.session.get_bind().dialect.name != "sqlite":
        statement = statement.with_for_update()
    return db.session.scalars(statement.execution_options(populate_existing=True)).one_or_none()
