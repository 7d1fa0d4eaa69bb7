"""The referral list, the referral's page, consent and withdrawal.

Every referral is fetched through ``scoping.get_or_404`` (scoped, audit-logged)
and a consent only through its referral. A page that shows a child's record commits its
audit events after rendering, so the read is logged before the page is sent and the
objects the template uses are not expired (and reloaded row by row) by the commit.

A school's Mental Health Lead sees their school's own referrals with the status, dates
and what they submitted; the team's notes, reasons and consent details are never put in
front of the lead's template (see :func:`_lead_page`).
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from mhst.accounts.models import Role
from mhst.amendments.operations import may_amend
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record, record_mixed, render_audited
from mhst.core import keyset, signals
from mhst.core.formatting import format_datetime_with_day
from mhst.core.forms import commit_operation, failed
from mhst.core.submissions import REPEATED_MESSAGE, submit_once
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals import (
    child_records,
    eligibility,
    list_filters,
    operations,
    queries,
    reminder_preferences,
    risk_flags,
    signposting,
)
from mhst.referrals import consent as referral_consent
from mhst.referrals.blueprint import bp
from mhst.referrals.consent_forms import ConsentForm, WithdrawConsentForm, WithdrawReferralForm
from mhst.referrals.models import (
    Consent,
    ConsentKind,
    Referral,
    ReferralEvent,
    ReferralSignpost,
    ReferralStatus,
)
from mhst.security import scoping
from mhst.security.permissions import Permission, has_permission, requires

# The list, newest first: ix_referral_received_on_id (or the status or school one) read
# backwards, so its last page costs what its first does.
NEWEST_FIRST = [keyset.Key(Referral.received_on, True), keyset.Key(Referral.id, True)]


def _render(template: str, status: int = 200, **context):
    """Render a page that shows a child's record, then commit its audit events."""
    return render_audited(template, **context), status


def _is_lead() -> bool:
    return current_user.role is Role.SCHOOL_MENTAL_HEALTH_LEAD


# ---- the list -------------------------------------------------------------------------


@bp.get("/")
@requires(Permission.VIEW_REFERRALS)
def index():
    staff = not _is_lead()
    filters = list_filters.read(current_user, staff)
    stmt = select(Referral).where(scoping.scope(current_user, Referral), *filters.conditions)
    page = keyset.paginate(
        stmt,
        NEWEST_FIRST,
        request.args,
        options=[
            joinedload(Referral.child),
            joinedload(Referral.school),
            # The list shows neither; they load only if a page asks for them.
            lazyload(Referral.need_links),
            lazyload(Referral.risk_links),
        ],
    )
    queries.audit_listed(current_user, page.items)
    return _render(
        "referrals/index.html",
        400 if filters.errors else 200,
        page=page,
        staff=staff,
        filters=filters.values,
        filter_args=filters.args,
        filter_errors=filters.errors,
        service_wide=filters.service_wide,
        options=filters.options,
        can_submit=has_permission(current_user, Permission.SUBMIT_REFERRAL),
        can_record=has_permission(current_user, Permission.RECORD_REFERRAL),
    )


# ---- the referral's page --------------------------------------------------------------


def _events(referral: Referral) -> list[ReferralEvent]:
    return list(
        db.session.scalars(
            select(ReferralEvent)
            .where(ReferralEvent.referral_id == referral.id)
            .options(joinedload(ReferralEvent.by_user))
            .order_by(ReferralEvent.occurred_at, ReferralEvent.id)
        )
    )


def _consents(referral: Referral) -> list[Consent]:
    return list(
        db.session.scalars(
            select(Consent)
            .where(Consent.referral_id == referral.id)
            .options(joinedload(Consent.recorded_by), joinedload(Consent.withdrawn_by))
            .order_by(Consent.id)
        )
    )


def _signposts(referral: Referral) -> list[ReferralSignpost]:
    return list(
        db.session.scalars(
            select(ReferralSignpost)
            .where(ReferralSignpost.referral_id == referral.id)
            .options(joinedload(ReferralSignpost.service))
            .order_by(ReferralSignpost.id)
        )
    )


def _consent_state(consents: list[Consent], referral: Referral) -> str:
    """What a school's lead is told about consent, and nothing more."""
    if any(consent.withdrawn for consent in consents):
        return "Consent withdrawn"
    if any(operations.consent_problem(c, referral.child) is None for c in consents):
        return "Consent recorded"
    return "Waiting for consent"


def _can_record_consent(referral: Referral, consents: list[Consent]) -> bool:
    return (
        has_permission(current_user, Permission.RECORD_CONSENT)
        and not referral.status.is_closed
        and not any(consent.withdrawn for consent in consents)
    )


# What higher packages add to the page (``signals.referral_page``), and what it shows
# when they add nothing: casework the timeline and its buttons, sessions the lead's next
# appointment.
STAFF_PAGE_VALUES = {
    "timeline": [],
    # The versions of the page's amended texts (one query), by (record type, id, field).
    "text_versions": {},
    "sessions_url": None,
    "can_allocate": False,
    "can_discharge": False,
    "can_reopen": False,
    # The reads of what the timeline shows, for the page's one audit INSERT of its lists.
    "reads": [],
    "can_write_letter": False,
}
LEAD_PAGE_VALUES = {"next_session": None, "shared_letters": []}


def _page_values(referral: Referral, *, lead_view: bool, case_view: bool = False) -> dict:
    defaults = LEAD_PAGE_VALUES if lead_view else STAFF_PAGE_VALUES
    responses = signals.referral_page.send(
        referral, user=current_user, lead_view=lead_view, case_view=case_view
    )
    return signals.values_from_signal(responses, defaults)


@bp.get("/<int:referral_id>")
@requires(Permission.VIEW_REFERRALS)
def show(referral_id: int):
    # Who recorded it and who reviewed its risks: in the same query, whether or not the
    # page names them (each a query of its own otherwise, on some referrals only).
    referral = scoping.get_or_404(
        current_user,
        Referral,
        referral_id,
        options=(joinedload(Referral.submitted_by), joinedload(Referral.risk_reviewed_by)),
    )
    if _is_lead():
        return _lead_page(referral)
    consents = _consents(referral)
    can_triage = has_permission(current_user, Permission.TRIAGE_REFERRALS)
    # The child's other referrals: those the user may see, and how many others there are.
    others = child_records.referrals_of(current_user, referral.child_id, besides=referral.id)
    # The case's clinical text (risk reviews, risk flags) is for those who may see its
    # notes: an EMHP sees it only on a case they hold (or held at its discharge).
    case_view = has_permission(current_user, Permission.VIEW_CASE_NOTES) and scoping.in_scope(
        current_user, Referral, referral.id, scoping.Kind.CASE
    )
    flags = risk_flags.flags_of(referral.id) if case_view else []
    values = _page_values(referral, lead_view=False, case_view=case_view)
    # Every list the page shows (the child's other referrals, the risk flags, the
    # timeline's notes and scores) in ONE audit INSERT, however many lists have rows.
    record_mixed(
        [(AuditAction.READ, AuditRecordType.REFERRAL, other.id) for other in others.visible]
        + [(AuditAction.READ, AuditRecordType.RISK_FLAG, flag.id) for flag in flags]
        + values.pop("reads"),
        user=current_user,
    )
    risk_review_key = (AuditRecordType.REFERRAL, referral.id, "risk_review_notes")
    return _render(
        "referrals/show.html",
        lead_view=False,
        **values,
        risk_review_versions=values["text_versions"].get(risk_review_key, []),
        case_view=case_view,
        risk_flags=flags,
        referral=referral,
        other_referrals=others,
        possible_duplicate=child_records.possible_duplicate(referral.child),
        child=referral.child,
        age=eligibility.age_on(referral.child.date_of_birth, service_today()),
        consents=[(c, operations.consent_problem(c, referral.child)) for c in consents],
        signposts=_signposts(referral),
        urgent_routes=signposting.URGENT_ROUTES,
        can_record_consent=_can_record_consent(referral, consents),
        # referral_consent.may_withdraw_consent, from the case scope already read above.
        can_withdraw_consent=has_permission(current_user, Permission.RECORD_CONSENT)
        and current_user.role in referral_consent.WITHDRAWS_CONSENT
        and case_view,
        can_triage=can_triage and referral.status in operations.TRIAGE_STATUSES,
        can_review_risk=can_triage and referral.awaiting_risk_review,
        can_amend_risk_review=can_triage
        and referral.risk_reviewed_at is not None
        and may_amend(current_user, referral.risk_reviewed_by_id),
        can_withdraw=has_permission(current_user, Permission.WITHDRAW_REFERRAL)
        and not referral.status.is_closed,
        **reminder_preferences.page_values(referral, current_user),
    )


def _lead_page(referral: Referral):
    """The school's view: what they sent, where it has got to, and when. The template gets
    only these values, so it cannot show the team's notes, reasons or who did what."""
    events = _events(referral)
    lead_values = _page_values(referral, lead_view=True)
    upcoming = lead_values["next_session"]
    return _render(
        "referrals/show.html",
        lead_view=True,
        next_appointment=_appointment(upcoming) if upcoming else None,
        referral=referral,
        child=referral.child,
        consent_state=_consent_state(_consents(referral), referral),
        services=list(dict.fromkeys(s.service.name for s in _signposts(referral))),
        history=[(event.occurred_at, event.to_status) for event in events],
        can_withdraw=has_permission(current_user, Permission.WITHDRAW_REFERRAL)
        and operations.lead_may_withdraw(referral),
        ask_the_team=_lead_asks_the_team(referral),
        shared_letters=lead_values["shared_letters"],
    )


def _lead_asks_the_team(referral: Referral) -> str | None:
    """What a school's lead is told when the referral is the team's to withdraw now."""
    if referral.status.is_closed or operations.lead_may_withdraw(referral):
        return None
    return operations.ASK_THE_TEAM


def _appointment(contact) -> str:
    """When and where the next session is, for the school's lead: nothing clinical."""
    where = contact.mode.label if contact.mode.remote or not contact.location else contact.location
    return f"{format_datetime_with_day(contact.starts_at)}, {where}"


# ---- consent --------------------------------------------------------------------------


def _after_failure(referral: Referral) -> None:
    """A refused change was rolled back with its audit read; the page shown again reads
    the record, so log that read (committed by :func:`_render`)."""
    record(AuditAction.READ, AuditRecordType.REFERRAL, referral.id, user=current_user)


@bp.route("/<int:referral_id>/consent", methods=["GET", "POST"])
@requires(Permission.RECORD_CONSENT)
def consent(referral_id: int):
    referral = scoping.get_or_404(current_user, Referral, referral_id)
    form = ConsentForm()
    form.seen.show(referral)
    if form.validate_on_submit():
        was_waiting = referral.status is ReferralStatus.AWAITING_CONSENT
        result = submit_once(
            form,
            referral_consent.record_consent,
            referral,
            form.details(),
            by=current_user,
            seen=form.seen.status(),
            result_url=lambda _: url_for(".show", referral_id=referral.id),
            user=current_user,
        )
        if not failed(result):
            message = "Consent recorded"
            if was_waiting and referral.status is ReferralStatus.READY_FOR_TRIAGE:
                message += ". The referral is ready for triage"
            flash(REPEATED_MESSAGE if result.repeated else message, "success")
            return redirect(result.url)
        _after_failure(referral)
    consents = list(referral.consents)
    return _render(
        "referrals/consent.html",
        400 if form.errors else 200,
        form=form,
        referral=referral,
        child=referral.child,
        age=eligibility.age_on(referral.child.date_of_birth, service_today()),
        blocked=not _can_record_consent(referral, consents),
        consent_withdrawn=any(c.withdrawn for c in consents),
        parent_kind=ConsentKind.PARENT_CARER.value,
        gillick_kind=ConsentKind.GILLICK.value,
    )


@bp.route("/<int:referral_id>/consent/<int:consent_id>/withdraw", methods=["GET", "POST"])
@requires(Permission.RECORD_CONSENT)
def withdraw_consent(referral_id: int, consent_id: int):
    """Withdrawing consent is case work: the referral is fetched as a case (an EMHP who
    does not hold it gets 404, as on the case's other pages), and the operation refuses
    anyone else ``referral_consent.may_withdraw_consent`` does not allow."""
    referral = scoping.get_or_404(current_user, Referral, referral_id, kind=scoping.Kind.CASE)
    consent = db.session.scalars(
        select(Consent).where(Consent.id == consent_id, Consent.referral_id == referral.id)
    ).one_or_none()
    if consent is None:
        abort(404)
    form = WithdrawConsentForm()
    if form.validate_on_submit():
        result = commit_operation(
            form,
            referral_consent.withdraw_consent,
            referral,
            consent,
            by=current_user,
            reason=form.reason.data,
        )
        if not failed(result):
            flash(
                "Consent withdrawn. The referral is closed: no further work will happen", "success"
            )
            return redirect(url_for(".show", referral_id=referral.id))
        _after_failure(referral)
    return _render(
        "referrals/withdraw_consent.html",
        400 if form.errors else 200,
        form=form,
        referral=referral,
        child=referral.child,
        consent=consent,
    )


# ---- withdrawing the referral ---------------------------------------------------------


@bp.route("/<int:referral_id>/withdraw", methods=["GET", "POST"])
@requires(Permission.WITHDRAW_REFERRAL)
def withdraw(referral_id: int):
    referral = scoping.get_or_404(current_user, Referral, referral_id)
    form = WithdrawReferralForm()
    form.seen.show(referral)
    if form.validate_on_submit():
        result = commit_operation(
            form,
            operations.withdraw_referral,
            referral,
            by=current_user,
            reason=form.reason.data,
            seen=form.seen.status(),
        )
        if not failed(result):
            flash("Referral withdrawn", "success")
            return redirect(url_for(".show", referral_id=referral.id))
        _after_failure(referral)
    return _render(
        "referrals/withdraw.html",
        400 if form.errors else 200,
        form=form,
        referral=referral,
        child=referral.child,
        lead=_is_lead(),
        ask_the_team=_lead_asks_the_team(referral) if _is_lead() else None,
    )
