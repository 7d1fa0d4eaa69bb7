"""The notifications page, a notification's own page and opening its record (a POST: it
is marked read), marking them read, the email settings, and the unread count every
page's header shows.

Everything here is the signed-in user's own: another user's notification id is treated
as no notification at all (the list is shown again).
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from mhst.core.forms import commit_operation, commit_unit, failed
from mhst.extensions import db
from mhst.notifications import operations
from mhst.notifications.forms import EmailSettingsForm
from mhst.security.permissions import Permission, requires

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def unread_notifications() -> str | None:
    """The header's unread count in words ("3", "99+"), or None: signed out, none
    unread, or the database is not answering (an error page must still render). One
    query per page, however often the template asks."""
    if not current_user.is_authenticated:
        return None
    if "unread_notifications" not in g:
        try:
            count = operations.unread_count(current_user)
        except SQLAlchemyError:
            db.session.rollback()
            count = 0
        g.unread_notifications = (
            None
            if not count
            else (f"{operations.COUNT_BOUND}+" if count > operations.COUNT_BOUND else str(count))
        )
    return g.unread_notifications


@bp.app_context_processor
def _inject_unread() -> dict:
    return {"unread_notifications": unread_notifications}


@bp.get("/")
@requires(Permission.SIGNED_IN)
def index():
    page = operations.page_of(current_user, request.args)
    return render_template(
        "notifications/index.html",
        page=page,
        any_unread=unread_notifications() is not None,
        has_settings=bool(operations.KINDS_FOR_ROLE.get(current_user.role)),
    )


@bp.get("/follow")
@requires(Permission.SIGNED_IN)
def follow():
    """A notification's own page, where its email's link lands: what it says, and an
    **Open** button (a POST to :func:`open_record`). A GET changes nothing: a link
    previewed by a mail scanner or fetched ahead by the browser marks nothing read."""
    notification = operations.own_notification(current_user, request.args.get("id"))
    if notification is None:
        return redirect(url_for(".index"))
    return render_template(
        "notifications/open.html",
        notification=notification,
        has_link=operations.link_of(notification) is not None,
    )


@bp.post("/open")
@requires(Permission.SIGNED_IN)
def open_record():
    """Open a notification's record: it is marked read and the user goes to the record's
    page, which checks their scope as always (a record now out of scope is a 404)."""
    notification = operations.own_notification(current_user, request.form.get("notification_id"))
    if notification is None:
        return redirect(url_for(".index"))
    commit_unit(operations.mark_read, notification)
    return redirect(operations.link_of(notification) or url_for(".index"))


@bp.post("/read")
@requires(Permission.SIGNED_IN)
def mark_read():
    notification = operations.own_notification(current_user, request.form.get("notification_id"))
    if notification is not None:
        commit_unit(operations.mark_read, notification)
    return redirect(url_for(".index"))


@bp.post("/read-all")
@requires(Permission.SIGNED_IN)
def mark_all_read():
    if commit_unit(operations.mark_all_read, current_user):
        flash("All your notifications are marked as read", "success")
    return redirect(url_for(".index"))


@bp.route("/settings", methods=["GET", "POST"])
@requires(Permission.SIGNED_IN)
def settings():
    kinds = operations.KINDS_FOR_ROLE.get(current_user.role, ())
    form = EmailSettingsForm().offer(kinds)
    if not form.is_submitted():
        chosen = operations.email_settings(current_user)
        form.kinds.data = [kind.value for kind, email in chosen.items() if email]
    elif kinds and form.validate():
        result = commit_operation(
            form, operations.save_email_settings, current_user, form.kinds.data or []
        )
        if not failed(result):
            flash("Your email settings are saved", "success")
            return redirect(url_for(".index"))
    status = 400 if form.errors else 200
    return render_template(
        "notifications/settings.html", form=form, kinds=kinds, error_list=form.error_list()
    ), status
