"""Amending the referral's clinical texts: the risk review, a risk flag's review and a
triage decision's reason.

The referral is fetched through ``scoping.get_or_404`` (scoped and audit-logged) and the
status change only through its referral; :func:`mhst.amendments.pages.amend_page` shows
and saves the amendment, and the operation lets only the author or a senior clinician
amend.
"""

from __future__ import annotations

import dataclasses

from flask import abort, url_for
from flask_login import current_user
from sqlalchemy import select

from mhst.amendments.pages import AmendPage, amend_page
from mhst.extensions import db
from mhst.referrals import amendable, risk_flags
from mhst.referrals.blueprint import bp
from mhst.referrals.models import Referral, ReferralEvent
from mhst.security import scoping
from mhst.security.permissions import Permission, requires


def _page(referral: Referral, title: str, label: str, action: str) -> AmendPage:
    return AmendPage(
        title=title,
        caption=f"{referral.child.full_name}, referral {referral.reference}",
        label=label,
        action=action,
        back_url=url_for(".show", referral_id=referral.id),
        back_text="Back to the referral",
    )


@bp.route("/<int:referral_id>/risk-review/amend", methods=["GET", "POST"])
@requires(Permission.TRIAGE_REFERRALS)
def amend_risk_review(referral_id: int):
    """The risk review's notes are the case's clinical text (the referral's page shows
    them only within the case scope), so the referral is fetched as a case here too."""
    referral = scoping.get_or_404(current_user, Referral, referral_id, kind=scoping.Kind.CASE)
    text = amendable.risk_review(referral)
    if text is None:  # not reviewed yet: nothing to amend
        abort(404)
    action = url_for(".amend_risk_review", referral_id=referral.id)
    return amend_page(text, _page(referral, "Amend the risk review", "Risk review", action))


@bp.route("/<int:referral_id>/risk-flags/<int:flag_id>/amend", methods=["GET", "POST"])
@requires(Permission.TRIAGE_REFERRALS)
def amend_risk_flag_review(referral_id: int, flag_id: int):
    """A flag's review is the case's clinical text: the case is fetched in case scope and
    the flag only through it."""
    referral = scoping.get_or_404(current_user, Referral, referral_id, kind=scoping.Kind.CASE)
    flag = risk_flags.flag_of(referral, flag_id)
    text = amendable.risk_flag_review(flag) if flag is not None else None
    if text is None:  # another case's flag, or not reviewed yet: nothing to amend
        abort(404)
    action = url_for(".amend_risk_flag_review", referral_id=referral.id, flag_id=flag.id)
    page = _page(referral, "Amend the review of a risk", "Review of the risk", action)
    back = url_for(".show", referral_id=referral.id, _anchor="risk-flags")
    return amend_page(text, dataclasses.replace(page, back_url=back))


@bp.route("/<int:referral_id>/triage/<int:event_id>/amend", methods=["GET", "POST"])
@requires(Permission.TRIAGE_REFERRALS)
def amend_triage_reason(referral_id: int, event_id: int):
    referral = scoping.get_or_404(current_user, Referral, referral_id)
    event = _event(referral, event_id)
    text = amendable.triage_reason(event) if event is not None else None
    if text is None:  # another referral's, or not a triage decision
        abort(404)
    action = url_for(".amend_triage_reason", referral_id=referral.id, event_id=event.id)
    page = _page(
        referral, "Amend the reason for the triage decision", "Reason for the decision", action
    )
    return amend_page(text, page)


def _event(referral: Referral, event_id: int) -> ReferralEvent | None:
    """The referral's status change ``event_id`` (None if it is another referral's)."""
    return db.session.scalars(
        select(ReferralEvent).where(
            ReferralEvent.id == event_id, ReferralEvent.referral_id == referral.id
        )
    ).one_or_none()
