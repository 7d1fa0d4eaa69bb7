"""One school's page: its details, participation history and lifecycle actions, the
onboarding checklist and its named Mental Health Leads."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from mhst.accounts.models import Role, User
from mhst.cohorts.models import Cohort
from mhst.core import signals
from mhst.core.academic_year import academic_year_label
from mhst.core.forms import choices, commit_operation, failed
from mhst.extensions import db
from mhst.schools import operations
from mhst.schools.blueprint import bp
from mhst.schools.models import (
    LeadKind,
    ParticipationEvent,
    ParticipationStatus,
    School,
    SchoolLeadAssignment,
)
from mhst.schools.page_forms import (
    ChangeStatusForm,
    NameDeputyForm,
    NameLeadForm,
    OnboardingForm,
)
from mhst.schools.rooms import rooms_of
from mhst.security import scoping
from mhst.security.permissions import Permission, has_permission, requires

S = ParticipationStatus

# The checklist items a person ticks; "lead named" comes from the lead assignment and
# the welcome pack from its date.
TICKED_ITEMS = [
    item
    for item in operations.ONBOARDING_ITEMS
    if item.key not in ("lead_named", "welcome_pack_sent_on")
]
# Statuses in which the page warns about what onboarding still needs.
ONBOARDING_STAGES = frozenset({S.ASSIGNED_TO_COHORT, S.ONBOARDING})


def _load_school(school_id: int) -> School:
    """The school with everything its page shows, within the user's scope (else 404)."""
    return scoping.get_or_404(
        current_user,
        School,
        school_id,
        options=(
            db.joinedload(School.area),
            db.joinedload(School.team),
            db.joinedload(School.cohort),
            db.joinedload(School.onboarding),
            db.selectinload(School.participation_events).joinedload(ParticipationEvent.by_user),
            db.selectinload(School.lead_assignments).joinedload(SchoolLeadAssignment.user),
        ),
    )


def _cohorts() -> list[Cohort]:
    return list(
        db.session.scalars(select(Cohort).order_by(Cohort.academic_year.desc(), Cohort.name))
    )


def _allowed_next(school: School) -> list[ParticipationStatus]:
    allowed = operations.TRANSITIONS[school.participation_status]
    return [status for status in ParticipationStatus if status in allowed]


def _set_status_choices(form: ChangeStatusForm, school: School, cohorts: list[Cohort]) -> None:
    allowed = _allowed_next(school)
    form.to_status.choices = choices((status.value, status.label) for status in allowed)
    form.to_status.invalid_message = (
        f"A school that is {school.participation_status.label.lower()} can only become: "
        + ", ".join(status.label.lower() for status in allowed)
    )
    form.cohort_id.choices = choices(
        [("", "Select a cohort")] + [(c.id, _cohort_option(c)) for c in cohorts]
    )


def _cohort_option(cohort) -> str:
    """The cohort's name, with its academic year unless the name already says it."""
    year = academic_year_label(cohort.academic_year)
    return cohort.name if year in cohort.name else f"{cohort.name} ({year})"


def _render_show(school: School, status_form: ChangeStatusForm | None, status: int = 200):
    checklist = operations.onboarding_checklist(school)
    missing = [item for item, done in checklist if not done]
    # Higher packages' sections (the indicators of need), without importing them.
    responses = signals.school_page.send(school, user=current_user)
    return render_template(
        "schools/show.html",
        school=school,
        status_form=status_form,
        checklist=checklist,
        missing=missing,
        warn_missing=bool(missing) and school.participation_status in ONBOARDING_STAGES,
        lead=operations.current_lead(school, LeadKind.LEAD),
        deputy=operations.current_lead(school, LeadKind.DEPUTY),
        can_manage_participation=has_permission(current_user, Permission.MANAGE_PARTICIPATION),
        can_manage_onboarding=has_permission(current_user, Permission.MANAGE_ONBOARDING),
        can_view_cohorts=has_permission(current_user, Permission.VIEW_COHORTS),
        can_manage_schools=has_permission(current_user, Permission.MANAGE_SCHOOLS),
        rooms=[room for room in rooms_of(school.id) if room.active],
        can_manage_rooms=has_permission(current_user, Permission.MANAGE_SCHOOL_ROOMS),
        **signals.values_from_signal(responses, {"need_card": None}),
    ), status


@bp.get("/<int:school_id>")
@requires(Permission.VIEW_SCHOOLS)
def show(school_id: int):
    school = _load_school(school_id)
    status_form = None
    if has_permission(current_user, Permission.MANAGE_PARTICIPATION):
        status_form = ChangeStatusForm(data={"cohort_id": str(school.cohort_id or "")})
        _set_status_choices(status_form, school, _cohorts())
    return _render_show(school, status_form)


@bp.post("/<int:school_id>/status")
@requires(Permission.MANAGE_PARTICIPATION)
def change_status(school_id: int):
    school = _load_school(school_id)
    cohorts = _cohorts()
    form = ChangeStatusForm()
    _set_status_choices(form, school, cohorts)
    if form.validate():
        to_status = ParticipationStatus(form.to_status.data)
        cohort = next((c for c in cohorts if str(c.id) == form.cohort_id.data), None)
        event = commit_operation(
            form,
            operations.change_participation,
            school,
            to_status,
            by=current_user,
            reason=form.reason.data,
            cohort=cohort,
        )
        if not failed(event):
            flash(f"{school.name} is now {to_status.label.lower()}.", "success")
            return redirect(url_for(".show", school_id=school.id))
        school = _load_school(school_id)  # the refused change was rolled back
    return _render_show(school, form, status=400)


@bp.route("/<int:school_id>/onboarding", methods=["GET", "POST"])
@requires(Permission.MANAGE_ONBOARDING)
def onboarding(school_id: int):
    school = scoping.get_or_404(current_user, School, school_id)
    record = school.onboarding
    if request.method == "POST":
        form = OnboardingForm()
    else:
        done = operations.onboarding_done(school)
        form = OnboardingForm(
            data={
                "done": [item.key for item in TICKED_ITEMS if done[item.key]],
                "welcome_pack_sent_on": record.welcome_pack_sent_on if record else None,
            }
        )
    form.done.choices = choices((item.key, item.label) for item in TICKED_ITEMS)
    if form.validate_on_submit():
        ticked = set(form.done.data or [])
        result = commit_operation(
            form,
            operations.update_onboarding,
            school,
            by=current_user,
            welcome_pack_sent_on=form.welcome_pack_sent_on.data,
            **{item.key: item.key in ticked for item in TICKED_ITEMS},
        )
        if not failed(result):
            missing = operations.missing_onboarding_items(school)
            flash(
                f"Onboarding checklist for {school.name} saved. "
                + (
                    f"{len(missing)} {'item is' if len(missing) == 1 else 'items are'} "
                    "still missing."
                    if missing
                    else "Every item is done."
                ),
                "success",
            )
            return redirect(url_for(".show", school_id=school.id))
    return render_template(
        "schools/onboarding.html",
        school=school,
        form=form,
        lead=operations.current_lead(school, LeadKind.LEAD),
        can_manage_participation=has_permission(current_user, Permission.MANAGE_PARTICIPATION),
    ), 400 if form.errors else 200


def _lead_candidates(school: School) -> list[User]:
    """Active school mental health lead accounts that belong to ``school``."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role == Role.SCHOOL_MENTAL_HEALTH_LEAD,
                User.school_id == school.id,
                User.active.is_(True),
            )
            .order_by(User.full_name, User.id)
        )
    )


def _set_lead_choices(form, candidates: list[User]) -> None:
    form.user_id.choices = choices(
        [("", "Select a person")] + [(u.id, f"{u.full_name} ({u.email})") for u in candidates]
    )


# Each place's form, and the prefix that keeps its field ids apart on the one page.
LEAD_FORMS = {LeadKind.LEAD: (NameLeadForm, "lead"), LeadKind.DEPUTY: (NameDeputyForm, "deputy")}


@bp.route("/<int:school_id>/leads", methods=["GET", "POST"])
@requires(Permission.MANAGE_PARTICIPATION)
def leads(school_id: int):
    school = _load_school(school_id)
    candidates = _lead_candidates(school)
    forms = {}
    for kind, (form_class, prefix) in LEAD_FORMS.items():
        holder = operations.current_lead(school, kind)
        forms[kind] = form_class(
            prefix=prefix, formdata=None, data={"user_id": str(holder.user_id) if holder else ""}
        )
    if request.method == "POST":
        # Three small forms post here; their hidden "action" says which one.
        action = request.form.get("action") or LeadKind.LEAD.value
        if action == "remove_deputy":
            result = commit_operation(
                forms[LeadKind.DEPUTY],
                operations.end_lead,
                school,
                LeadKind.DEPUTY,
                by=current_user,
            )
            if not failed(result):
                flash(f"{school.name} no longer has a deputy Mental Health Lead.", "success")
                return redirect(url_for(".leads", school_id=school.id))
        elif action in {kind.value for kind in LeadKind}:
            kind = LeadKind(action)
            form_class, prefix = LEAD_FORMS[kind]
            form = forms[kind] = form_class(prefix=prefix)
            _set_lead_choices(form, candidates)
            if form.validate():
                person = next(u for u in candidates if str(u.id) == form.user_id.data)
                result = commit_operation(
                    form, operations.name_lead, school, person, kind, by=current_user
                )
                if not failed(result):
                    flash(
                        f"{person.full_name} is now the {kind.label} for {school.name}.", "success"
                    )
                    return redirect(url_for(".leads", school_id=school.id))
        else:
            abort(400, description="Choose to name the lead, name the deputy or remove the deputy.")
    for form in forms.values():
        _set_lead_choices(form, candidates)
    error_list = [error for form in forms.values() for error in form.error_list()]
    return render_template(
        "schools/leads.html",
        school=school,
        candidates=candidates,
        lead=operations.current_lead(school, LeadKind.LEAD),
        deputy=operations.current_lead(school, LeadKind.DEPUTY),
        lead_form=forms[LeadKind.LEAD],
        deputy_form=forms[LeadKind.DEPUTY],
        error_list=error_list,
        can_manage_users=has_permission(current_user, Permission.MANAGE_USERS),
    ), 400 if error_list else 200
