"""The practitioner's pages: the links sent on a case (with Withdraw), sending a new
one, and the development outbox of messages written to the log.

Every case is fetched through ``scoping.get_or_404`` and every link only through its
case; sending and withdrawing need the permission to record measures.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from mhst.accounts.mfa import qr_code_svg
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record, record_many, render_audited
from mhst.core.forms import commit_unit, failed
from mhst.core.rules import RuleError
from mhst.core.submissions import REPEATED_MESSAGE, submit_once
from mhst.extensions import db
from mhst.outcomes import recording
from mhst.outcomes.views import blocked_reason
from mhst.questionnaires import links, sending
from mhst.questionnaires.blueprint import bp
from mhst.questionnaires.forms import SendForm
from mhst.questionnaires.models import LinkChannel, LinkState, QuestionnaireLink
from mhst.referrals.models import Referral
from mhst.referrals.reminder_preferences import preference_of
from mhst.security import scoping
from mhst.security.permissions import Permission, has_permission, requires

OUTBOX_LIMIT = 100


def _case(case_id: int) -> Referral:
    return scoping.get_or_404(current_user, Referral, case_id, kind=scoping.Kind.CASE)


def _links(referral: Referral) -> list[QuestionnaireLink]:
    return list(
        db.session.scalars(
            select(QuestionnaireLink)
            .where(QuestionnaireLink.referral_id == referral.id)
            .options(joinedload(QuestionnaireLink.sent_by))
            .order_by(QuestionnaireLink.created_at.desc(), QuestionnaireLink.id.desc())
        )
    )


@bp.get("/casework/cases/<int:case_id>/questionnaires")
@requires(Permission.VIEW_CASE_NOTES)
def sent(case_id: int):
    """The links sent on the case: to whom, how, and what became of each."""
    referral = _case(case_id)
    found = _links(referral)
    record(AuditAction.READ, AuditRecordType.REFERRAL, referral.id, user=current_user)
    may_send = has_permission(current_user, Permission.RECORD_MEASURES)
    return render_audited(
        "questionnaires/sent.html",
        referral=referral,
        child=referral.child,
        links=found,
        definitions=recording.measures(),
        waiting=LinkState.WAITING,
        may_send=may_send,
        blocked=blocked_reason(referral) if may_send else None,
    )


def _defaults(referral: Referral) -> dict:
    """The number and address to suggest: the family's reminder agreement's, else the
    parent or carer's on the child's record; the child's first name to show."""
    preference = preference_of(referral.id)
    child = referral.child
    return {
        "mobile_number": (preference and preference.mobile_number) or child.parent_carer_phone,
        "email": (preference and preference.email) or child.parent_carer_email,
        "shown_name": child.given_name,
    }


@bp.route("/casework/cases/<int:case_id>/questionnaires/send", methods=["GET", "POST"])
@requires(Permission.RECORD_MEASURES)
def send(case_id: int):
    referral = _case(case_id)
    definitions = links.sendable(recording.measures())
    form = SendForm(data=_defaults(referral) if request.method == "GET" else None)
    form.offer(definitions)
    if form.validate_on_submit():
        wanted = links.LinkRequest(
            measure_code=form.measure.data,
            respondent=form.respondent.data,
            channel=form.channel.data,
            recipient=form.recipient(),
            shown_name=form.shown_name.data,
        )
        result = submit_once(
            form,
            links.create_link,
            referral,
            wanted,
            by=current_user,
            result_url=lambda made: url_for(".sent", case_id=referral.id),
            user=current_user,
        )
        if not failed(result):
            return _made(referral, result)
    record(AuditAction.READ, AuditRecordType.REFERRAL, referral.id, user=current_user)
    return render_audited(
        "questionnaires/send.html",
        form=form,
        referral=referral,
        child=referral.child,
        definitions=definitions,
        blocked=blocked_reason(referral),
    ), 400 if form.errors else 200


def _made(referral: Referral, result):
    """After the link was made (and committed): send it, or show its QR code once."""
    if result.repeated:
        flash(REPEATED_MESSAGE, "success")
        return redirect(result.url)
    link, token, recipient = result.record
    if link.channel is LinkChannel.QR_CODE:
        url = sending.link_url(token)
        return render_audited(
            "questionnaires/qr_code.html",
            referral=referral,
            child=referral.child,
            link=link,
            url=url,
            qr_code=qr_code_svg(url),
            expires=sending.expiry_words(link),
        )
    commit_unit(sending.deliver, link, token, recipient)
    if link.send_error:
        flash(f"The link was made but not sent: {link.send_error}", "warning")
    else:
        how = "text message" if link.channel is LinkChannel.TEXT else "email"
        flash(f"Questionnaire link sent by {how} to {link.sent_to}", "success")
    return redirect(url_for(".sent", case_id=referral.id))


@bp.post("/casework/cases/<int:case_id>/questionnaires/<int:link_id>/withdraw")
@requires(Permission.RECORD_MEASURES)
def withdraw(case_id: int, link_id: int):
    referral = _case(case_id)
    link = db.session.scalars(
        select(QuestionnaireLink).where(
            QuestionnaireLink.id == link_id, QuestionnaireLink.referral_id == referral.id
        )
    ).one_or_none()
    if link is None:
        abort(404)
    try:
        commit_unit(links.withdraw, link, by=current_user)
    except RuleError as error:
        flash(error.message, "warning")
    else:
        flash("Link withdrawn: it no longer works", "success")
    return redirect(url_for(".sent", case_id=referral.id))


@bp.get("/questionnaires/outbox")
@requires(Permission.RECORD_MEASURES)
def outbox():
    """Development only: questionnaire messages written to the log (no Notify key set),
    on cases in the user's case scope."""
    if not current_app.config.get("DEV_OUTBOX"):
        abort(404)
    found = db.session.scalars(
        select(QuestionnaireLink)
        .join(Referral, Referral.id == QuestionnaireLink.referral_id)
        .where(
            QuestionnaireLink.logged_text.is_not(None),
            scoping.scope(current_user, Referral, scoping.Kind.CASE),
        )
        .options(contains_eager(QuestionnaireLink.referral).joinedload(Referral.child))
        .order_by(QuestionnaireLink.created_at.desc(), QuestionnaireLink.id.desc())
        .limit(OUTBOX_LIMIT)
    ).all()
    record_many(
        AuditRecordType.REFERRAL,
        [(AuditAction.READ, r) for r in dict.fromkeys(link.referral_id for link in found)],
        user=current_user,
    )
    return render_audited("questionnaires/outbox.html", links=found, limit=OUTBOX_LIMIT)
