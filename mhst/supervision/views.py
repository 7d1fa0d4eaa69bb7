"""Supervision records: the list, recording one, a record's page, and overdue cases.

A senior clinician sees the team's records (supervisions that took place in it); an EMHP
only their own, and anyone else's is a 404. Pages that name children audit-log a read of
each child's referral and are rendered with ``render_audited`` (render, then commit).

Recording is two steps so it works without JavaScript: ``/supervision/new`` asks whose
cases were discussed (a GET form), then ``/supervision/new?practitioner=<id>`` lists that
practitioner's open cases to tick, each with its decision.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload, lazyload

from mhst.accounts.models import Role, User
from mhst.amendments.operations import may_amend, versions_for
from mhst.amendments.pages import AmendPage, amend_page
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record, render_audited
from mhst.core.formatting import format_date
from mhst.core.forms import failed
from mhst.core.pagination import paginate
from mhst.core.submissions import REPEATED_MESSAGE, submit_once
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals import queries
from mhst.referrals.models import Referral
from mhst.security import scoping
from mhst.security.permissions import Permission, has_permission, requires
from mhst.supervision import amendable, operations
from mhst.supervision.forms import PractitionerForm, supervision_form
from mhst.supervision.models import SupervisionCase, SupervisionRecord

bp = Blueprint("supervision", __name__, url_prefix="/supervision")


def interval_weeks() -> int:
    return int(
        current_app.config.get("SUPERVISION_INTERVAL_WEEKS", operations.DEFAULT_INTERVAL_WEEKS)
    )


def _record_scope() -> ColumnElement[bool]:
    """Records the signed-in user may see: a senior clinician those of the supervisions
    that took place in their team (the record's team, not the practitioner's team of
    today), anyone else only the supervisions of their own cases."""
    if current_user.role is Role.SENIOR_CLINICIAN and current_user.team_id is not None:
        return SupervisionRecord.team_id == current_user.team_id
    return SupervisionRecord.practitioner_id == current_user.id


# ---- the list -------------------------------------------------------------------------


@bp.get("/")
@requires(Permission.VIEW_SUPERVISION)
def index():
    stmt = (
        select(SupervisionRecord)
        .where(_record_scope())
        .options(
            joinedload(SupervisionRecord.supervisor),
            joinedload(SupervisionRecord.practitioner),
            lazyload(SupervisionRecord.cases),
        )
        .order_by(SupervisionRecord.held_on.desc(), SupervisionRecord.id.desc())
    )
    page = paginate(stmt)
    record_ids = [supervision.id for supervision in page.items]
    case_counts = (
        dict(
            db.session.execute(
                select(SupervisionCase.record_id, func.count(SupervisionCase.id))
                .where(SupervisionCase.record_id.in_(record_ids))
                .group_by(SupervisionCase.record_id)
            ).all()
        )
        if record_ids
        else {}
    )
    senior = current_user.role is Role.SENIOR_CLINICIAN
    return render_template(
        "supervision/index.html",
        page=page,
        case_counts=case_counts,
        senior=senior,
        can_record=has_permission(current_user, Permission.RECORD_SUPERVISION),
    )


# ---- recording a supervision ----------------------------------------------------------


def _step_one(form: PractitionerForm, status: int):
    return render_template("supervision/new.html", step=1, form=form), status


def _chosen_practitioner(practitioners: list[User]) -> tuple[PractitionerForm, User | None]:
    """Step 1's form, read from the query string, and the practitioner it names if valid."""
    form = PractitionerForm(formdata=request.args)
    form.set_practitioners(practitioners)
    if "practitioner" not in request.args and request.method == "GET":
        return form, None
    if not form.validate():
        return form, None
    chosen = {str(user.id): user for user in practitioners}
    return form, chosen.get(form.practitioner.data)


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.RECORD_SUPERVISION)
def new():
    practitioners = operations.team_practitioners(current_user.team_id)
    chooser, practitioner = _chosen_practitioner(practitioners)
    if practitioner is None:
        return _step_one(chooser, 400 if chooser.errors else 200)

    cases = operations.open_cases(practitioner_id=practitioner.id, team_id=current_user.team_id)
    supervisors = operations.team_supervisors(current_user.team_id)
    form = supervision_form(
        cases,
        supervisors,
        data=None if request.method == "POST" else {"supervisor": str(current_user.id)},
        posted=request.form if request.method == "POST" else None,
    )
    if request.method == "POST" and not cases:
        # Nothing to record (the cases were closed or moved since the page was shown).
        return render_template(
            "supervision/new.html",
            step=2,
            form=form,
            practitioner=practitioner,
            cases=cases,
            no_cases_error=True,
        ), 400
    if request.method == "POST" and form.validate():
        by_id = {str(user.id): user for user in supervisors}
        result = submit_once(
            form,
            operations.record_supervision,
            supervisor=by_id[form.supervisor.data],
            practitioner=practitioner,
            held_on=form.held_on.data,
            cases=[(case.referral, decision) for case, decision in form.discussed()],
            by=current_user,
            result_url=lambda made: url_for(".show", record_id=made.id),
            user=current_user,
        )
        if not failed(result):
            flash(
                REPEATED_MESSAGE
                if result.repeated
                else f"Supervision with {practitioner.full_name} on "
                f"{format_date(result.record.held_on)} recorded.",
                "success",
            )
            return redirect(result.url)
        # The failed change was rolled back: read the cases again for the page.
        cases = operations.open_cases(practitioner_id=practitioner.id, team_id=current_user.team_id)
        form.open_cases = cases
    queries.audit_listed(current_user, [case.referral for case in cases])
    return render_audited(
        "supervision/new.html",
        step=2,
        form=form,
        practitioner=practitioner,
        cases=cases,
    ), (400 if form.errors else 200)


# ---- a record -------------------------------------------------------------------------


@bp.get("/<int:record_id>")
@requires(Permission.VIEW_SUPERVISION)
def show(record_id: int):
    supervision = db.session.scalars(
        select(SupervisionRecord)
        .where(SupervisionRecord.id == record_id, _record_scope())
        .options(
            joinedload(SupervisionRecord.supervisor),
            joinedload(SupervisionRecord.practitioner),
        )
    ).one_or_none()
    if supervision is None:
        abort(404)
    discussed = list(
        db.session.scalars(
            select(SupervisionCase)
            .where(SupervisionCase.record_id == supervision.id)
            .options(
                joinedload(SupervisionCase.referral).joinedload(Referral.child),
                joinedload(SupervisionCase.referral).joinedload(Referral.school),
                joinedload(SupervisionCase.referral).lazyload(Referral.need_links),
                joinedload(SupervisionCase.referral).lazyload(Referral.risk_links),
            )
            .order_by(SupervisionCase.id)
        )
    )
    # A decision is the case's clinical text: shown only for the cases the user may see
    # as cases (an EMHP's own, not one reallocated to someone else since).
    readable = set(
        db.session.scalars(
            select(Referral.id).where(
                Referral.id.in_([case.referral_id for case in discussed]),
                scoping.scope(current_user, Referral, scoping.Kind.CASE),
            )
        )
    )
    record(AuditAction.READ, AuditRecordType.SUPERVISION, supervision.id, user=current_user)
    queries.audit_listed(current_user, [case.referral for case in discussed])
    versions = versions_for(AuditRecordType.SUPERVISION_CASE, [case.id for case in discussed])
    may = has_permission(current_user, Permission.RECORD_SUPERVISION) and may_amend(
        current_user, supervision.recorded_by_id
    )
    return render_audited(
        "supervision/show.html",
        supervision=supervision,
        discussed=[(case, versions.get((case.id, "decision"), [])) for case in discussed],
        readable=readable,
        may_amend=may,
    )


@bp.route("/<int:record_id>/cases/<int:discussed_id>/amend", methods=["GET", "POST"])
@requires(Permission.RECORD_SUPERVISION)
def amend_decision(record_id: int, discussed_id: int):
    """Amend the decision for one case (the operation allows whoever recorded the
    supervision, or a senior clinician); records out of the user's reach are a 404."""
    case = db.session.scalars(
        select(SupervisionCase)
        .join(SupervisionRecord, SupervisionRecord.id == SupervisionCase.record_id)
        .where(
            SupervisionCase.id == discussed_id,
            SupervisionCase.record_id == record_id,
            _record_scope(),
            # The decision is the case's clinical text: the same case scope as the
            # record's page uses to show it.
            SupervisionCase.referral_id.in_(
                select(Referral.id).where(scoping.scope(current_user, Referral, scoping.Kind.CASE))
            ),
        )
        .options(joinedload(SupervisionCase.record), joinedload(SupervisionCase.referral))
    ).one_or_none()
    if case is None:
        abort(404)
    record(AuditAction.READ, AuditRecordType.REFERRAL, case.referral_id, user=current_user)
    back = url_for(".show", record_id=record_id)
    page = AmendPage(
        title="Amend the supervision decision",
        caption=f"{case.referral.child.full_name}, supervision on "
        f"{format_date(case.record.held_on)}",
        label="Decision or action",
        action=url_for(".amend_decision", record_id=record_id, discussed_id=case.id),
        back_url=back,
        back_text="Back to the supervision record",
    )
    return amend_page(amendable.decision(case), page)


# ---- cases overdue a discussion -------------------------------------------------------


@bp.get("/overdue")
@requires(Permission.RECORD_SUPERVISION)
def overdue():
    weeks = interval_weeks()
    today = service_today()
    cases = operations.overdue_cases(current_user.team_id, weeks=weeks, today=today)
    queries.audit_listed(current_user, [case.referral for case in cases])
    return render_audited(
        "supervision/overdue.html",
        cases=cases,
        weeks=weeks,
        team=current_user.team,
    )
