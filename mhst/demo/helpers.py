"""The demo's one set of helpers: dates and times of invented events, and finding or
making a row by its natural key."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from functools import cache

from sqlalchemy import select

from mhst.accounts.passwords import hash_password
from mhst.core.time import SERVICE_TIME_ZONE
from mhst.extensions import db


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """``day`` at ``hour``:``minute``, UK time."""
    return datetime.combine(day, time(hour, minute), tzinfo=SERVICE_TIME_ZONE)


def birthday(age: int, on: date) -> date:
    """A date of birth that makes a child ``age`` on ``on`` (a month past a birthday)."""
    return on - timedelta(days=int(age * 365.25) + 30)


def get_or_create(model, defaults: dict | None = None, **keys):
    """The row of ``model`` with ``keys``, made (with ``defaults``) if there is none."""
    found = db.session.scalars(select(model).filter_by(**keys)).one_or_none()
    if found is None:
        found = model(**keys, **(defaults or {}))
        db.session.add(found)
        db.session.flush()
    return found


def working_day(days: int, today: date) -> date:
    """The date ``days`` working days (Monday to Friday) before ``today``, or after it
    for a negative number: the demo's history happens on working days."""
    step = timedelta(days=-1 if days > 0 else 1)
    day, left = today, abs(days)
    while left:
        day += step
        if day.weekday() < 5:
            left -= 1
    return day


@cache
def unknown_password_hash() -> str:
    """The password hash of invented people who cannot sign in: of a random password
    nobody knows (made once, as hashing takes a while)."""
    return hash_password(secrets.token_urlsafe(32))
