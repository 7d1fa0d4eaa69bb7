"""The demo's one set of helpers: dates and times of invented events, and finding or
making a row by its natural key."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

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
