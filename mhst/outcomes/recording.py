"""Recording a completed outcome measure on a case, and reading a case's measures back.

The rules of :func:`record_measure`:

* the case is open in casework (allocated or in treatment: a discharged case is
  read-only) and passes the consent gate;
* the measure is one of :func:`measures` (shipped, or loaded from ``MEASURES_DIR``) and the
  respondent one the measure allows;
* the date is on or after the referral was received and not in the future; a measure
  completed at a session is dated that session's day, and the session is one of this
  case's that took place;
* scores come only from :func:`~mhst.outcomes.scoring.score` (item answers, with the
  instrument's missing-item rule) or :func:`~mhst.outcomes.scoring.score_from_totals`
  (scale totals from a paper form): nothing typed is stored as a score unchecked;
* Goal Based Outcomes: each rated goal needs its wording, in the family's words.

A broken rule raises :class:`RuleError` naming the form field it belongs to (the names
in :mod:`mhst.outcomes.forms`: ``item_3``, ``scale_2`` and so on). The operation
adds to the session and flushes; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mhst.accounts.models import User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core.formatting import format_date
from mhst.core.rules import RuleError
from mhst.core.time import SERVICE_TIME_ZONE, service_today
from mhst.extensions import db
from mhst.outcomes.definition_loader import available_measures
from mhst.outcomes.definitions import MeasureDefinition, Respondent
from mhst.outcomes.models import MeasureAnswer, MeasureRecord, MeasureScore
from mhst.outcomes.scoring import ScoringError, score, score_from_totals, score_text
from mhst.referrals import risk_flags
from mhst.referrals.models import OPEN_CASE_STATUSES, Referral, ReferralStatus
from mhst.referrals.operations import require_valid_consent
from mhst.sessions.models import Attendance, CareContact

ITEM_TEXT_MAX = 500
# Measures whose items are the family's own goals: each rated item needs its wording.
ITEM_TEXT_MEASURES = frozenset({"GBO"})

RESPONDENT_LABELS = {
    Respondent.CHILD: "The child or young person",
    Respondent.PARENT_CARER: "A parent or carer",
    Respondent.PRACTITIONER: "The practitioner",
}
# A measure the family completed themselves through a questionnaire link.
ONLINE_LABELS = {
    Respondent.CHILD: "Completed by the young person online",
    Respondent.PARENT_CARER: "Completed by a parent or carer online",
}

# The form fields the messages belong to (see casework/measure_forms).
DATE, RESPONDENT, CONTACT, MEASURE = "completed_on", "respondent", "care_contact_id", "measure"


def item_field(number: int) -> str:
    return f"item_{number}"


def item_text_field(number: int) -> str:
    return f"item_text_{number}"


def scale_field(position: int) -> str:
    """Scales are named by their position (1 upwards): a scale's name may be any text."""
    return f"scale_{position}"


def asks_item_text(definition: MeasureDefinition) -> bool:
    return definition.code in ITEM_TEXT_MEASURES


def measures() -> dict[str, MeasureDefinition]:
    """Every measure the service can record, by code."""
    return available_measures(current_app.config.get("MEASURES_DIR"))


# ---- checks ---------------------------------------------------------------------------


def check_case(referral: Referral) -> None:
    """The consent gate, then the case must be open: raise :class:`RuleError` if not."""
    require_valid_consent(referral)
    if referral.status in OPEN_CASE_STATUSES:
        return
    if referral.status is ReferralStatus.DISCHARGED:
        message = (
            "This case is discharged: its record is read-only. A senior clinician can reopen it"
        )
    elif referral.status.is_closed:
        message = f"This referral is closed ({referral.status.label.lower()}): no measures"
    else:
        message = (
            "Measures can be recorded only once the case is allocated "
            f"(it is {referral.status.label.lower()})"
        )
    raise RuleError(DATE, message)


def who_completes(definition: MeasureDefinition) -> str:
    """ "the child or young person or a parent or carer" """
    return " or ".join(RESPONDENT_LABELS[r].lower() for r in definition.completed_by)


def _respondent(definition: MeasureDefinition, value) -> Respondent:
    message = (
        f"Select who completed it: {definition.name} is completed by {who_completes(definition)}"
    )
    try:
        respondent = Respondent(value)
    except ValueError:
        raise RuleError(RESPONDENT, message) from None
    if respondent not in definition.completed_by:
        raise RuleError(RESPONDENT, message)
    return respondent


def _completed_on(referral: Referral, value) -> date:
    if not isinstance(value, date):
        raise RuleError(DATE, "Enter the date the measure was completed")
    if value < referral.received_on:
        raise RuleError(
            DATE,
            "The date completed must be on or after the date the referral was received "
            f"({format_date(referral.received_on)})",
        )
    if value > service_today():
        raise RuleError(DATE, "The date completed must be today or in the past")
    return value


def _contact(referral: Referral, contact: CareContact | None, completed_on: date):
    if contact is None:
        return None
    if contact.referral_id != referral.id:
        raise RuleError(CONTACT, "Choose one of this case's sessions, or 'Not at a session'")
    if contact.attendance is not Attendance.ATTENDED or contact.in_error:
        raise RuleError(
            CONTACT, "Choose a session that took place: this one was not attended or is planned"
        )
    held_on = contact.starts_at.astimezone(SERVICE_TIME_ZONE).date()
    if held_on != completed_on:
        raise RuleError(
            DATE,
            f"A measure completed at the session on {format_date(held_on)} is dated that day: "
            "change the date, or choose 'Not at a session'",
        )
    return contact


def _item_field_for(definition: MeasureDefinition, answers: Mapping[int, int | None]) -> str:
    """The field a scoring refusal belongs to: the first answer out of range, else the
    first unanswered item of the first scale that cannot be scored."""
    low, high = definition.response_scale.minimum, definition.response_scale.maximum
    for number, value in answers.items():
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
        ):
            return item_field(number) if isinstance(number, int) else item_field(1)
    for scale in definition.scales:
        unanswered = [n for n in scale.items if answers.get(n) is None]
        if len(unanswered) > scale.max_missing:
            return item_field(unanswered[0])
    return item_field(1)


def _scores_from_items(
    definition: MeasureDefinition, answers: Mapping[int, int | None]
) -> dict[str, float]:
    try:
        return score(definition, answers)
    except ScoringError as error:
        raise RuleError(_item_field_for(definition, answers), str(error)) from None


def _scores_from_totals(
    definition: MeasureDefinition, totals: Mapping[str, float | int | None]
) -> dict[str, float]:
    try:
        return score_from_totals(definition, totals)
    except ScoringError as error:
        field = scale_field(1)
        # The first scale that is wrong on its own names the field.
        for position, name in enumerate(definition.scale_names, start=1):
            if totals.get(name) is None:
                continue
            try:
                score_from_totals(definition, {name: totals[name]})
            except ScoringError:
                field = scale_field(position)
                break
        raise RuleError(field, str(error)) from None


def _item_texts(
    definition: MeasureDefinition,
    answers: Mapping[int, int | None],
    item_texts: Mapping[int, str | None] | None,
) -> dict[int, str]:
    """Each rated goal's wording (required, at most ``ITEM_TEXT_MAX`` characters); a
    goal with wording must be rated. Measures that do not ask for wording store none."""
    if not asks_item_text(definition):
        return {}
    texts = {number: (text or "").strip() for number, text in (item_texts or {}).items()}
    found: dict[int, str] = {}
    for item in definition.items:
        text = texts.get(item.number, "")
        rated = answers.get(item.number) is not None
        if len(text) > ITEM_TEXT_MAX:
            raise RuleError(
                item_text_field(item.number),
                f"{item.label} must be {ITEM_TEXT_MAX} characters or fewer",
            )
        if rated and not text:
            raise RuleError(
                item_text_field(item.number),
                f"Enter {item.label.lower()} in the family's words",
            )
        if text and not rated:
            raise RuleError(
                item_field(item.number),
                f"Rate {item.label.lower()}, or leave its wording empty",
            )
        if text:
            found[item.number] = text
    return found


# ---- the operation --------------------------------------------------------------------


def record_measure(
    referral: Referral,
    measure_code: str,
    *,
    completed_on: date,
    respondent: Respondent | str,
    by_item: bool,
    answers: Mapping[int, int | None] | None = None,
    totals: Mapping[str, float | int | None] | None = None,
    item_texts: Mapping[int, str | None] | None = None,
    care_contact: CareContact | None = None,
    by: User,
    online: bool = False,
) -> MeasureRecord:
    """Record a completed measure, scored here: item by item (``answers``: item number
    to answer, ``None`` for unanswered) or from scale totals (``totals``: scale name to
    score, from a paper form). ``online``: the family answered it through a link that
    ``by`` sent (the audit event says so)."""
    check_case(referral)
    definition = measures().get(measure_code)
    if definition is None:
        raise RuleError(MEASURE, "Choose a measure from the list")
    who = _respondent(definition, respondent)
    completed_on = _completed_on(referral, completed_on)
    contact = _contact(referral, care_contact, completed_on)
    stored_answers: list[MeasureAnswer] = []
    if by_item:
        answers = dict(answers or {})
        texts = _item_texts(definition, answers, item_texts)
        scores = _scores_from_items(definition, answers)
        stored_answers = [
            MeasureAnswer(item_number=number, value=value, item_text=texts.get(number))
            for number, value in sorted(answers.items())
            if value is not None
        ]
    else:
        scores = _scores_from_totals(definition, dict(totals or {}))
    positions = {name: index for index, name in enumerate(definition.scale_names, start=1)}
    measure_record = MeasureRecord(
        referral=referral,
        measure_code=definition.code,
        completed_on=completed_on,
        respondent=who,
        care_contact=contact,
        by_item=by_item,
        online=online,
        recorded_by=by,
        answers=stored_answers,
        scores=[
            MeasureScore(scale=name, position=positions[name], score=Decimal(str(value)))
            for name, value in scores.items()
        ],
    )
    db.session.add(measure_record)
    db.session.flush()
    record(
        AuditAction.CREATE,
        AuditRecordType.MEASURE_RECORD,
        measure_record.id,
        user=by,
        detail=f"referral {referral.id}: {definition.code}, "
        + ("by item" if by_item else "totals from a paper form")
        + (", completed online through a link this user sent" if online else ""),
    )
    _flag_if_at_risk(definition, measure_record, scores, by=by)
    return measure_record


def _flag_if_at_risk(
    definition: MeasureDefinition,
    measure_record: MeasureRecord,
    scores: Mapping[str, float],
    *,
    by: User,
) -> None:
    """Scores at or beyond a scale's risk threshold flag the case for a senior
    clinician's review (one flag for the record, naming every scale that reached it)."""
    reached = [
        f"{scale.name.replace('_', ' ')} {score_text(scores[scale.name])} "
        f"(risk threshold {scale.risk_threshold.value:g})"
        for scale in definition.scales
        if scale.risk_threshold is not None
        and scores.get(scale.name) is not None
        and scale.risk_threshold.reached_by(float(scores[scale.name]))
    ]
    if not reached:
        return
    risk_flags.raise_flag(
        measure_record.referral,
        source=risk_flags.RiskFlagSource.MEASURE,
        source_id=measure_record.id,
        source_text=f"{definition.name} ({measure_record.respondent.value.replace('_', ' ')}) "
        f"completed on {format_date(measure_record.completed_on)}",
        detail="At or beyond the risk threshold: " + "; ".join(reached),
        by=by,
    )


# ---- reading --------------------------------------------------------------------------


def measure_history(referral: Referral) -> dict[str, list[MeasureRecord]]:
    """The case's measure records by code, each list time-ordered (date, then the order
    recorded), with their scores loaded: two queries. Codes are in the order each
    measure was first completed."""
    records = db.session.scalars(
        select(MeasureRecord)
        .where(MeasureRecord.referral_id == referral.id)
        .options(selectinload(MeasureRecord.scores))
        .order_by(MeasureRecord.completed_on, MeasureRecord.id)
    ).all()
    history: dict[str, list[MeasureRecord]] = {}
    for measure_record in records:
        history.setdefault(measure_record.measure_code, []).append(measure_record)
    return history
