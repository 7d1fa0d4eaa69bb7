"""What casework does when referrals announce something (``mhst.core.signals``).

Referrals sit below casework and never import it: they send a signal, and these
receivers, connected when this module is imported (by the app factory), act on it.
"""

from __future__ import annotations

from flask import url_for

from mhst.casework import amendable, operations, timeline
from mhst.core import signals
from mhst.referrals.models import OPEN_CASE_STATUSES, Referral, ReferralStatus
from mhst.security.permissions import Permission, has_permission


@signals.referral_closed.connect
def _end_allocation(referral: Referral, **_) -> None:
    operations.end_allocation_of_closed_referral(referral)


@signals.referral_page.connect
def _referral_page(
    referral: Referral, *, user, lead_view: bool, case_view: bool = False, **_
) -> dict | None:
    """The staff page's timeline, the link to the case's sessions and the casework
    buttons. Notes and the sessions link are for those who may see the case's notes
    (``case_view``, which the page has worked out); the reads of what the timeline
    shows go back to the page, which audits everything it lists in one INSERT."""
    if lead_view:
        return None
    in_case_scope = case_view
    entries, versions = amendable.with_versions(
        referral, timeline.timeline(referral, include_notes=in_case_scope), user
    )
    return {
        "timeline": timeline.oldest_first(entries),
        "text_versions": versions,
        "reads": timeline.shown_reads(entries, {referral.id} if in_case_scope else set()),
        "sessions_url": url_for("sessions.sessions", case_id=referral.id)
        if in_case_scope
        else None,
        **_casework_actions(referral, user, in_case_scope),
    }


def _casework_actions(referral: Referral, user, in_case_scope: bool) -> dict:
    """Which casework buttons the page offers: the user's permission and the statuses the
    casework operations accept (they refuse anything else whatever the page shows)."""
    allocator = has_permission(user, Permission.ALLOCATE_CASES)
    return {
        "can_allocate": allocator and referral.status in operations.ALLOCATABLE_STATUSES,
        "can_discharge": in_case_scope
        and has_permission(user, Permission.LOG_SESSIONS)
        and referral.status in OPEN_CASE_STATUSES,
        "can_reopen": allocator and referral.status is ReferralStatus.DISCHARGED,
    }
