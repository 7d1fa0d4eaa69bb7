"""The triage queue, the same-day risk review, triage decisions and the waiting list.

Senior clinicians triage their team's referrals; EMHPs, senior clinicians and clinical
leads see the waiting list. Every referral is fetched through
:func:`scoping.get_or_404` (scoped and audit-logged); lists audit each row.
List pages render before they commit the audit events, so the rows they show are not
expired and reloaded one by one.
"""

from __future__ import annotations

import re

from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from mhst.amendments.operations import versions_of
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record, render_audited
from mhst.core.formatting import format_date
from mhst.core.forms import commit_operation, failed
from mhst.core.time import service_today
from mhst.directory import operations as directory
from mhst.extensions import db
from mhst.organisation.models import Team
from mhst.referrals import amendable, eligibility, operations, queries, signposting
from mhst.referrals.blueprint import bp
from mhst.referrals.models import Referral, ReferralStatus
from mhst.referrals.triage_forms import RiskReviewForm, TriageForm
from mhst.security import scoping
from mhst.security.permissions import Permission, requires

S = ReferralStatus


def _shown(template: str, referral: Referral, *, rolled_back: bool = False, **context) -> str:
    """Render ``referral``'s page, then commit the audit event of reading it (so the rows
    it shows were not expired and reloaded). An operation that failed rolled the event
    back with everything else: record it again. The page shows the risk review with its
    earlier versions."""
    if rolled_back:
        record(AuditAction.READ, AuditRecordType.REFERRAL, referral.id, user=current_user)
    review = amendable.risk_review(referral)
    versions = versions_of(review) if review is not None else []
    return render_audited(template, referral=referral, risk_review_versions=versions, **context)


@bp.get("/triage")
@requires(Permission.TRIAGE_REFERRALS)
def triage_queue():
    referrals = queries.triage_queue(current_user)
    queries.audit_listed(current_user, referrals)
    return render_audited(
        "referrals/triage_queue.html",
        referrals=referrals,
        today=service_today(),
        same_day=sum(1 for referral in referrals if referral.awaiting_risk_review),
    )


# ---- triage -------------------------------------------------------------------------


def _consent_summary(referral: Referral) -> tuple[bool, str]:
    """(whether the referral has valid consent, a sentence saying what consent there is)."""
    for consent in referral.consents:
        if operations.consent_problem(consent, referral.child) is None:
            given_by = consent.given_by_name
            if consent.relationship_to_child:
                given_by += f" ({consent.relationship_to_child})"
            return True, (
                f"Valid consent: {consent.kind.label.lower()}, given by {given_by} "
                f"on {format_date(consent.given_on)}, {consent.method.label[0].lower()}"
                f"{consent.method.label[1:]}"
            )
    if any(consent.withdrawn for consent in referral.consents):
        return False, "Consent was withdrawn"
    if referral.consents:
        return False, "No valid consent: " + "; ".join(
            operations.consent_problem(c, referral.child) for c in referral.consents
        )
    return False, "No consent recorded yet"


def _and_list(names: list[str]) -> str:
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def _flash_decision(referral: Referral, decision: ReferralStatus, services) -> None:
    listed = _and_list([service.name for service in services])
    message = {
        S.ACCEPTED: f"Referral {referral.reference} accepted onto the waiting list",
        S.SIGNPOSTED: f"Referral {referral.reference} signposted to {listed}",
        S.STEPPED_UP: f"Referral {referral.reference} stepped up to {listed}",
        S.NOT_ACCEPTED: f"Referral {referral.reference} not accepted",
    }[decision]
    flash(message, "success")


@bp.route("/<int:referral_id>/triage", methods=["GET", "POST"])
@requires(Permission.TRIAGE_REFERRALS)
def triage(referral_id: int):
    referral = scoping.get_or_404(current_user, Referral, referral_id)
    if request.method == "GET" and referral.status not in operations.TRIAGE_STATUSES:
        # A form posted from an earlier page is refused by the operation, on the form.
        return _shown("referrals/triage.html", referral, form=None)
    proposed = signposting.proposed_services(referral)
    proposed_ids = {service.id for service in proposed}
    others = [s for s in directory.search_services() if s.id not in proposed_ids]
    form = TriageForm().offer(proposed, others)
    form.seen.show(referral)
    rolled_back = False
    if form.validate_on_submit():
        decision = S(form.decision.data)
        services = form.chosen_services()
        result = commit_operation(
            form,
            operations.triage,
            referral,
            decision,
            by=current_user,
            reason=form.reason.data or None,
            services=services,
            seen=form.seen.status(),
        )
        if not failed(result):
            _flash_decision(referral, decision, services)
            return redirect(url_for(".triage_queue"))
        rolled_back = True
    valid_consent, consent_text = _consent_summary(referral)
    today = service_today()
    ineligible = eligibility.ineligibility_reasons(
        date_of_birth=referral.child.date_of_birth,
        school=referral.school,
        in_education=referral.in_education,
        on=today,
    )
    page = _shown(
        "referrals/triage.html",
        referral,
        rolled_back=rolled_back,
        form=form,
        age=eligibility.age_on(referral.child.date_of_birth, today),
        valid_consent=valid_consent,
        consent_text=consent_text,
        ineligible=ineligible,
        urgent_routes=signposting.URGENT_ROUTES,
    )
    return page, 400 if form.errors else 200


# ---- risk review --------------------------------------------------------------------


@bp.route("/<int:referral_id>/risk-review", methods=["GET", "POST"])
@requires(Permission.TRIAGE_REFERRALS)
def review_risk(referral_id: int):
    referral = scoping.get_or_404(current_user, Referral, referral_id)
    form = RiskReviewForm() if referral.awaiting_risk_review else None
    rolled_back = False
    if form is not None and form.validate_on_submit():
        result = commit_operation(
            form, operations.review_risk, referral, by=current_user, notes=form.notes.data
        )
        if not failed(result):
            flash(f"Risk review of referral {referral.reference} recorded", "success")
            return redirect(url_for(".triage_queue"))
        rolled_back = True
    page = _shown(
        "referrals/review_risk.html",
        referral,
        rolled_back=rolled_back,
        form=form,
        urgent_routes=signposting.URGENT_ROUTES,
    )
    return page, 400 if form is not None and form.errors else 200


# ---- the waiting list ---------------------------------------------------------------


@bp.get("/waiting-list")
@requires(Permission.VIEW_WAITING_LIST)
def waiting_list():
    sort = request.args.get("sort", "").strip()[:50]
    team_arg = request.args.get("team", "").strip()[:50]
    service_wide = scoping.reach(current_user, scoping.Kind.REFERRAL) is scoping.Reach.ALL
    teams = list(db.session.scalars(select(Team).order_by(Team.name))) if service_wide else []
    errors = []
    if sort and sort not in queries.WAITING_SORTS:
        errors.append(("sort", "Select how to sort the waiting list from the list"))
    team_id = None
    if service_wide and team_arg:
        if re.fullmatch(r"[0-9]{1,9}", team_arg) and int(team_arg) in {t.id for t in teams}:
            team_id = int(team_arg)
        else:
            errors.append(("team", "Select a team from the list"))
    entries = (
        [] if errors else queries.waiting_list(current_user, team_id=team_id, sort=sort or "days")
    )
    queries.audit_listed(current_user, [entry.referral for entry in entries])
    page = render_audited(
        "referrals/waiting_list.html",
        entries=entries,
        over=sum(1 for entry in entries if entry.past_four_weeks),
        filters={"sort": sort, "team": team_arg},
        filter_errors=errors,
        sort_options=list(queries.WAITING_SORTS.items()),
        sort_label=queries.WAITING_SORTS.get(sort or "days", ""),
        team_options=[(team.id, team.name) for team in teams],
        service_wide=service_wide,
        team_name={team.id: team.name for team in teams}.get(team_id),
        own_team=None if service_wide else current_user.team,
    )
    return page, 400 if errors else 200
