"""Row locks for state transitions: two requests moving one record at the same moment
give one success and one refusal, because the second re-checks the rule after the
first has committed."""

from __future__ import annotations

from sqlalchemy import select, update

from mhst.extensions import db


def lock_row(model: type, record_id: int):
    """Lock ``model`` row ``record_id`` until the transaction ends and reload it.

    PostgreSQL: ``SELECT ... FOR NO KEY UPDATE`` (a second locker waits for the first's commit,
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
        # FOR NO KEY UPDATE: lockers of the row still queue one behind the other, but rows
        # that merely refer to it (a form submission's user, a session's practitioner)
        # can be inserted meanwhile; FOR UPDATE would deadlock with their key-share locks.
        statement = statement.with_for_update(key_share=True)
    return db.session.scalars(statement.execution_options(populate_existing=True)).one_or_none()
