"""Key locks (``mhst.core.locking.lock_keys``): held by the transaction that took them
until it ends, so another transaction wanting one of the keys waits; on both databases.
(Two real requests racing on a child's identity: tests/concurrency/test_child_identity.py.)
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import text
from sqlalchemy.orm import Session

from mhst.core.locking import key_number, lock_keys
from mhst.extensions import db

KEYS = ["child:nhs:9434765919", "child:name:alex|invented:2014-01-15:1"]


def test_a_key_has_the_same_number_in_every_process():
    # hashlib, not hash(): Python's string hash changes with each process.
    assert key_number("child:nhs:9434765919") == -8089013309124471862
    assert key_number("a") == 5076750788452508187
    assert all(-(2**63) <= key_number(k) < 2**63 for k in [*KEYS, "", "é" * 1000])


def _others_may_take(numbers: list[int]) -> list[bool]:
    """Whether another connection could take each key's lock now (PostgreSQL)."""
    with db.engine.connect() as other:
        taken = [
            other.scalar(text("SELECT pg_try_advisory_xact_lock(:n)"), {"n": n}) for n in numbers
        ]
        other.rollback()
    return taken


def _other_may_write() -> bool:
    """Whether another connection could start writing now (SQLite)."""
    other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise
        return False
    finally:
        other.close()


def test_locked_keys_are_held_until_the_transaction_ends(app, backend, count_queries):
    numbers = [key_number(k) for k in KEYS]
    with Session(db.engine) as session:  # a transaction of its own, ended below
        session.connection()  # its BEGIN
        before = len(count_queries())
        lock_keys(session, [*KEYS, KEYS[0]])
        assert len(count_queries()) - before == 1  # one statement, whatever the number of keys
        if backend == "postgresql":
            assert _others_may_take(numbers) == [False, False]
            assert _others_may_take([key_number("another key")]) == [True]
        else:  # SQLite: the database's write lock, whatever the keys
            assert not _other_may_write()
        session.rollback()
        if backend == "postgresql":
            assert _others_may_take(numbers) == [True, True]
        else:
            assert _other_may_write()


def test_no_keys_take_no_lock(app, count_queries):
    before = len(count_queries())
    lock_keys(db.session, [])
    assert len(count_queries()) == before
