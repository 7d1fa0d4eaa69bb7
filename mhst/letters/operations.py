"""Letters: saving a kind's template, producing a letter on a child's record, sharing the
advice for the school with the school's lead. The rules live here; views stay thin.

Every letter produced, downloaded or shared is audit-logged (``AuditRecordType.LETTER``);
every template saved is kept as a revision and logged (``LETTER_TEMPLATE``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, undefer

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.casework.models import Discharge
from mhst.core.formatting import format_date, format_time, uk_time
from mhst.core.locking import lock_row
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.core.versions import ensure_current
from mhst.extensions import db
from mhst.letters import pdf, texts
from mhst.letters.models import Letter, LetterKind, LetterTemplate, LetterTemplateRevision
from mhst.referrals.models import Referral, ReferralStatus
from mhst.sessions.models import Attendance, CareContact

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# ---- templates ----------------------------------------------------------------------------


def saved_template(kind: LetterKind) -> LetterTemplate | None:
    return db.session.scalars(
        select(LetterTemplate)
        .where(LetterTemplate.kind == kind)
        .options(joinedload(LetterTemplate.updated_by))
    ).one_or_none()


def template_text(kind: LetterKind) -> str:
    """The text a kind of letter is produced from: the saved template, else the default."""
    saved = saved_template(kind)
    return saved.body if saved is not None else texts.DEFAULTS[kind]


def check_template(body: str, kind: LetterKind) -> None:
    if not body.strip():
        raise RuleError("body", "Enter the letter's text")
    found = texts.problems(body, kind)
    if found:
        raise RuleError("body", ". ".join(found))


def save_template(kind: LetterKind, body: str, *, by, read_version: int | None) -> LetterTemplate:
    """Save a kind's text (checked), refusing a save made on a version since replaced."""
    check_template(body, kind)
    current = saved_template(kind)
    if current is not None:
        current = lock_row(LetterTemplate, current.id)
    ensure_current(current, read_version, {"body": (current.body if current else "", body)})
    if current is None:
        current = LetterTemplate(kind=kind, body=body, updated_by_id=by.id)
        db.session.add(current)
    else:
        current.body = body
        current.updated_by_id = by.id
        current.updated_at = utcnow()
    db.session.add(LetterTemplateRevision(kind=kind, body=body, saved_by_id=by.id))
    db.session.flush()
    record(AuditAction.UPDATE, AuditRecordType.LETTER_TEMPLATE, current.id, user=by)
    return current


def revisions(kind: LetterKind) -> list[LetterTemplateRevision]:
    return list(
        db.session.scalars(
            select(LetterTemplateRevision)
            .where(LetterTemplateRevision.kind == kind)
            .options(joinedload(LetterTemplateRevision.saved_by))
            .order_by(LetterTemplateRevision.saved_at.desc(), LetterTemplateRevision.id.desc())
        )
    )


# ---- producing a letter -------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A letter about to be produced: what the preview shows and the PDF is made from."""

    kind: LetterKind
    recipient_name: str
    recipient_address: str | None
    body: str
    contact: CareContact | None


def latest_discharge(referral: Referral) -> Discharge | None:
    return db.session.scalars(
        select(Discharge)
        .where(Discharge.referral_id == referral.id)
        .order_by(Discharge.discharged_at.desc(), Discharge.id.desc())
        .limit(1)
    ).one_or_none()


def session_label(contact: CareContact) -> str:
    """A session as the choice of one names it: its day, time and attendance."""
    state = contact.attendance.label if contact.attendance else "Booked"
    values = _session_values(contact)
    return f"{values['session_date']} at {values['session_time']} ({state.lower()})"


def _session_values(contact: CareContact | None) -> dict[str, str]:
    if contact is None:
        return {}
    local = uk_time(contact.starts_at)
    place = contact.mode.label if contact.mode.remote or not contact.location else contact.location
    return {
        "session_date": f"{WEEKDAYS[local.weekday()]} {format_date(contact.starts_at)}",
        "session_time": format_time(contact.starts_at),
        "place": place,
    }


def values_for(
    referral: Referral, *, recipient_name: str, contact: CareContact | None, by, discharge=None
) -> dict[str, str]:
    """Every placeholder's value for a letter on this referral."""
    child = referral.child
    values = {
        "child_name": child.full_name,
        "child_first_name": child.given_name,
        "date_of_birth": format_date(child.date_of_birth),
        "case_reference": referral.reference,
        "parent_name": child.parent_carer_name or "parent or carer",
        "recipient_name": recipient_name,
        "practitioner_name": by.full_name,
        "school_name": referral.school.name,
        "discharge_reason": discharge.reason.label.lower() if discharge else "",
        "service_name": _service_name(),
        "today": format_date(service_today()),
        **_session_values(contact),
    }
    return values


def _service_name() -> str:
    from flask import current_app

    return current_app.config["LETTER_SERVICE_NAME"]


def check_kind(referral: Referral, kind: LetterKind, contact: CareContact | None) -> None:
    """A letter about a session needs one of this case's sessions (a did-not-attend
    letter, one recorded as not attended); a discharge letter needs a discharged case."""
    if kind.needs_session:
        if contact is None or contact.referral_id != referral.id or contact.in_error:
            raise RuleError("kind", "Choose a session from the case's sessions for this letter")
        if (
            kind is LetterKind.DID_NOT_ATTEND
            and contact.attendance is not Attendance.DID_NOT_ATTEND
        ):
            raise RuleError("kind", "This session is not recorded as did not attend")
        if kind is LetterKind.APPOINTMENT and not contact.planned:
            raise RuleError("kind", "This session has already been recorded: choose a booked one")
    if kind.needs_discharge and (
        referral.status is not ReferralStatus.DISCHARGED or latest_discharge(referral) is None
    ):
        raise RuleError("kind", "A discharge letter can be produced once the case is discharged")


def draft(
    referral: Referral,
    kind: LetterKind,
    *,
    recipient_name: str,
    recipient_address: str | None,
    contact: CareContact | None,
    by,
) -> Draft:
    """The letter's text, filled in from the kind's template (checked first)."""
    check_kind(referral, kind, contact)
    if not recipient_name.strip():
        raise RuleError("recipient_name", "Enter who the letter is to")
    values = values_for(
        referral,
        recipient_name=recipient_name,
        contact=contact,
        by=by,
        discharge=latest_discharge(referral) if kind.needs_discharge else None,
    )
    body = texts.fill(template_text(kind), values)
    return Draft(kind, recipient_name, recipient_address or None, body, contact)


def render_pdf(referral: Referral, letter_draft: Draft, *, by) -> bytes:
    html = pdf.letter_html(
        body=letter_draft.body,
        recipient_name=letter_draft.recipient_name,
        recipient_address=letter_draft.recipient_address,
        dated=service_today(),
        signature=pdf.Signature(by.full_name, by.role.label),
        reference=referral.reference,
    )
    return pdf.make_pdf(html)


def produce(referral: Referral, kind: LetterKind, *, by, **details) -> Letter:
    """Produce a letter on the child's record: its text, its PDF, who and when."""
    letter_draft = draft(referral, kind, by=by, **details)
    letter = Letter(
        referral_id=referral.id,
        care_contact_id=letter_draft.contact.id if letter_draft.contact else None,
        kind=kind,
        recipient_name=letter_draft.recipient_name,
        recipient_address=letter_draft.recipient_address,
        body=letter_draft.body,
        pdf=render_pdf(referral, letter_draft, by=by),
        produced_by_id=by.id,
    )
    db.session.add(letter)
    db.session.flush()
    record(AuditAction.CREATE, AuditRecordType.LETTER, letter.id, detail=kind.label, user=by)
    return letter


# ---- reading and sharing ------------------------------------------------------------------


def letter_of(referral: Referral, letter_id: int, *, with_pdf: bool = False) -> Letter | None:
    """The letter ``letter_id`` if it is on this referral (found through it, never alone)."""
    options = [joinedload(Letter.produced_by), joinedload(Letter.shared_by)]
    if with_pdf:
        options.append(undefer(Letter.pdf))
    return db.session.scalars(
        select(Letter)
        .where(Letter.id == letter_id, Letter.referral_id == referral.id)
        .options(*options)
    ).one_or_none()


def letters_of(referral_ids: Collection[int]) -> list[Letter]:
    """The letters on these referrals (one query), oldest first."""
    if not referral_ids:
        return []
    return list(
        db.session.scalars(
            select(Letter)
            .where(Letter.referral_id.in_(list(referral_ids)))
            .options(joinedload(Letter.produced_by))
            .order_by(Letter.produced_at, Letter.id)
        )
    )


def shared_letters(referral: Referral) -> list[Letter]:
    """What the school's lead sees: the advice for the school, once shared."""
    return list(
        db.session.scalars(
            select(Letter)
            .where(
                Letter.referral_id == referral.id,
                Letter.kind == LetterKind.SCHOOL_ADVICE,
                Letter.shared_with_school_at.is_not(None),
            )
            .order_by(Letter.shared_with_school_at, Letter.id)
        )
    )


def share_with_school(letter: Letter, *, by) -> Letter:
    """Share the advice for the school with the school's lead: who shared it and when."""
    locked = lock_row(Letter, letter.id)
    if locked is None or locked.kind is not LetterKind.SCHOOL_ADVICE:
        raise RuleError("", "Only the advice for the school can be shared with the school")
    if locked.shared:
        raise RuleError("", "This letter has already been shared with the school")
    locked.shared_with_school_at = utcnow()
    locked.shared_by_id = by.id
    record(
        AuditAction.UPDATE,
        AuditRecordType.LETTER,
        locked.id,
        detail="shared with the school",
        user=by,
    )
    return locked


def downloaded(letter: Letter, *, by) -> None:
    record(AuditAction.READ, AuditRecordType.LETTER, letter.id, detail="PDF downloaded", user=by)
