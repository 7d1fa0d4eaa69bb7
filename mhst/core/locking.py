"""Row locks for state transitions: two requests moving one record at the same moment
give one success and one refusal, because the second re-checks the rule after the
first has committed. Key locks for records that do not exist yet: two requests making
the same thing (a new child's record) queue on its identity, and the second finds the
first's."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

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


def key_number(key: str) -> int:
    """A stable signed 64-bit number for ``key`` (the same in every process and release,
    unlike ``hash()``), as PostgreSQL's advisory locks take it."""
    digest = hashlib.blake2b(key.encode(), digest_size=8, person=b"mhst-lock").digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_keys(session: Session, keys: Iterable[str]) -> None:
    """Hold a lock on each of ``keys`` (strings naming what is about to be found or made,
    such as a child's identity) until the transaction ends; read what they guard after.

    PostgreSQL: ``pg_advisory_xact_lock`` on each key's :func:`key_number`, taken in one
    statement in number order, so two transactions wanting overlapping keys cannot
    deadlock (the one-number lock space; ``mhst.reports.fact_sync`` uses the two-number
    one). SQLite has one writer at a time: a write that changes nothing takes the
    database's write lock (as ``BEGIN IMMEDIATE`` would), whatever the keys.
    """
    numbers = sorted({key_number(key) for key in keys})
    if not numbers:
        return
    if session.get_bind().dialect.name == "sqlite":
        # The statement takes the lock before looking for rows: none is changed.
        session.execute(text("UPDATE form_submission SET token = token WHERE 1 = 0"))
        return
    session.execute(
        text(
            "SELECT pg_advisory_xact_lock(key) FROM "
            "(SELECT unnest(CAST(:keys AS bigint[])) AS key ORDER BY 1) AS keys"
        ),
        {"keys": numbers},
    )
