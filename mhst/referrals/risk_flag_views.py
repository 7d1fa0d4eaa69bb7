"""A senior clinician's review of a risk flag raised on a case (a session's new risk, a
measure beyond its risk threshold): the flag, who raised it, when and from what, and a
form for what they found and did.

The case is fetched through ``scoping.get_or_404`` as a case (``Kind.CASE``), and the
flag only through it; anything else is a 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from mhst.amendments.operations import versions_of
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record, render_audited
from mhst.core.forms import commit_operation, failed
from mhst.referrals import amendable, risk_flags
from mhst.referrals.blueprint import bp
from mhst.referrals.models import Referral
from mhst.referrals.triage_forms import RiskReviewForm
from mhst.security import scoping
from mhst.security.permissions import Permission, requires


@bp.route("/<int:referral_id>/risk-flags/<int:flag_id>", methods=["GET", "POST"])
@requires(Permission.TRIAGE_REFERRALS)
def review_risk_flag(referral_id: int, flag_id: int):
    referral = scoping.get_or_404(current_user, Referral, referral_id, kind=scoping.Kind.CASE)
    flag = risk_flags.flag_of(referral, flag_id)
    if flag is None:
        abort(404)
    form = None if flag.reviewed else RiskReviewForm()
    if form is not None and form.validate_on_submit():
        result = commit_operation(
            form, risk_flags.review_flag, flag, by=current_user, notes=form.notes.data
        )
        if not failed(result):
            flash(f"Risk review of referral {referral.reference} recorded", "success")
            return redirect(url_for(".show", referral_id=referral.id, _anchor="risk-flags"))
        # The refused review rolled back the reads: log them again for the page shown.
        record(AuditAction.READ, AuditRecordType.REFERRAL, referral.id, user=current_user)
    record(AuditAction.READ, AuditRecordType.RISK_FLAG, flag.id, user=current_user)
    review = amendable.risk_flag_review(flag)
    page = render_audited(
        "referrals/risk_flag_review.html",
        referral=referral,
        flag=flag,
        form=form,
        versions=versions_of(review) if review is not None else [],
        amend_url=url_for(".amend_risk_flag_review", referral_id=referral.id, flag_id=flag.id)
        if review is not None
        else None,
    )
    return page, 400 if form is not None and form.errors else 200
