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
from mhst.organisation.models import ServiceArea, Team
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


def _waiting_filters(service_wide: bool, errors: list) -> tuple[dict, dict]:
    """The waiting list's filters from the request: (values, options). A clinical lead
    narrows the service-wide list by area, then team (of the area, if one is chosen);
    anyone else's list is their team's, whatever the address says."""
    values = {name: request.args.get(name, "").strip()[:50] for name in ("sort", "area", "team")}
    if values["sort"] and values["sort"] not in queries.WAITING_SORTS:
        errors.append(("sort", "Select how to sort the waiting list from the list"))
    options: dict = {"area": [], "team": []}
    if not service_wide:
        return {**values, "area": "", "team": ""}, options
    options["area"] = db.session.execute(
        select(ServiceArea.id, ServiceArea.name).order_by(ServiceArea.name)
    ).all()
    area_id = _chosen_id(
        values["area"], options["area"], "area", "Select an area from the list", errors
    )
    teams = select(Team.id, Team.name).order_by(Team.name)
    if area_id is not None:
        teams = teams.where(Team.area_id == area_id)
    options["team"] = db.session.execute(teams).all()
    _chosen_id(values["team"], options["team"], "team", "Select a team from the list", errors)
    return values, options


def _chosen_id(raw: str, options, name: str, message: str, errors: list) -> int | None:
    if not raw:
        return None
    if re.fullmatch(r"[0-9]{1,9}", raw) and int(raw) in {option[0] for option in options}:
        return int(raw)
    errors.append((name, message))
    return None


@bp.get("/waiting-list")
@requires(Permission.VIEW_WAITING_LIST)
def waiting_list():
    service_wide = scoping.reach(current_user, scoping.Kind.REFERRAL) is scoping.Reach.ALL
    errors: list[tuple[str, str]] = []
    filters, options = _waiting_filters(service_wide, errors)
    chosen = {
        name: int(filters[name]) if filters[name] and not errors else None
        for name in ("area", "team")
    }
    page, entries, counts = None, [], (0, 0)
    if not errors:
        where = {"team_id": chosen["team"], "area_id": chosen["area"]}
        sort = filters["sort"] or "days"
        page, entries = queries.waiting_list(current_user, request.args, sort=sort, **where)
        counts = queries.waiting_counts(current_user, **where)
    queries.audit_listed(current_user, [entry.referral for entry in entries])
    names = {"team": dict(options["team"]), "area": dict(options["area"])}
    response = render_audited(
        "referrals/waiting_list.html",
        page=page,
        entries=entries,
        waiting=counts[0],
        over=counts[1],
        filters=filters,
        filter_args={name: value for name, value in filters.items() if value},
        filter_errors=errors,
        sort_options=list(queries.WAITING_SORTS.items()),
        sort_label=queries.WAITING_SORTS.get(filters["sort"] or "days", ""),
        area_options=options["area"],
        team_options=options["team"],
        service_wide=service_wide,
        team_name=names["team"].get(chosen["team"]),
        area_name=names["area"].get(chosen["area"]),
        own_team=None if service_wide else current_user.team,
    )
    return response, 400 if errors else 200
