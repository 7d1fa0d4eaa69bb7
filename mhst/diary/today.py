"""Today's sessions for a practitioner's home page (UK today): two queries and one
audit INSERT, whatever the number of sessions."""

from __future__ import annotations

from datetime import timedelta

from mhst.accounts.models import User
from mhst.core.time import service_today
from mhst.diary import entries


def todays_sessions(user: User) -> entries.Day:
    """``user``'s 1:1 and group sessions today (no whole-school activities: the diary
    shows those); the children named are audited as read."""
    today = service_today()
    (day,) = entries.practitioner_days(
        user, user, today, today + timedelta(days=1), with_activities=False
    )
    entries.audit_named(user, [day])
    return day
