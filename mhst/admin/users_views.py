"""Administrator pages: list, create, change, deactivate and unlock users; reset two-step
sign-in."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from mhst.accounts import approvals, lockout, mfa, operations
from mhst.accounts.forms import (
    NO_SCHOOL,
    EditUserForm,
    NewUserForm,
    TemporaryPasswordForm,
    school_label,
    set_team_choices,
)
from mhst.accounts.models import User
from mhst.core import keyset
from mhst.core.forms import BaseForm, commit_operation, commit_unit, failed
from mhst.extensions import db
from mhst.organisation.models import Team
from mhst.schools.choosing import SchoolChoice, narrowing_requested, offer_schools
from mhst.schools.models import School
from mhst.security.permissions import Permission, requires
from mhst.security.roles import ROLE_LABELS, Role

bp = Blueprint("users_admin", __name__, url_prefix="/admin/users")

STATUS_FILTERS = {
    "active": User.active.is_(True),
    "deactivated": User.active.is_(False),
    "awaiting": User.pending_role.is_not(None),
}


def _teams():
    return db.session.scalars(select(Team).order_by(Team.name)).all()


def _set_scope_choices(form) -> SchoolChoice:
    """The teams, and the schools (narrowed by area and team: a national service has
    some 24,000)."""
    set_team_choices(form, _teams())
    return offer_schools(current_user, form.school_id, first=NO_SCHOOL, label=school_label)


def _scope_from_form(form) -> tuple[Role, Team | None, School | None]:
    role = Role(form.role.data)
    team = db.session.get(Team, int(form.team_id.data)) if form.team_id.data else None
    school = db.session.get(School, int(form.school_id.data)) if form.school_id.data else None
    return role, team, school


def _get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


# A to Z by keyset: a national service has some 30,000 accounts (24,000 school leads).
BY_NAME = [keyset.Key(func.lower(User.full_name)), keyset.Key(User.id)]


@bp.get("/")
@requires(Permission.MANAGE_USERS)
def index():
    teams = _teams()
    query = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    team_id = request.args.get("team", "")
    status = request.args.get("status", "")
    errors = []
    stmt = select(User)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(or_(func.lower(User.full_name).like(like), User.email.like(like)))
    if role:
        if role in {r.value for r in Role}:
            stmt = stmt.where(User.role == Role(role))
        else:
            errors.append(("role", "Select a role from the list"))
    if team_id:
        if team_id.isdigit() and any(t.id == int(team_id) for t in teams):
            stmt = stmt.where(User.team_id == int(team_id))
        else:
            errors.append(("team", "Select a team from the list"))
    if status:
        if status in STATUS_FILTERS:
            stmt = stmt.where(STATUS_FILTERS[status])
        else:
            errors.append(("status", "Select a status from the list"))
    page = keyset.paginate(
        stmt, BY_NAME, request.args, options=[db.joinedload(User.team), db.joinedload(User.school)]
    )
    return render_template(
        "admin/users/index.html",
        page=page,
        role_options=[(role.value, label) for role, label in ROLE_LABELS.items()],
        team_options=[(team.id, team.name) for team in teams],
        filters={"q": query, "role": role, "team": team_id, "status": status},
        filter_errors=errors,
    ), 400 if errors else 200


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def new():
    form = NewUserForm()
    schools = _set_scope_choices(form)
    if not narrowing_requested() and form.validate_on_submit():
        role, team, school = _scope_from_form(form)
        user = commit_operation(
            form,
            operations.create_user,
            email=form.email.data,
            full_name=form.full_name.data,
            role=role,
            team=team,
            school=school,
            password=form.password.data,
            by=current_user,
        )
        if not failed(user):
            if user.awaiting_first_approval:
                flash(
                    f"{user.full_name} can sign in as {role.label.lower()} once another "
                    "administrator approves the role.",
                    "success",
                )
            else:
                flash(f"{user.full_name} can now sign in as {role.label.lower()}.", "success")
            return redirect(url_for(".edit", user_id=user.id))
    return render_template(
        "admin/users/new.html", form=form, school_choice=schools
    ), 400 if form.errors else 200


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def edit(user_id: int):
    user = _get_user_or_404(user_id)
    form = EditUserForm() if request.method == "POST" else _edit_form(user)
    schools = _set_scope_choices(form)
    if not narrowing_requested() and form.validate_on_submit():
        role, team, school = _scope_from_form(form)
        result = commit_operation(
            form,
            operations.update_user,
            user,
            full_name=form.full_name.data,
            role=role,
            team=team,
            school=school,
            by=current_user,
        )
        if not failed(result):
            flash(f"Changes to {user.full_name} saved.", "success")
            if user.pending_role is not None:
                flash(
                    f"The role {user.pending_role.label.lower()} waits for another "
                    "administrator's approval.",
                    "info",
                )
            return redirect(url_for(".edit", user_id=user.id))
    return _edit_page(user, form=form, schools=schools), 400 if form.errors else 200


def _edit_page(user: User, *, form=None, schools=None, password_form=None):
    if form is None:
        form = _edit_form(user)
        schools = _set_scope_choices(form)
    return render_template(
        "admin/users/edit.html",
        form=form,
        school_choice=schools,
        password_form=password_form or TemporaryPasswordForm(formdata=None),
        user=user,
    )


def _edit_form(user: User) -> EditUserForm:
    return EditUserForm(
        obj=user,
        data={
            "role": user.role.value,
            "team_id": str(user.team_id or ""),
            "school_id": str(user.school_id or ""),
        },
    )


@bp.post("/<int:user_id>/temporary-password")
@requires(Permission.MANAGE_USERS)
def temporary_password(user_id: int):
    """An administrator's password reset: a temporary password, changed at next sign-in."""
    user = _get_user_or_404(user_id)
    form = TemporaryPasswordForm()
    if form.validate_on_submit():
        result = commit_operation(
            form, operations.set_temporary_password, user, form.password.data, by=current_user
        )
        if not failed(result):
            flash(
                f"{user.full_name} has a temporary password and has been signed out. They "
                "choose a new password when they next sign in.",
                "success",
            )
            return redirect(url_for(".edit", user_id=user.id))
    return _edit_page(user, password_form=form), 400


@bp.post("/<int:user_id>/approve-role")
@requires(Permission.MANAGE_USERS)
def approve_role(user_id: int):
    return _decide(user_id, approvals.approve_role, "approved")


@bp.post("/<int:user_id>/decline-role")
@requires(Permission.MANAGE_USERS)
def decline_role(user_id: int):
    return _decide(user_id, approvals.decline_role, "declined")


def _decide(user_id: int, decision, outcome: str):
    user = _get_user_or_404(user_id)
    role = user.pending_role
    try:
        commit_unit(decision, user, by=current_user)
    except operations.AccountRuleError as error:  # rolled back: nothing changed
        flash(error.message, "info")
    else:
        flash(f"The role {role.label.lower()} for {user.full_name} was {outcome}.", "success")
    return redirect(url_for(".edit", user_id=user.id))


@bp.post("/<int:user_id>/deactivate")
@requires(Permission.MANAGE_USERS)
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/<int:user_id>/reactivate")
@requires(Permission.MANAGE_USERS)
def reactivate(user_id: int):
    return _set_active(user_id, True)


@bp.post("/<int:user_id>/unlock")
@requires(Permission.MANAGE_USERS)
def unlock(user_id: int):
    """End a lockout after failed sign-ins before it runs out (audited)."""
    user = _get_user_or_404(user_id)
    commit_unit(lockout.unlock, user, by=current_user)
    flash(f"{user.full_name} can sign in again.", "success")
    return redirect(url_for(".edit", user_id=user.id))


def _set_active(user_id: int, active: bool):
    user = _get_user_or_404(user_id)
    try:
        commit_unit(operations.set_active, user, active, by=current_user)
    except operations.AccountRuleError as error:  # rolled back: nothing changed
        flash(error.message, "info")
    else:
        if active:
            flash(f"{user.full_name} can sign in again.", "success")
        else:
            flash(f"{user.full_name} has been deactivated and signed out everywhere.", "success")
    return redirect(url_for(".edit", user_id=user.id))


@bp.route("/<int:user_id>/reset-two-step-sign-in", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def reset_two_step(user_id: int):
    """Confirm, then reset a user's authenticator app (a lost phone): audited, and every
    session of theirs ends; they set up an app again at their next sign-in."""
    user = _get_user_or_404(user_id)
    form = BaseForm()
    if form.validate_on_submit():
        commit_unit(mfa.reset, user, by=current_user._get_current_object())
        flash(
            f"{user.full_name} has been signed out everywhere and will set up two-step "
            "sign-in again the next time they sign in.",
            "success",
        )
        return redirect(url_for(".edit", user_id=user.id))
    return render_template("admin/users/reset_two_step.html", user=user, form=form)
