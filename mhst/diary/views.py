"""The diary pages: a practitioner's week and day, booking from a day, the team's week,
a school's view of the team's visits, and the private calendar feed.

Dates come as ``?date=YYYY-MM-DD`` (UK dates; weeks start on Monday); a date that cannot
be read shows today. Records are fetched through ``mhst.security.scoping`` (out of scope
is a 404); pages naming children audit them in one INSERT, then commit
(``render_audited``).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from mhst.audit.operations import render_audited
from mhst.core.forms import commit_unit
from mhst.core.time import service_today
from mhst.diary import entries, feeds
from mhst.extensions import db, limiter
from mhst.organisation.models import Team
from mhst.schools.models import School
from mhst.security import scoping
from mhst.security.http import without_session
from mhst.security.permissions import Permission, public, requires

bp = Blueprint("diary", __name__)


def feed_limit() -> str:
    """Fetches of a calendar feed allowed from one address (``CALENDAR_FEED_RATE_LIMIT``)."""
    return current_app.config["CALENDAR_FEED_RATE_LIMIT"]


# The times offered when booking from a day: every quarter hour of the school day.
BOOKING_TIMES = [f"{hour:02d}:{minute:02d}" for hour in range(8, 19) for minute in (0, 15, 30, 45)]
DATE_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}")


def chosen_date() -> date:
    """The ``date`` asked for, or today when there is none or it cannot be read."""
    text = request.args.get("date", "").strip()
    if DATE_FORMAT.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return service_today()
        if 2000 <= day.year <= 2100:
            return day
    return service_today()


def _week_links(endpoint: str, monday: date, **args) -> dict:
    return {
        "previous": url_for(endpoint, date=(monday - timedelta(days=7)).isoformat(), **args),
        "next": url_for(endpoint, date=(monday + timedelta(days=7)).isoformat(), **args),
        "today": url_for(endpoint, **args),
    }


# ---- a practitioner's own diary -------------------------------------------------------


@bp.get("/diary")
@requires(Permission.VIEW_CASELOAD)
def week():
    monday = entries.week_start(chosen_date())
    days = entries.practitioner_days(current_user, current_user, monday, monday + timedelta(days=7))
    entries.audit_named(current_user, days)
    return render_audited(
        "diary/week.html",
        monday=monday,
        days=days,
        today=service_today(),
        links=_week_links("diary.week", monday),
    )


def _booking_errors(cases) -> tuple[list[tuple[str, str]], str | None]:
    """Errors in a booking asked from a day page (``case``, ``time``), and the time."""
    errors = []
    case = request.args.get("case", "").strip()
    if case not in {str(referral.id) for referral in cases}:
        errors.append(("case", "Select one of your open cases"))
    time = request.args.get("time", "").strip()
    if time and time not in BOOKING_TIMES:
        errors.append(("time", "Select a time from the list"))
    return errors, time or None


@bp.get("/diary/day")
@requires(Permission.VIEW_CASELOAD)
def day():
    """One day of the diary; with ``case`` (and ``time``) it is the "Book a session" form,
    sent on to the case's booking page with the date and time filled in."""
    chosen = chosen_date()
    cases = entries.open_cases(current_user)
    errors: list[tuple[str, str]] = []
    if "case" in request.args:
        errors, time = _booking_errors(cases)
        if not errors:
            args = {"date": chosen.isoformat()} | ({"time": time} if time else {})
            return redirect(
                url_for("sessions.book_session", case_id=int(request.args["case"]), **args)
            )
    (shown,) = entries.practitioner_days(
        current_user, current_user, chosen, chosen + timedelta(days=1)
    )
    entries.audit_named(current_user, [shown])
    html = render_audited(
        "diary/day.html",
        shown=shown,
        today=service_today(),
        cases=cases,
        times=BOOKING_TIMES,
        error_list=errors,
        error_for=dict(errors),
        chosen_case=request.args.get("case", ""),
        chosen_time=request.args.get("time", ""),
        links={
            "previous": url_for("diary.day", date=(chosen - timedelta(days=1)).isoformat()),
            "next": url_for("diary.day", date=(chosen + timedelta(days=1)).isoformat()),
            "today": url_for("diary.day"),
            "week": url_for("diary.week", date=chosen.isoformat()),
        },
    )
    return html, 400 if errors else 200


# ---- the team's week ------------------------------------------------------------------


@bp.get("/diary/team")
@requires(Permission.VIEW_TEAM_DIARY)
def team():
    """Who is where, when: a senior clinician's team; the clinical lead chooses any."""
    teams = db.session.scalars(
        select(Team).where(scoping.scope(current_user, Team)).order_by(Team.name)
    ).all()
    asked = request.args.get("team", "").strip()
    error = None
    chosen = next((t for t in teams if str(t.id) == asked), None)
    if asked and chosen is None:
        error = "Select a team from the list"
    if chosen is None:
        own = next((t for t in teams if t.id == current_user.team_id), None)
        chosen = own or (teams[0] if teams else None)
    monday = entries.week_start(chosen_date())
    days = entries.team_days(chosen.id, monday, monday + timedelta(days=7)) if chosen else []
    entries.audit_named(current_user, days)
    html = render_audited(
        "diary/team.html",
        teams=teams,
        team=chosen,
        monday=monday,
        days=days,
        today=service_today(),
        error_list=[("team", error)] if error else [],
        team_error=error,
        links=_week_links("diary.team", monday, **({"team": chosen.id} if chosen else {})),
    )
    return html, 400 if error else 200


# ---- a school's view of the team's visits ---------------------------------------------


@bp.get("/schools/<int:school_id>/visits")
@requires(Permission.VIEW_SCHOOLS)
def school_visits(school_id: int):
    """The MHST's visits to a school in a week: when, where, who and what kind; never a
    child or anything clinical (its lead sees their own school's)."""
    school = scoping.get_or_404(current_user, School, school_id)
    monday = entries.week_start(chosen_date())
    days = entries.school_days(school.id, monday, monday + timedelta(days=7))
    return render_template(
        "diary/school.html",
        school=school,
        monday=monday,
        days=days,
        today=service_today(),
        links=_week_links("diary.school_visits", monday, school_id=school.id),
    )


# ---- the calendar feed ----------------------------------------------------------------


def _feed_page(token: str | None = None):
    response = make_response(
        render_template(
            "diary/feed.html",
            feed=feeds.current_feed(current_user),
            address=url_for("diary.calendar", feed_token=token, _external=True) if token else None,
        )
    )
    response.headers["Cache-Control"] = "no-store"  # the address is shown once
    return response


@bp.get("/diary/calendar-feed")
@requires(Permission.VIEW_CASELOAD)
def feed():
    return _feed_page()


@bp.post("/diary/calendar-feed")
@requires(Permission.VIEW_CASELOAD)
def new_feed():
    """A new private address (the old one stops working), shown once on this page."""
    token = commit_unit(feeds.new_feed, current_user)
    return _feed_page(token)


@bp.post("/diary/calendar-feed/stop")
@requires(Permission.VIEW_CASELOAD)
def stop_feed():
    commit_unit(feeds.stop_feed, current_user)
    return redirect(url_for("diary.feed"))


@bp.get("/calendar/<feed_token>.ics")
@public
@without_session
@limiter.limit(feed_limit)
def calendar(feed_token: str):
    """The feed itself: anyone with the address may read it (the address is the secret);
    a wrong or stopped address is a 404. No session is started."""
    found = feeds.feed_by_token(feed_token)
    if found is None:
        abort(404)
    body = commit_unit(feeds.serve, found)
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="mhst-sessions.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
