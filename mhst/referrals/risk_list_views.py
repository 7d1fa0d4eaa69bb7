"""Every risk review waiting, beyond the ten most urgent on the home page: the same-day
risk reviews and the risks raised on cases, each a keyset-paginated list (a fixed number
of queries per page, whatever the service's size). Each page's children are an audited
read; every row is fetched through ``mhst.security.scoping``."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record_mixed, render_audited
from mhst.referrals import risk_flags, risk_reviews
from mhst.referrals.blueprint import bp
from mhst.security.permissions import Permission, requires


@bp.get("/risk-reviews")
@requires(Permission.VIEW_WAITING_LIST)
def risk_reviews_waiting():
    page = risk_reviews.waiting_page(current_user, request.args)
    record_mixed(
        [(AuditAction.READ, AuditRecordType.REFERRAL, w.referral.id) for w in page.items],
        user=current_user,
    )
    return render_audited(
        "referrals/risk_reviews.html", page=page, counts=risk_reviews.waiting_counts(current_user)
    )


@bp.get("/risk-flags")
@requires(Permission.VIEW_CASE_NOTES)
def risk_flags_open():
    page = risk_flags.open_flags_page(current_user, request.args)
    record_mixed(
        [(AuditAction.READ, AuditRecordType.REFERRAL, flag.referral_id) for flag in page.items]
        + [(AuditAction.READ, AuditRecordType.RISK_FLAG, flag.id) for flag in page.items],
        user=current_user,
    )
    count = risk_flags.open_flag_count(current_user)
    return render_audited(
        "referrals/risk_flags.html", page=page, count=risk_reviews.WaitingCounts.shown(count)
    )
