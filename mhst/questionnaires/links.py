"""Making, sending, withdrawing and answering questionnaire links.

The rules:

* a link is made only on a case where a measure could be recorded now
  (:func:`mhst.outcomes.recording.check_case`: open, with valid consent), for a measure
  whose wording the service may show the family (``ships_item_text``: a licensed measure
  whose file holds only reference labels is never sent), to the young person or a parent
  or carer the measure allows;
* the token is random (144 bits) and only its SHA-256 hash is stored; the link expires
  ``QUESTIONNAIRE_LINK_DAYS`` after it was made;
* a Goal Based Outcomes link, once the case has a first GBO with goals (its baseline),
  asks for each of those goals to be rated again, in the words recorded then;
* answering locks the link's row and checks again, inside the lock, that it still works
  (not used, withdrawn or expired, and the case still open with valid consent): two
  submissions at once make one record. The answers are recorded by
  :func:`mhst.outcomes.recording.record_measure`, the practitioners' own code, marked
  ``online`` and recorded by the practitioner who sent the link.

Operations add to the session and flush; the caller commits once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mhst.accounts.models import User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core.locking import lock_row
from mhst.core.notify import redacted_address, redacted_number
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.extensions import db
from mhst.outcomes import recording
from mhst.outcomes.definitions import MeasureDefinition, Respondent
from mhst.outcomes.models import MeasureRecord
from mhst.questionnaires.models import (
    SHOWN_NAME_MAX,
    LinkChannel,
    LinkState,
    QuestionnaireLink,
)
from mhst.referrals.models import Referral
from mhst.referrals.reminder_preferences import checked_email, uk_mobile

TOKEN_BYTES = 18  # 144 random bits, 24 characters in the address
TOKEN_MAX = 100  # longer is not one of ours: not looked up
ACTOR = "family through a questionnaire link"  # who the audit log names for the public page
FAMILY_RESPONDENTS = (Respondent.CHILD, Respondent.PARENT_CARER)
MEASURE, RESPONDENT, CHANNEL, SHOWN_NAME = "measure", "respondent", "channel", "shown_name"


class LinkGone(Exception):
    """The link no longer works; ``state`` says why (used, or expired: withdrawn links and
    links on a case that stopped are expired to the family)."""

    def __init__(self, state: LinkState):
        super().__init__(state.value)
        self.state = state


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sendable(definitions: Mapping[str, MeasureDefinition]) -> dict[str, MeasureDefinition]:
    """The measures a family can answer online: their wording ships with the service, and
    a young person or a parent or carer completes them."""
    return {
        code: definition
        for code, definition in definitions.items()
        if definition.ships_item_text and set(definition.completed_by) & set(FAMILY_RESPONDENTS)
    }


def baseline_of(referral: Referral, definition: MeasureDefinition) -> MeasureRecord | None:
    """For a measure of the family's own goals (GBO): the case's first record with goals
    written down, whose goals a follow-up rates again; else None."""
    if not recording.asks_item_text(definition):
        return None
    records = db.session.scalars(
        select(MeasureRecord)
        .where(
            MeasureRecord.referral_id == referral.id,
            MeasureRecord.measure_code == definition.code,
        )
        .options(selectinload(MeasureRecord.answers))
        .order_by(MeasureRecord.completed_on, MeasureRecord.id)
    )
    return next((r for r in records if goals_of(r)), None)


def goals_of(measure_record: MeasureRecord | None) -> dict[int, str]:
    """A record's goals by item number, in the family's words."""
    if measure_record is None:
        return {}
    return {a.item_number: a.item_text for a in measure_record.answers if a.item_text}


@dataclass(frozen=True)
class LinkRequest:
    """What the practitioner chose on the send form."""

    measure_code: str
    respondent: str
    channel: str
    recipient: str | None = None  # the mobile number or email address (not for a QR code)
    shown_name: str | None = None


def _checked_shown_name(referral: Referral, value: str | None) -> str | None:
    name = " ".join((value or "").split())
    if not name:
        return None
    if len(name) > SHOWN_NAME_MAX:
        raise RuleError(
            SHOWN_NAME, f"The name to show must be {SHOWN_NAME_MAX} characters or fewer"
        )
    family = referral.child.family_name.strip().lower()
    if family and family in name.lower():
        raise RuleError(SHOWN_NAME, "Show a first name only, not the surname")
    return name


def _checked_choice(referral: Referral, wanted: LinkRequest):
    recording.check_case(referral)
    definition = sendable(recording.measures()).get(wanted.measure_code)
    if definition is None:
        raise RuleError(MEASURE, "Choose a questionnaire from the list")
    try:
        respondent = Respondent(wanted.respondent)
        channel = LinkChannel(wanted.channel)
    except ValueError:
        raise RuleError(RESPONDENT, "Select who it is for and how to send it") from None
    if respondent not in FAMILY_RESPONDENTS or respondent not in definition.completed_by:
        raise RuleError(
            RESPONDENT,
            f"{definition.name} is completed by {recording.who_completes(definition)}",
        )
    return definition, respondent, channel


def recipient_of(channel: LinkChannel, value: str | None) -> str | None:
    """The checked number or address the message goes to (None for a QR code)."""
    if channel is LinkChannel.TEXT:
        return uk_mobile(value)
    if channel is LinkChannel.EMAIL:
        return checked_email(value)
    return None


def create_link(
    referral: Referral, wanted: LinkRequest, *, by: User, now: datetime | None = None
) -> tuple[QuestionnaireLink, str, str | None]:
    """A new link: returns it, its token (never stored) and the checked recipient."""
    definition, respondent, channel = _checked_choice(referral, wanted)
    recipient = recipient_of(channel, wanted.recipient)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = now or utcnow()
    link = QuestionnaireLink(
        referral=referral,
        measure_code=definition.code,
        respondent=respondent,
        token_hash=token_hash(token),
        channel=channel,
        sent_to=redacted(channel, recipient),
        shown_name=_checked_shown_name(referral, wanted.shown_name),
        baseline=baseline_of(referral, definition),
        created_at=now,
        expires_at=now + timedelta(days=current_app.config["QUESTIONNAIRE_LINK_DAYS"]),
        sent_by=by,
    )
    db.session.add(link)
    db.session.flush()
    _audit(link, AuditAction.CREATE, f"{definition.code} sent to the {_who(link)}", user=by)
    return link, token, recipient


def redacted(channel: LinkChannel, recipient: str | None) -> str | None:
    if recipient is None:
        return None
    if channel is LinkChannel.TEXT:
        return redacted_number(recipient)
    return redacted_address(recipient)[:40]


def _who(link: QuestionnaireLink) -> str:
    return "young person" if link.respondent is Respondent.CHILD else "parent or carer"


def _audit(link: QuestionnaireLink, action: AuditAction, what: str, **who) -> None:
    record(
        action,
        AuditRecordType.REFERRAL,
        link.referral_id,
        detail=f"questionnaire link {link.id}: {what}",
        **who,
    )


def withdraw(link: QuestionnaireLink, *, by: User) -> None:
    """Stop a link working; refused if it was answered, withdrawn or has expired."""
    locked = lock_row(QuestionnaireLink, link.id)
    state = locked.state()
    if state is not LinkState.WAITING:
        raise RuleError("", f"This link cannot be withdrawn: it is {state.label.lower()}")
    locked.withdrawn_at = utcnow()
    locked.withdrawn_by = by
    _audit(locked, AuditAction.UPDATE, "withdrawn", user=by)


# ---- the family's side ----------------------------------------------------------------


def find(token: str) -> QuestionnaireLink | None:
    """The link with this token, whatever its state; None if there is none."""
    if not token or len(token) > TOKEN_MAX:
        return None
    return db.session.scalars(
        select(QuestionnaireLink).where(QuestionnaireLink.token_hash == token_hash(token))
    ).one_or_none()


def public_state(link: QuestionnaireLink) -> LinkState:
    """The state the family sees: a waiting link on a case that can no longer take a
    measure (discharged, closed, consent withdrawn) has stopped, shown as expired."""
    state = link.state()
    if state is LinkState.WITHDRAWN:
        return LinkState.EXPIRED
    if state is LinkState.WAITING:
        try:
            recording.check_case(link.referral)
        except RuleError:
            return LinkState.EXPIRED
    return state


def opened(link: QuestionnaireLink) -> None:
    """Audit the family opening a working link (it shows the baseline's goals)."""
    _audit(link, AuditAction.READ, "opened", actor=ACTOR)
    if link.baseline_record_id is not None:
        record(
            AuditAction.READ,
            AuditRecordType.MEASURE_RECORD,
            link.baseline_record_id,
            detail=f"goals shown through questionnaire link {link.id}",
            actor=ACTOR,
        )


def answer(
    link_id: int,
    answers: Mapping[int, int | None],
    item_texts: Mapping[int, str | None] | None = None,
) -> MeasureRecord:
    """Record the family's answers, once: raises :class:`LinkGone` if the link stopped
    working meanwhile, or a rule's :class:`RuleError` about the answers."""
    link = lock_row(QuestionnaireLink, link_id)
    state = public_state(link) if link is not None else LinkState.EXPIRED
    if state is not LinkState.WAITING:
        raise LinkGone(state)
    goals = goals_of(link.baseline)
    if goals:  # a follow-up rates the baseline's goals, in their words, and no others
        answers = {number: answers.get(number) for number in goals}
        item_texts = goals
    measure_record = recording.record_measure(
        link.referral,
        link.measure_code,
        completed_on=service_today(),
        respondent=link.respondent,
        by_item=True,
        answers=answers,
        item_texts=item_texts,
        by=link.sent_by,
        online=True,
    )
    link.used_at = utcnow()
    link.measure_record = measure_record
    _audit(link, AuditAction.UPDATE, f"answered (measure record {measure_record.id})", actor=ACTOR)
    return measure_record
