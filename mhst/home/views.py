"""The home page of each role, and the health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import case, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from mhst.accounts.models import Role, User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record_mixed, render_audited
from mhst.diary import today as diary_today
from mhst.extensions import db
from mhst.home.navigation import inject_navigation
from mhst.public import site_views as public_site
from mhst.referrals import risk_flags, risk_reviews
from mhst.referrals.models import Referral
from mhst.referrals.queries import audit_listed
from mhst.referrals.summary import referral_counts
from mhst.schools.models import School
from mhst.schools.operations import onboarding_checklist
from mhst.security import scoping
from mhst.security.permissions import Permission, has_permission, public
from mhst.sessions import reminder_models
from mhst.wholeschool import operations as wholeschool
from mhst.wholeschool.models import WholeSchoolActivity

bp = Blueprint("home", __name__)
# The menu and can() on every page, whichever blueprint renders it.
bp.app_context_processor(inject_navigation)

HOME_TEMPLATES = {
    Role.ADMINISTRATOR: "home/administrator.html",
    Role.CLINICAL_LEAD: "home/clinical_lead.html",
    Role.SENIOR_CLINICIAN: "home/senior_clinician.html",
    Role.EMHP: "home/emhp.html",
    Role.SCHOOL_MENTAL_HEALTH_LEAD: "home/school_mental_health_lead.html",
    Role.COMMISSIONER: "home/commissioner.html",
}


@bp.get("/")
@public
def index():
    """Each role's home page; for someone not signed in, the public page for families."""
    if not current_user.is_authenticated:
        return public_site.landing()
    school_count = db.session.scalar(
        select(func.count(School.id)).where(scoping.scope(current_user, School))
    )
    active_users = None
    if current_user.role is Role.ADMINISTRATOR:
        active_users = db.session.scalar(select(func.count(User.id)).where(User.active))
    extra = {}
    if current_user.role is Role.SCHOOL_MENTAL_HEALTH_LEAD:
        extra = _school_lead_home(current_user)
    if has_permission(current_user, Permission.VIEW_REFERRALS):
        extra["referral_counts"] = referral_counts(current_user)
    if current_user.role in RISK_OVERSEERS:
        extra.update(_risk_home(current_user))
    if current_user.role in DIARY_KEEPERS:
        extra["today"] = diary_today.todays_sessions(current_user)
    if has_permission(current_user, Permission.LOG_SESSIONS):
        extra["reminders_not_sent"] = reminder_models.problem_count(
            current_user.id, reminder_models.start_of_today()
        )
    return render_audited(
        HOME_TEMPLATES[current_user.role],
        school_count=school_count,
        active_users=active_users,
        **extra,
    )


# Who sees the risk reviews on their home page: the same-day reviews waiting (overdue
# ones tagged) and the case risk flags waiting for a senior clinician's review.
RISK_OVERSEERS = (Role.SENIOR_CLINICIAN, Role.CLINICAL_LEAD)


# Who sees today's sessions from their diary on their home page.
DIARY_KEEPERS = (Role.SENIOR_CLINICIAN, Role.EMHP)


# The most urgent of each list shown on the home page; "View all" pages the rest.
RISK_HOME_LIMIT = 10


def _risk_home(user: User) -> dict:
    """Four queries whatever the numbers (each list's first ten, and their counts); each
    child listed is an audited read."""
    reviews = risk_reviews.waiting_reviews(user, limit=RISK_HOME_LIMIT)
    flags = risk_flags.open_flags(user, limit=RISK_HOME_LIMIT)
    shown = dict.fromkeys([r.referral.id for r in reviews] + [f.referral_id for f in flags])
    record_mixed(
        [(AuditAction.READ, AuditRecordType.REFERRAL, referral_id) for referral_id in shown]
        + [(AuditAction.READ, AuditRecordType.RISK_FLAG, flag.id) for flag in flags],
        user=user,
    )
    return {
        "waiting_reviews": reviews,
        "waiting_counts": risk_reviews.waiting_counts(user),
        "open_risk_flags": flags,
        "open_flag_count": risk_flags.open_flag_count(user),
    }


def _school_lead_home(user: User) -> dict:
    """A school lead's own school: onboarding, the MHST team's contacts and the latest
    whole-school activity, in a fixed number of queries."""
    school = scoping.get_or_404(
        user,
        School,
        user.school_id,
        options=(
            db.joinedload(School.team),
            db.joinedload(School.onboarding),
            db.selectinload(School.lead_assignments),
        ),
    )
    contacts = []
    if school.team_id is not None:
        contacts = db.session.scalars(
            select(User)
            .where(
                User.team_id == school.team_id,
                User.active,
                User.role.in_((Role.SENIOR_CLINICIAN, Role.EMHP)),
            )
            .order_by(
                case((User.role == Role.SENIOR_CLINICIAN, 0), else_=1),
                func.lower(User.full_name),
                User.id,
            )
        ).all()
    checklist = onboarding_checklist(school)
    recent_referrals = db.session.scalars(
        select(Referral)
        .where(scoping.scope(user, Referral))
        .options(db.joinedload(Referral.child))
        .order_by(Referral.received_on.desc(), Referral.id.desc())
        .limit(5)
    ).all()
    audit_listed(user, recent_referrals)
    return {
        "recent_referrals": recent_referrals,
        "school": school,
        "onboarding": checklist,
        "onboarding_missing": sum(not done for _, done in checklist),
        "team_contacts": contacts,
        "recent_activities": wholeschool.latest_activities(school.id, limit=5),
        "activity_count": db.session.scalar(
            select(func.count(WholeSchoolActivity.id)).where(
                WholeSchoolActivity.school_id == school.id
            )
        ),
    }


@bp.get("/healthz")
@public
def healthz():
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "not answering"}, 503
    return {"status": "ok", "database": "ok"}, 200


@bp.get("/status")
@public
def status():
    """The floor route: only the NHS layout, no query of its own (the benchmark compares
    every page's time with this page's)."""
    return render_template("home/status.html")
