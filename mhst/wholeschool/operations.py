"""Domain rules for whole-school activities: staff log them against a school.

Views fetch the school through scoping first; these functions check the activity
itself, record it in the audit log and do not commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from mhst.accounts.models import User
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.extensions import db
from mhst.schools.campaign_names import campaign_name
from mhst.schools.models import School
from mhst.wholeschool.models import (
    ActivityKind,
    ActivityPrinciple,
    Principle,
    WholeSchoolActivity,
)


@dataclass(frozen=True)
class ActivityDetails:
    """What a member of staff records about one activity."""

    kind: ActivityKind
    held_on: date
    theme: str
    delivered_by: str
    principles: Iterable[Principle]
    other_kind: str | None = None
    attendance: int | None = None
    notes: str | None = None
    campaign_id: int | None = None  # the campaign it was held for (mhst.campaigns)


def check_other_kind(kind: ActivityKind, other_kind: str | None) -> str | None:
    """The description an "other" activity needs (and no other kind keeps)."""
    other_kind = (other_kind or "").strip() or None
    if kind is ActivityKind.OTHER and other_kind is None:
        raise RuleError("other_kind", "Describe the activity")
    return other_kind if kind is ActivityKind.OTHER else None


def check_held_on(held_on: date) -> None:
    if held_on > service_today():
        raise RuleError("held_on", "The date of the activity must be today or in the past")


def _checked(details: ActivityDetails) -> tuple[str | None, list[Principle]]:
    """The description of an "other" activity and the principles, or a RuleError."""
    other_kind = check_other_kind(details.kind, details.other_kind)
    check_held_on(details.held_on)
    if not details.theme.strip():
        raise RuleError("theme", "Enter the theme of the activity")
    if not details.delivered_by.strip():
        raise RuleError("delivered_by", "Enter who delivered the activity")
    if details.campaign_id is not None and campaign_name(details.campaign_id) is None:
        raise RuleError("campaign_id", "Select a campaign from the list")
    if details.attendance is not None and details.attendance < 0:
        raise RuleError("attendance", "Attendance must be a whole number, 0 or more")
    chosen = set(details.principles)
    principles = [p for p in Principle if p in chosen]  # in the guidance's order, once each
    if not principles:
        raise RuleError("principles", "Select at least one principle the activity serves")
    return other_kind, principles


def _apply(activity: WholeSchoolActivity, details: ActivityDetails) -> None:
    other_kind, principles = _checked(details)
    activity.kind, activity.other_kind = details.kind, other_kind
    activity.held_on = details.held_on
    activity.theme, activity.delivered_by = details.theme.strip(), details.delivered_by.strip()
    activity.attendance = details.attendance
    activity.notes = (details.notes or "").strip() or None
    activity.campaign_id = details.campaign_id
    # Keep the links that stay, so no row is deleted and inserted again with the same key.
    keep = [link for link in activity.principle_links if link.principle in principles]
    kept = {link.principle for link in keep}
    activity.principle_links = keep + [
        ActivityPrinciple(principle=p) for p in principles if p not in kept
    ]


def log_activity(school: School, details: ActivityDetails, *, by: User) -> WholeSchoolActivity:
    """Record an activity the team held with ``school``."""
    activity = WholeSchoolActivity(school=school, recorded_by=by, recorded_at=utcnow())
    _apply(activity, details)
    db.session.add(activity)
    db.session.flush()
    audit.record(
        AuditAction.CREATE,
        AuditRecordType.WHOLE_SCHOOL_ACTIVITY,
        activity.id,
        user=by,
        detail=f"school {school.id}",
    )
    return activity


def update_activity(
    activity: WholeSchoolActivity, details: ActivityDetails, *, by: User
) -> WholeSchoolActivity:
    """Correct a logged activity."""
    _apply(activity, details)
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.WHOLE_SCHOOL_ACTIVITY,
        activity.id,
        user=by,
        detail=f"school {activity.school_id}",
    )
    return activity


def totals_by_kind(school_id: int) -> list[tuple[ActivityKind, int, int]]:
    """(kind, number of activities, total attendance) for one school, commonest first."""
    rows = db.session.execute(
        select(
            WholeSchoolActivity.kind,
            func.count(WholeSchoolActivity.id),
            func.coalesce(func.sum(WholeSchoolActivity.attendance), 0),
        )
        .where(WholeSchoolActivity.school_id == school_id)
        .group_by(WholeSchoolActivity.kind)
    ).all()
    order = list(ActivityKind)
    return sorted(
        ((kind, count, attendance) for kind, count, attendance in rows),
        key=lambda row: (-row[1], order.index(row[0])),
    )


def latest_activities(school_id: int, limit: int = 5) -> list[WholeSchoolActivity]:
    """The school's most recent activities, with their principles, in two queries."""
    return list(
        db.session.scalars(
            select(WholeSchoolActivity)
            .where(WholeSchoolActivity.school_id == school_id)
            .options(db.selectinload(WholeSchoolActivity.principle_links))
            .order_by(WholeSchoolActivity.held_on.desc(), WholeSchoolActivity.id.desc())
            .limit(limit)
        )
    )
