"""Allocation, caseloads, discharge and reopening.

A senior clinician allocates accepted referrals to the team's practitioners, sees each
practitioner's caseload, and reopens discharged cases; EMHPs work from their caseload and
discharge their cases. Referrals and cases are fetched through ``scoping.get_or_404``
(scoped and audit-logged; a case as ``Kind.CASE``); pages that show a child render with
``render_audited``, which commits the audit reads after rendering. Rules live in
``operations``, caseload queries in ``caseload``.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from mhst.accounts.models import User
from mhst.amendments.pages import AmendPage, amend_page
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record, record_many, render_audited
from mhst.casework import amendable, operations
from mhst.casework import caseload as caseloads
from mhst.casework import team_caseloads as teams
from mhst.casework.allocation_forms import AllocateForm, DischargeForm, ReopenForm
from mhst.casework.models import Discharge, DischargeReason
from mhst.casework.timeline import respondent_text, scores_text
from mhst.core.forms import commit_operation, failed
from mhst.core.submissions import REPEATED_MESSAGE, earlier_url, submit_once
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals import operations as referral_operations
from mhst.referrals import queries, signposting
from mhst.referrals.allocations import Allocation, current_allocation
from mhst.referrals.models import OPEN_CASE_STATUSES, Referral, ReferralStatus
from mhst.security import scoping
from mhst.security.permissions import Permission, has_permission, requires

bp = Blueprint("casework", __name__, url_prefix="/casework")
S = ReferralStatus
ID = re.compile(r"[0-9]{1,9}")
ARG_MAX = 40  # longer than any sort, flag or id: anything longer is not one


def _render(template: str, status: int = 200, **context):
    html = render_audited(template, **context)
    return html, status


def _reread(referral: Referral) -> None:
    """A failed operation rolled back the audit event of reading the case: record it again."""
    record(AuditAction.READ, AuditRecordType.REFERRAL, referral.id, user=current_user)


def _arg(name: str) -> str:
    return request.args.get(name, "").strip()[:ARG_MAX]


# ---- caseloads --------------------------------------------------------------------------


def _caseload_owner() -> User:
    """Whose caseload: the signed-in user's, or (for a senior clinician) a practitioner of
    their team named by ``?practitioner=``. Anyone else's is a 404."""
    wanted = _arg("practitioner")
    if not wanted:
        return current_user
    if not ID.fullmatch(wanted):
        abort(404)
    if int(wanted) == current_user.id:
        return current_user
    if not has_permission(current_user, Permission.ALLOCATE_CASES):
        abort(404)
    member = teams.team_member(current_user.team_id, int(wanted))
    if member is None:
        abort(404)
    return member


@bp.get("/")
@requires(Permission.VIEW_CASELOAD)
def caseload():
    practitioner = _caseload_owner()
    sort, school_arg, flag = _arg("sort"), _arg("school"), _arg("flag")
    schools = teams.school_options(current_user, practitioner)
    errors = []
    if sort and sort not in caseloads.CASELOAD_SORTS:
        errors.append(("sort", "Select how to sort the caseload from the list"))
    school_id = None
    if school_arg:
        if ID.fullmatch(school_arg) and int(school_arg) in {school.id for school in schools}:
            school_id = int(school_arg)
        else:
            errors.append(("school", "Select a school from the list"))
    if flag and flag not in caseloads.CASELOAD_FLAGS:
        errors.append(("flag", "Select a flag from the list"))
    entries = (
        []
        if errors
        else caseloads.caseload(
            current_user,
            practitioner,
            school_id=school_id,
            flag=flag or None,
            sort=sort or "referral",
        )
    )
    queries.audit_listed(current_user, [entry.referral for entry in entries])
    return _render(
        "casework/caseload.html",
        400 if errors else 200,
        practitioner=practitioner,
        own=practitioner.id == current_user.id,
        entries=entries,
        filters={"sort": sort, "school": school_arg, "flag": flag},
        filtered=bool(school_id or flag),
        filter_errors=errors,
        sort_options=list(caseloads.CASELOAD_SORTS.items()),
        sort_label=caseloads.CASELOAD_SORTS.get(sort or "referral", ""),
        school_options=[(school.id, school.name) for school in schools],
        flag_options=list(caseloads.CASELOAD_FLAGS.items()),
        interval_weeks=caseloads.supervision_interval_weeks(),
        review_sessions=caseloads.measure_review_sessions(),
        can_allocate=has_permission(current_user, Permission.ALLOCATE_CASES),
        can_log=has_permission(current_user, Permission.LOG_SESSIONS),
        can_record_measures=has_permission(current_user, Permission.RECORD_MEASURES),
    )


@bp.get("/team")
@requires(Permission.ALLOCATE_CASES)
def team_caseloads():
    team_id = current_user.team_id
    members = teams.team_caseloads(team_id)
    return _render(
        "casework/team_caseloads.html",
        team=current_user.team,
        members=members,
        open_cases=sum(member.open_cases for member in members),
        waiting=teams.waiting_count(current_user, team_id),
    )


# ---- allocation -------------------------------------------------------------------------


def _allocation_flash(referral: Referral, allocation: Allocation, previous: User | None) -> None:
    # Flashed messages travel in the session cookie: the reference, never the child's name.
    who = allocation.practitioner.full_name
    if previous is None:
        flash(f"Referral {referral.reference} allocated to {who}", "success")
    else:
        flash(
            f"Case {referral.reference} reallocated from {previous.full_name} to {who}",
            "success",
        )


@bp.route("/referrals/<int:referral_id>/allocate", methods=["GET", "POST"])
@requires(Permission.ALLOCATE_CASES)
def allocate(referral_id: int):
    referral = scoping.get_or_404(current_user, Referral, referral_id)
    if request.method == "GET" and referral.status not in operations.ALLOCATABLE_STATUSES:
        return _render(
            "casework/allocate.html",
            referral=referral,
            form=None,
            not_yet=referral.status in referral_operations.TRIAGE_STATUSES,
        )
    current = current_allocation(referral)
    members = teams.team_caseloads(referral.school.team_id)
    eligible = [m for m in members if operations.can_hold_case(referral, m.practitioner)]
    form = AllocateForm().offer_practitioners([m.practitioner for m in eligible])
    form.seen.show(referral)
    form.seen_allocation.show_allocation(current)
    if form.validate_on_submit():
        previous = current.practitioner if current is not None else None
        result = submit_once(
            form,
            operations.allocate,
            referral,
            form.chosen_practitioner(),
            by=current_user,
            seen=form.seen.status(),
            seen_allocation=form.seen_allocation.allocation_id(),
            result_url=lambda _: url_for("referrals.show", referral_id=referral.id),
            user=current_user,
        )
        if not failed(result) and result.repeated:
            flash(REPEATED_MESSAGE, "success")
            return redirect(result.url)
        if not failed(result):
            _allocation_flash(referral, result.record, previous)
            return redirect(url_for(".team_caseloads"))
        _reread(referral)
        current = current_allocation(referral)
    return _render(
        "casework/allocate.html",
        400 if form.errors else 200,
        referral=referral,
        form=form,
        members=eligible,
        current=current,
        valid_consent=referral_operations.has_valid_consent(referral),
        days_since_referral=(service_today() - referral.received_on).days,
    )


# ---- discharge and reopening ------------------------------------------------------------


@bp.route("/cases/<int:case_id>/discharge", methods=["GET", "POST"])
@requires(Permission.LOG_SESSIONS)
def discharge(case_id: int):
    referral = scoping.get_or_404(current_user, Referral, case_id, kind=scoping.Kind.CASE)
    earlier = earlier_url(DischargeForm())
    if earlier:  # this form was sent before and discharged the case: show that
        flash(REPEATED_MESSAGE, "success")
        return redirect(earlier)
    if request.method == "GET" and referral.status not in OPEN_CASE_STATUSES:
        return _render("casework/discharge.html", referral=referral, form=None)
    form = (
        DischargeForm()
        .offer_services(signposting.proposed_services(referral))
        .ask_why_no_final_measures(not operations.final_measure_recorded(referral))
    )
    form.seen.show(referral)
    if form.validate_on_submit():
        reason = DischargeReason(form.reason.data)
        result = submit_once(
            form,
            operations.discharge,
            referral,
            by=current_user,
            reason=reason,
            summary=form.summary.data,
            services=form.chosen_services(),
            final_measures_note=form.note_given(),
            seen=form.seen.status(),
            result_url=lambda _: url_for("referrals.show", referral_id=referral.id),
            user=current_user,
        )
        if not failed(result):
            flash(
                REPEATED_MESSAGE
                if result.repeated
                else f"Case {referral.reference} discharged: {reason.label.lower()}",
                "success",
            )
            return redirect(result.url)
        _reread(referral)
    summaries = operations.measure_summaries(referral)
    shown = {r.id for s in summaries for r in (s.first, s.latest)}
    record_many(
        AuditRecordType.MEASURE_RECORD,
        [(AuditAction.READ, i) for i in sorted(shown)],
        user=current_user,
    )
    return _render(
        "casework/discharge.html",
        400 if form.errors else 200,
        referral=referral,
        form=form,
        current=current_allocation(referral),
        measures=summaries,
        scores_text=scores_text,
        respondent_text=respondent_text,
    )


@bp.route("/cases/<int:case_id>/reopen", methods=["GET", "POST"])
@requires(Permission.ALLOCATE_CASES)
def reopen(case_id: int):
    referral = scoping.get_or_404(current_user, Referral, case_id, kind=scoping.Kind.CASE)
    if request.method == "GET" and referral.status is not S.DISCHARGED:
        return _render("casework/reopen.html", referral=referral, form=None)
    members = teams.team_caseloads(referral.school.team_id)
    eligible = [m for m in members if operations.can_hold_case(referral, m.practitioner)]
    last = operations.last_allocation(referral)
    last_practitioner = last.practitioner if last is not None else None
    form = ReopenForm().offer_practitioners([m.practitioner for m in eligible])
    if request.method == "GET" and operations.can_hold_case(referral, last_practitioner):
        form.practitioner.data = str(last_practitioner.id)
    form.seen.show(referral)
    if form.validate_on_submit():
        allocation = commit_operation(
            form,
            operations.reopen,
            referral,
            by=current_user,
            reason=form.reason.data,
            practitioner=form.chosen_practitioner(),
            seen=form.seen.status(),
        )
        if not failed(allocation):
            flash(
                f"Case {referral.reference} reopened and "
                f"allocated to {allocation.practitioner.full_name}",
                "success",
            )
            return redirect(url_for("referrals.show", referral_id=referral.id))
        _reread(referral)
    return _render(
        "casework/reopen.html",
        400 if form.errors else 200,
        referral=referral,
        form=form,
        members=eligible,
        last_practitioner=last_practitioner,
    )


@bp.route("/cases/<int:case_id>/discharges/<int:discharge_id>/amend", methods=["GET", "POST"])
@requires(Permission.LOG_SESSIONS)
def amend_discharge_summary(case_id: int, discharge_id: int):
    """Amend a discharge summary (the operation allows its author or a senior clinician)."""
    referral = scoping.get_or_404(current_user, Referral, case_id, kind=scoping.Kind.CASE)
    closing = db.session.scalars(
        select(Discharge).where(Discharge.id == discharge_id, Discharge.referral_id == referral.id)
    ).one_or_none()
    if closing is None:
        abort(404)
    back = url_for("referrals.show", referral_id=referral.id)
    page = AmendPage(
        title="Amend the discharge summary",
        caption=f"{referral.child.full_name}, case {referral.reference}",
        label="Discharge summary",
        action=url_for(".amend_discharge_summary", case_id=referral.id, discharge_id=closing.id),
        back_url=back,
        back_text="Back to the case",
    )
    return amend_page(amendable.discharge_summary(closing), page)
