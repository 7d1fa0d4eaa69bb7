"""A school's rooms for sessions: listed, added, and made inactive or active again."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from mhst.core.forms import BaseForm, commit_operation, commit_unit, failed
from mhst.extensions import db
from mhst.schools import rooms
from mhst.schools.blueprint import bp
from mhst.schools.models import School, SchoolRoom
from mhst.security import scoping
from mhst.security.permissions import Permission, requires


class RoomForm(BaseForm):
    name = StringField(
        "Room name",
        validators=[
            DataRequired("Enter the room's name, like Wellbeing room"),
            Length(max=rooms.NAME_MAX, message="The room's name must be 100 characters or fewer"),
        ],
    )


class RoomActiveForm(BaseForm):
    """Make a room inactive or active again (a button: the URL says which)."""


def _render(school: School, form: RoomForm, status: int = 200):
    return render_template(
        "schools/rooms.html",
        school=school,
        rooms=rooms.rooms_of(school.id),
        form=form,
        active_form=RoomActiveForm(),
    ), status


@bp.route("/<int:school_id>/rooms", methods=["GET", "POST"])
@requires(Permission.MANAGE_SCHOOL_ROOMS)
def rooms_page(school_id: int):
    school = scoping.get_or_404(current_user, School, school_id)
    form = RoomForm()
    if form.validate_on_submit():
        room = commit_operation(form, rooms.add_room, school, form.name.data, by=current_user)
        if not failed(room):
            flash(f"{room.name} added to {school.name}'s rooms", "success")
            return redirect(url_for(".rooms_page", school_id=school.id))
    return _render(school, form, 400 if form.errors else 200)


@bp.post("/<int:school_id>/rooms/<int:room_id>/<any(stop, restart):change>")
@requires(Permission.MANAGE_SCHOOL_ROOMS)
def room_active(school_id: int, room_id: int, change: str):
    school = scoping.get_or_404(current_user, School, school_id)
    room = db.session.get(SchoolRoom, room_id)
    if room is None or room.school_id != school.id:
        abort(404)
    form = RoomActiveForm()
    if not form.validate_on_submit():
        return _render(school, RoomForm(formdata=None), 400)
    commit_unit(rooms.set_active, room, change == "restart", by=current_user)
    done = "is in use again" if change == "restart" else "is no longer offered for sessions"
    flash(f"{room.name} {done}", "success")
    return redirect(url_for(".rooms_page", school_id=school.id))
