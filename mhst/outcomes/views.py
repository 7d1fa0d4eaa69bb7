"""Outcome measures on a case: the measures page (a chart and table of each measure over
time, and the paired outcome so far), recording a measure, and one record.

Every case is fetched through ``scoping.get_or_404`` and every record only through its
case. Recording is two steps: choose the measure and how to record it (a GET form, so
the choice is in the URL: ``?measure=GBO&method=items``), then the measure's own form.
Scores are computed by ``mhst.outcomes.recording``, never typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record, record_many, render_audited
from mhst.core.formatting import format_date, format_datetime_with_day
from mhst.core.forms import failed
from mhst.core.rules import RuleError
from mhst.core.submissions import REPEATED_MESSAGE, submit_once
from mhst.core.time import SERVICE_TIME_ZONE, service_today
from mhst.extensions import db
from mhst.outcomes import recording
from mhst.outcomes.chart import Chart, measure_charts
from mhst.outcomes.definitions import TOTAL, MeasureDefinition
from mhst.outcomes.forms import (
    BY_ITEM,
    ChooseMeasureForm,
    item_hint,
    measure_form_class,
    measure_summary,
    scale_range,
)
from mhst.outcomes.models import MeasureRecord
from mhst.outcomes.rules import PairedOutcome, outcome
from mhst.outcomes.scoring import scale_title, score_text
from mhst.referrals.models import Referral
from mhst.security import scoping
from mhst.security.permissions import Permission, has_permission, requires
from mhst.sessions.models import Attendance, CareContact, contact_counts

bp = Blueprint("outcomes", __name__, url_prefix="/casework")

CODE_SHOWN_MAX = 40  # of an unknown measure code from the URL, in its message


def respondent_label(respondent, online: bool = False) -> str:
    """Who completed a measure; one the family answered online says so."""
    if online and respondent in recording.ONLINE_LABELS:
        return recording.ONLINE_LABELS[respondent]
    return recording.RESPONDENT_LABELS[respondent]


def _render(template: str, status: int = 200, **context):
    html = render_audited(
        template,
        number=score_text,
        scale_title=scale_title,
        respondent_label=respondent_label,
        **context,
    )
    return html, status


def blocked_reason(referral: Referral) -> str | None:
    """Why no measure can be recorded on this case now, or None."""
    try:
        recording.check_case(referral)
    except RuleError as error:
        return error.message
    return None


# ---- the measures page ----------------------------------------------------------------


@dataclass
class MeasureSection:
    """One measure on the case: its records, charts and paired outcome."""

    code: str
    definition: MeasureDefinition | None  # None: its definition is no longer loaded
    records: list[MeasureRecord]
    charts: list[Chart]  # shown first: the total, or every subscale without a total
    subscale_charts: list[Chart]  # shown under "subscales" when there is a total
    outcome: PairedOutcome | None
    respondents_differ: bool

    @property
    def name(self) -> str:
        return self.definition.name if self.definition else self.code


def _section(code: str, records: list[MeasureRecord], definition) -> MeasureSection:
    if definition is None:
        return MeasureSection(code, None, records, [], [], None, False)
    charts = measure_charts(definition, records)
    main = [c for c in charts if c.scale == TOTAL] or charts
    rest = [c for c in charts if c not in main]
    scores = [{s.scale: float(s.score) for s in r.scores} for r in records]
    paired = outcome(definition, scores)
    differ = paired is not None and records[0].respondent != records[-1].respondent
    return MeasureSection(code, definition, records, main, rest, paired, differ)


def change_words(value) -> str:
    if value > 0:
        return f"Better by {score_text(value)}"
    if value < 0:
        return f"Worse by {score_text(-value)}"
    return "No change"


def reliable_words(scale_outcome, definition: MeasureDefinition) -> str:
    scale = definition.scale(scale_outcome.scale)
    if scale_outcome.reliably_better is None:
        return "Not known: the measure sets no reliable change for this scale"
    if scale_outcome.reliably_better:
        return "Reliable improvement"
    if scale_outcome.reliably_worse:
        return "Reliable deterioration"
    return f"Within measurement error (a change of more than {score_text(scale.reliable_change)})"


def recovery_words(scale_outcome, definition: MeasureDefinition) -> str:
    scale = definition.scale(scale_outcome.scale)
    if scale.threshold is None:
        return "Does not apply: no clinical threshold"
    if scale_outcome.recovered is None:
        return "Does not apply: the first score was not in the clinical range"
    if scale_outcome.recovered:
        return "Recovered: from the clinical range to below it"
    return "Not recovered: the last score is still in the clinical range"


def yes_no(value: bool | None) -> str:
    return "Not known" if value is None else ("Yes" if value else "No")


@bp.get("/cases/<int:case_id>/measures")
@requires(Permission.VIEW_CASE_NOTES)
def measures(case_id: int):
    referral = scoping.get_or_404(current_user, Referral, case_id, kind=scoping.Kind.CASE)
    history = recording.measure_history(referral)
    definitions = recording.measures()
    record_many(
        AuditRecordType.MEASURE_RECORD,
        [(AuditAction.READ, r.id) for records in history.values() for r in records],
        user=current_user,
    )
    may_record = has_permission(current_user, Permission.RECORD_MEASURES)
    blocked = blocked_reason(referral) if may_record else None
    return _render(
        "outcomes/measures.html",
        referral=referral,
        child=referral.child,
        sections=[_section(code, rs, definitions.get(code)) for code, rs in history.items()],
        can_record=may_record and blocked is None,
        blocked=blocked,
        change_words=change_words,
        reliable_words=reliable_words,
        recovery_words=recovery_words,
        yes_no=yes_no,
    )


# ---- recording ------------------------------------------------------------------------


def _attended_sessions(referral: Referral) -> list[CareContact]:
    return list(
        db.session.scalars(
            select(CareContact)
            .where(
                CareContact.referral_id == referral.id,
                CareContact.attendance == Attendance.ATTENDED,
                contact_counts(),
            )
            .order_by(CareContact.starts_at.desc(), CareContact.id.desc())
        )
    )


def _session_words(contact: CareContact) -> str:
    return f"{format_datetime_with_day(contact.starts_at)}, {contact.stage.label.lower()}"


def _contact_date(contact: CareContact) -> date:
    return contact.starts_at.astimezone(SERVICE_TIME_ZONE).date()


def _choose(referral: Referral, definitions, *, contact_id: int | None, blocked):
    """Step 1: which measure and how. Any choice made (in the URL, or a POST without
    one) is checked, and a wrong one shown as an error (400)."""
    code, method = request.args.get("measure"), request.args.get("method")
    asked = request.method == "POST" or code is not None or method is not None
    form = ChooseMeasureForm(formdata=request.args if asked else None)
    form.offer(definitions)
    if code:
        shown = code if len(code) <= CODE_SHOWN_MAX else code[:CODE_SHOWN_MAX] + "..."
        form.measure.invalid_message = (
            f"There is no measure called \u2018{shown}\u2019: choose one from the list"
        )
    if asked and form.validate():
        return form, None
    page = _render(
        "outcomes/measure_choose.html",
        400 if form.errors else 200,
        form=form,
        referral=referral,
        child=referral.child,
        definitions=definitions,
        measure_summary=measure_summary,
        contact_id=contact_id,
        blocked=blocked,
    )
    return form, page


def _success_message(definition: MeasureDefinition, measure_record: MeasureRecord) -> str:
    scores = [
        f"{scale_title(s.scale).lower()} {score_text(s.score)}" for s in measure_record.scores
    ]
    word = "Score" if len(scores) == 1 else "Scores"
    return (
        f"{definition.name} recorded for {format_date(measure_record.completed_on)}. "
        f"{word}: {', '.join(scores)}"
    )


def _recorded(result, definition: MeasureDefinition, referral: Referral):
    """Back to the case's measures; a form sent before goes to what it recorded."""
    if result.repeated:
        flash(REPEATED_MESSAGE, "success")
        return redirect(result.url)
    flash(_success_message(definition, result.record), "success")
    return redirect(url_for(".measures", case_id=referral.id))


@bp.route("/cases/<int:case_id>/measures/new", methods=["GET", "POST"])
@requires(Permission.RECORD_MEASURES)
def record_measure(case_id: int):
    referral = scoping.get_or_404(current_user, Referral, case_id, kind=scoping.Kind.CASE)
    blocked = blocked_reason(referral)
    definitions = recording.measures()
    contact_id = request.args.get("contact_id", type=int)
    choice, page = _choose(referral, definitions, contact_id=contact_id, blocked=blocked)
    if page is not None:
        return page
    definition = definitions[choice.measure.data]
    method = choice.method.data
    contacts = {c.id: c for c in _attended_sessions(referral)}
    form_class = measure_form_class(
        definition, method, [(c.id, _session_words(c)) for c in contacts.values()]
    )
    defaults = None
    if request.method == "GET":
        contact = contacts.get(contact_id)
        defaults = {
            recording.DATE: _contact_date(contact) if contact else service_today(),
            recording.CONTACT: str(contact.id) if contact else "",
        }
        if len(definition.completed_by) == 1:
            defaults[recording.RESPONDENT] = definition.completed_by[0].value
    form = form_class(data=defaults)
    if form.validate_on_submit():
        by_item = method == BY_ITEM
        result = submit_once(
            form,
            recording.record_measure,
            referral,
            definition.code,
            completed_on=form.completed_on.data,
            respondent=form.respondent.data,
            by_item=by_item,
            answers=form.answers() if by_item else None,
            totals=None if by_item else form.totals(),
            item_texts=form.item_texts() if by_item else None,
            care_contact=contacts.get(form.contact_id()),
            by=current_user,
            result_url=lambda measure: url_for(
                ".measure_record", case_id=referral.id, measure_record_id=measure.id
            ),
            user=current_user,
        )
        if not failed(result):
            return _recorded(result, definition, referral)
        # The refused change was rolled back with the audit read: log the page's read.
        record(AuditAction.READ, AuditRecordType.REFERRAL, referral.id, user=current_user)
    return _render(
        "outcomes/measure_form.html",
        400 if form.errors else 200,
        form=form,
        definition=definition,
        method=method,
        referral=referral,
        child=referral.child,
        contact_id=contact_id,
        blocked=blocked,
        item_hint=item_hint(definition),
    )


# ---- one record -----------------------------------------------------------------------


@bp.get("/cases/<int:case_id>/measures/<int:measure_record_id>")
@requires(Permission.VIEW_CASE_NOTES)
def measure_record(case_id: int, measure_record_id: int):
    referral = scoping.get_or_404(current_user, Referral, case_id, kind=scoping.Kind.CASE)
    measure = db.session.scalars(
        select(MeasureRecord)
        .where(MeasureRecord.id == measure_record_id, MeasureRecord.referral_id == referral.id)
        .options(
            selectinload(MeasureRecord.answers),
            selectinload(MeasureRecord.scores),
            joinedload(MeasureRecord.recorded_by),
            joinedload(MeasureRecord.care_contact),
        )
    ).one_or_none()
    if measure is None:
        abort(404)
    record(AuditAction.READ, AuditRecordType.MEASURE_RECORD, measure.id, user=current_user)
    definition = recording.measures().get(measure.measure_code)
    return _render(
        "outcomes/measure_record.html",
        referral=referral,
        child=referral.child,
        measure=measure,
        definition=definition,
        scale_range=scale_range,
    )
