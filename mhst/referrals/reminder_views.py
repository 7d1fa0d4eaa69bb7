"""The family's agreement to session reminders, edited from the referral's page.

The referral is fetched through ``scoping.get_or_404`` (out of scope is a 404); the
rules are in :mod:`mhst.referrals.reminder_preferences`."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record, render_audited
from mhst.core.forms import commit_operation, failed
from mhst.referrals import reminder_preferences as preferences
from mhst.referrals.blueprint import bp
from mhst.referrals.models import Referral
from mhst.referrals.reminder_forms import ReminderPreferenceForm, form_data
from mhst.security import scoping
from mhst.security.permissions import Permission, requires


@bp.route("/<int:referral_id>/reminders", methods=["GET", "POST"])
@requires(Permission.RECORD_CONSENT)
def reminder_preferences(referral_id: int):
    referral = scoping.get_or_404(current_user, Referral, referral_id)
    preference = preferences.preference_of(referral.id)
    data = None if request.method == "POST" else form_data(preference, referral.child)
    form = ReminderPreferenceForm(data=data)
    closed = referral.status.is_closed
    if not closed and form.validate_on_submit():
        result = commit_operation(
            form,
            preferences.save_preferences,
            referral,
            form.details(),
            by=current_user,
            read_version=form.read_version(),
        )
        if not failed(result):
            flash("Reminder preferences saved", "success")
            return redirect(url_for(".show", referral_id=referral.id, _anchor="reminders"))
        # The refused save rolled back the read: log it again for the page shown.
        record(AuditAction.READ, AuditRecordType.REFERRAL, referral.id, user=current_user)
    page = render_audited(
        "referrals/reminder_preferences.html",
        form=form,
        referral=referral,
        child=referral.child,
        closed=closed,
    )
    return page, 400 if form.errors else 200
