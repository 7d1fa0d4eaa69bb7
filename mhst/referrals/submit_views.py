"""Referral submission: a school's lead refers a pupil of their own school; staff record
a referral from another source for a school in their scope; the page that confirms it.

The school is never taken on trust: the lead's is their own (any school in the form is
ignored), and staff choose from the schools in their scope (narrowed by area and team
when there are many: ``mhst.schools.choosing``), checked again on POST.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from mhst.audit.operations import render_audited
from mhst.core.forms import failed
from mhst.core.submissions import REPEATED_MESSAGE, Submitted, submit_once
from mhst.core.time import service_today
from mhst.referrals import child_records, eligibility, signposting
from mhst.referrals import submission as referral_submission
from mhst.referrals.blueprint import bp
from mhst.referrals.forms import RecordReferralForm, ReferralForm
from mhst.referrals.models import Referral
from mhst.schools.choosing import SchoolChoice, narrowing_requested, offer_schools
from mhst.schools.models import School
from mhst.security import scoping
from mhst.security.permissions import Permission, requires


def _submit(form: ReferralForm, school: School):
    """Run the submission once per form token; the outcome (the referral's page to go to,
    the first one's if the form was sent before), or the failure marker with the error on
    the form."""
    return submit_once(
        form,
        referral_submission.submit_referral,
        school,
        form.child_details(),
        form.referral_details(),
        by=current_user,
        result_url=lambda referral: url_for(".submitted", referral_id=referral.id),
        user=current_user,
    )


def _submitted(result: Submitted):
    if result.repeated:
        flash(REPEATED_MESSAGE, "success")
    return redirect(result.url)


def _render_form(
    form: ReferralForm,
    *,
    recording: bool,
    school: School | None = None,
    school_choice: SchoolChoice | None = None,
):
    return render_template(
        "referrals/form.html",
        form=form,
        recording=recording,
        school=school,
        school_choice=school_choice,
    ), (400 if form.errors else 200)


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.SUBMIT_REFERRAL)
def new():
    school = current_user.school
    if school is None:  # a lead not yet linked to a school has no pupils to refer
        abort(403)
    form = ReferralForm()
    if form.validate_on_submit():
        result = _submit(form, school)
        if not failed(result):
            return _submitted(result)
    return _render_form(form, recording=False, school=school)


@bp.route("/record", methods=["GET", "POST"])
@requires(Permission.RECORD_REFERRAL)
def record():
    form = RecordReferralForm()
    schools = offer_schools(current_user, form.school_id)
    if not narrowing_requested() and form.validate_on_submit():
        result = _submit(form, schools.get(form.school_id.data))
        if not failed(result):
            return _submitted(result)
    return _render_form(form, recording=True, school_choice=schools)


@bp.get("/<int:referral_id>/submitted")
@requires(Permission.VIEW_REFERRALS)
def submitted(referral_id: int):
    referral = scoping.get_or_404(current_user, Referral, referral_id)
    age = eligibility.age_on(referral.child.date_of_birth, service_today())
    return render_audited(  # and commit the audit event of reading the referral
        "referrals/submitted.html",
        referral=referral,
        known_child=child_records.known_before(referral, current_user),
        self_consent=age >= eligibility.SELF_CONSENT_AGE,
        urgent_routes=signposting.URGENT_ROUTES,
    )
