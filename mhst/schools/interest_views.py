"""The public page where a school registers interest in joining a future cohort, and the
administrator's review of those registrations."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import case, select

from mhst.accounts.models import User
from mhst.core import keyset
from mhst.core.forms import commit_operation, failed
from mhst.extensions import db, limiter
from mhst.organisation.models import ServiceArea
from mhst.schools import interest
from mhst.schools.campaign_names import campaign_name, campaign_names
from mhst.schools.interest_forms import InterestForm, ReviewForm, set_area_choices
from mhst.schools.models import InterestRegistration, InterestStatus
from mhst.security.permissions import Permission, public, requires

bp = Blueprint("interest", __name__)

# The public form: enough for a school to ask again after a mistake, not for a flood.
REGISTER_LIMIT = "5 per hour"
REGISTERED_KEY = "interest_registration_id"


@bp.errorhandler(429)
def too_many_registrations(_error):
    """The shared 429 page talks about signing in; this one is about the form."""
    return render_template("interest/too_many.html"), 429


@bp.route("/join", methods=["GET", "POST"])
@public
@limiter.limit(REGISTER_LIMIT, methods=["POST"])
def register():
    areas = db.session.scalars(select(ServiceArea).order_by(ServiceArea.name)).all()
    form = InterestForm()
    set_area_choices(form, areas)
    if form.validate_on_submit():
        registration = commit_operation(
            form,
            interest.register_interest,
            school_name=form.school_name.data,
            urn=form.urn.data,
            area=next(a for a in areas if str(a.id) == form.area_id.data),
            contact_name=form.contact_name.data,
            contact_role=form.contact_role.data,
            contact_email=form.contact_email.data,
            pupils_on_roll=form.pupils_on_roll.data,
            message=form.message.data,
        )
        if not failed(registration):
            session[REGISTERED_KEY] = registration.id
            return redirect(url_for(".registered"))
    return render_template("interest/register.html", form=form), 400 if form.errors else 200


@bp.get("/join/registered")
@public
def registered():
    """The confirmation, shown once to whoever just sent the form (the id is in their
    signed session cookie); anyone else is sent to the form."""
    registration_id = session.pop(REGISTERED_KEY, None)
    registration = (
        db.session.get(InterestRegistration, registration_id)
        if isinstance(registration_id, int)
        else None
    )
    if registration is None:
        return redirect(url_for(".register"))
    return render_template("interest/registered.html", registration=registration)


STATUS_FILTERS = {status.value: status for status in InterestStatus}
# Waiting for a decision first, then newest first: keyset pages, whatever the number.
PENDING_FIRST = [
    keyset.Key(case((InterestRegistration.status == InterestStatus.PENDING, 0), else_=1)),
    keyset.Key(InterestRegistration.submitted_at, descending=True),
    keyset.Key(InterestRegistration.id, descending=True),
]


@bp.get("/admin/interest")
@requires(Permission.REVIEW_INTEREST)
def index():
    status = request.args.get("status", "")
    errors = []
    stmt = select(InterestRegistration)
    if status:
        if status in STATUS_FILTERS:
            stmt = stmt.where(InterestRegistration.status == STATUS_FILTERS[status])
        else:
            errors.append(("status", "Select a status from the list"))
    page = keyset.paginate(
        stmt, PENDING_FIRST, request.args, options=[db.joinedload(InterestRegistration.area)]
    )
    return render_template(
        "interest/index.html",
        page=page,
        campaigns=campaign_names(r.campaign_id for r in page.items),
        status_options=[(s.value, s.label) for s in InterestStatus],
        filters={"status": status},
        filter_errors=errors,
    ), 400 if errors else 200


@bp.route("/admin/interest/<int:registration_id>", methods=["GET", "POST"])
@requires(Permission.REVIEW_INTEREST)
def review(registration_id: int):
    registration = db.session.get(InterestRegistration, registration_id)
    if registration is None:
        abort(404)
    form = ReviewForm()
    if form.validate_on_submit():
        school = commit_operation(
            form,
            interest.review,
            registration,
            InterestStatus(form.decision.data),
            by=current_user,
            reason=form.reason.data,
        )
        if not failed(school):
            if school is None:
                flash(f"The registration from {registration.school_name} was declined.", "success")
            else:
                flash(
                    f"The registration from {registration.school_name} was accepted. "
                    f"{school.name} is {school.participation_status.label.lower()}.",
                    "success",
                )
            return redirect(url_for(".review", registration_id=registration.id))
    reviewer = (
        db.session.get(User, registration.reviewed_by_id) if registration.reviewed_by_id else None
    )
    return render_template(
        "interest/review.html",
        registration=registration,
        reviewer=reviewer,
        form=form,
        campaign=campaign_name(registration.campaign_id),
    ), 400 if form.errors else 200
