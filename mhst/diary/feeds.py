"""Each practitioner's private calendar feed: an address with a random token (only its
hash is kept), and the iCalendar it serves.

The feed names no child: a session is "Session with A.B. (C000123)", the child's initials
and record number; no notes, stage, pathway or anything clinical. A group session is
"Group: <title>", no participant named: at its time when it was recorded with one
(busy, in its school's room), else an all-day event that leaves the day free.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select, update

from mhst.accounts.models import User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core.time import service_today, utcnow
from mhst.diary import entries
from mhst.diary.models import CalendarFeed
from mhst.extensions import db
from mhst.sessions.models import CareContact

# The sessions a feed holds: from 30 days ago to a year ahead.
DAYS_BEFORE = 30
DAYS_AHEAD = 366
PRODUCT = "-//NHS MHST Case Manager//Diary//EN"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def current_feed(user: User) -> CalendarFeed | None:
    """The user's working feed address, if they have one."""
    return db.session.scalars(
        select(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.id.desc())
        .limit(1)
    ).one_or_none()


def stop_feed(user: User) -> int:
    """Revoke every working feed address of ``user``; how many were stopped."""
    result = db.session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        record(
            AuditAction.UPDATE,
            AuditRecordType.CALENDAR_FEED,
            user.id,
            user=user,
            detail="Calendar feed address stopped",
        )
    return result.rowcount


def new_feed(user: User) -> str:
    """A new feed address for ``user`` (any old one stops working): returns the token,
    which is shown once and never stored."""
    stop_feed(user)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=user.id, token_hash=token_hash(token))
    db.session.add(feed)
    db.session.flush()
    record(
        AuditAction.CREATE,
        AuditRecordType.CALENDAR_FEED,
        feed.id,
        user=user,
        detail="Calendar feed address made",
    )
    return token


def feed_by_token(token: str) -> CalendarFeed | None:
    """The working feed with this token, or None (wrong, or stopped)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalars(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == token_hash(token), CalendarFeed.revoked_at.is_(None)
        )
    ).one_or_none()


def _session_event(contact: CareContact, stamp: datetime) -> Event:
    child = contact.referral.child
    event = Event()
    event.add("uid", f"session-{contact.id}@mhst-case-manager")
    event.add("dtstamp", stamp)
    event.add(
        "summary",
        f"Session with {entries.initials(child.given_name, child.family_name)} ({child.reference})",
    )
    starts = contact.starts_at.astimezone(UTC)
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=contact.duration_minutes))
    event.add("location", entries.place_of(contact))
    event.add("status", "CANCELLED" if entries.cancelled(contact) else "CONFIRMED")
    return event


def _group_event(session, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"group-session-{session.id}@mhst-case-manager")
    event.add("dtstamp", stamp)
    event.add("summary", f"Group: {session.group.title}")
    if session.timed:
        starts = session.starts_at.astimezone(UTC)
        event.add("dtstart", starts)
        event.add("dtend", starts + timedelta(minutes=session.duration_minutes))
    else:
        event.add("dtstart", session.held_on)
        event.add("dtend", session.held_on + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    event.add("location", entries.group_place(session))
    return event


def calendar_for(user: User, *, today: date | None = None) -> bytes:
    """The iCalendar of ``user``'s sessions: 1:1 sessions from 30 days ago to a year
    ahead, and the group sessions they facilitate (at their time, or all day when
    recorded without one)."""
    today = today or service_today()
    first, after = today - timedelta(days=DAYS_BEFORE), today + timedelta(days=DAYS_AHEAD)
    days = entries.practitioner_days(user, user, first, after, with_activities=False)
    stamp = utcnow()
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "MHST sessions")
    for day in days:
        for row in day.sessions:
            calendar.add_component(_session_event(row.contact, stamp))
        for session in day.groups:
            calendar.add_component(_group_event(session, stamp))
    return calendar.to_ical()


def serve(feed: CalendarFeed) -> bytes:
    """The feed's calendar; the fetch is audited (one record) and its time kept."""
    body = calendar_for(feed.user)
    feed.last_fetched_at = utcnow()
    record(
        AuditAction.EXPORT,
        AuditRecordType.CALENDAR_FEED,
        feed.id,
        user=feed.user,
        detail="Calendar feed fetched",
    )
    return body
