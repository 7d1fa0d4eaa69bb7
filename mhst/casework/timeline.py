"""A child's record as one timeline: referral events, consent, the risk review, risk
flags and their reviews, allocations, 1:1 sessions, group attendance, supervision
decisions, outcome measures and discharges, for one referral (the referral's page) or
several (the child's page).

:func:`timeline` reads each source in one query for all the referrals asked for, however
many there are and however long their records, and returns entries newest first.
Clinical text (session notes and risk updates, the risk review's notes, supervision
decisions, outcome scores, discharge summaries, risk flags and their reviews) is
included only for the referrals whose notes the viewer may see (``include_notes``): for
staff, the cases in their ``mhst.security.scoping`` reach; never for a school's lead.
The care sources are in ``mhst.casework.timeline_care``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from mhst.accounts.models import User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.casework.models import Discharge
from mhst.casework.timeline_care import (
    group_entries,
    measure_entries,
    respondent_text,
    scores_text,
    session_entries,
    session_title,
    supervision_entries,
)
from mhst.casework.timeline_entry import SYSTEM, Sources, TimelineEntry, joined, name_of
from mhst.core import signals
from mhst.extensions import db
from mhst.referrals.allocations import Allocation
from mhst.referrals.amendable import is_triage_decision
from mhst.referrals.models import Consent, Referral, ReferralEvent
from mhst.referrals.risk_flags import CaseRiskFlag

__all__ = [
    "SYSTEM",
    "TimelineEntry",
    "oldest_first",
    "respondent_text",
    "scores_text",
    "session_title",
    "shown_reads",
    "timeline",
]


def _status_entries(sources: Sources) -> list[TimelineEntry]:
    events = db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id.in_(sources.ids))
        .options(joinedload(ReferralEvent.by_user))
        .order_by(ReferralEvent.occurred_at, ReferralEvent.id)
    )
    entries = []
    for event in events:
        if event.from_status is None:
            title = event.to_status.label
        else:
            title = f"{event.from_status.label} to {event.to_status.label.lower()}"
        entry = TimelineEntry(
            event.occurred_at,
            "status",
            title,
            event.reason,
            name_of(event.by_user),
            referral_id=event.referral_id,
            order=1,
        )
        if is_triage_decision(event):  # its reason can be amended
            key = (AuditRecordType.REFERRAL_EVENT, event.id, "reason")
            entry = dataclasses.replace(
                entry, detail=None, text=event.reason, text_key=key, author_id=event.by_user_id
            )
        entries.append(entry)
    return entries


def _consent_summary(consent: Consent) -> str:
    who = consent.given_by_name
    if consent.relationship_to_child:
        who = f"{who} ({consent.relationship_to_child})"
    method = consent.method.label
    return f"{consent.kind.label}: {who}, {method[0].lower()}{method[1:]}"


def _consent_entries(sources: Sources) -> list[TimelineEntry]:
    consents = db.session.scalars(
        select(Consent)
        .where(Consent.referral_id.in_(sources.ids))
        .options(joinedload(Consent.recorded_by), joinedload(Consent.withdrawn_by))
        .order_by(Consent.id)
    )
    entries = []
    for consent in consents:
        entries.append(
            TimelineEntry(
                consent.recorded_at,
                "consent",
                "Consent recorded",
                _consent_summary(consent),
                name_of(consent.recorded_by),
                referral_id=consent.referral_id,
            )
        )
        if consent.withdrawn:
            entries.append(
                TimelineEntry(
                    consent.withdrawn_at,
                    "consent",
                    "Consent withdrawn",
                    consent.withdrawal_reason,
                    name_of(consent.withdrawn_by),
                    referral_id=consent.referral_id,
                )
            )
    return entries


def _risk_entries(sources: Sources) -> list[TimelineEntry]:
    rows = db.session.execute(
        select(
            Referral.id,
            Referral.risk_reviewed_at,
            Referral.risk_review_notes,
            User.full_name,
            Referral.risk_reviewed_by_id,
        )
        .outerjoin(User, User.id == Referral.risk_reviewed_by_id)
        .where(Referral.id.in_(sources.ids), Referral.risk_reviewed_at.is_not(None))
    )
    return [
        TimelineEntry(
            reviewed_at,
            "risk",
            "Risk reviewed",
            None,
            reviewer or SYSTEM,
            referral_id=referral_id,
            **amendable_text(
                sources.notes(referral_id),
                notes,
                (AuditRecordType.REFERRAL, referral_id, "risk_review_notes"),
                author_id,
            ),
        )
        for referral_id, reviewed_at, notes, reviewer, author_id in rows
    ]


def _risk_flag_entries(sources: Sources) -> list[TimelineEntry]:
    """Each risk flag raised on the case and its review (amendable), for the referrals
    whose clinical text the viewer may see only: the referral's page shows flags to them
    alone. One query, none when there are no such referrals."""
    if not sources.notes_for:
        return []
    flags = db.session.scalars(
        select(CaseRiskFlag)
        .where(CaseRiskFlag.referral_id.in_(sorted(sources.notes_for)))
        .options(joinedload(CaseRiskFlag.raised_by), joinedload(CaseRiskFlag.reviewed_by))
        .order_by(CaseRiskFlag.raised_at, CaseRiskFlag.id)
    )
    entries = []
    for flag in flags:
        raised_from = f"{flag.source.label}: {flag.source_text}"
        entries.append(
            TimelineEntry(
                flag.raised_at,
                "risk_flag",
                "Risk flag raised",
                joined(raised_from, flag.detail, sep="\n"),
                name_of(flag.raised_by),
                record_id=flag.id,
                referral_id=flag.referral_id,
            )
        )
        if flag.reviewed:
            entries.append(
                TimelineEntry(
                    flag.reviewed_at,
                    "risk_flag",
                    "Risk flag reviewed",
                    raised_from,
                    name_of(flag.reviewed_by),
                    record_id=flag.id,
                    referral_id=flag.referral_id,
                    **amendable_text(True, flag.review_notes, flag.review_key, flag.reviewed_by_id),
                )
            )
    return entries


def _allocation_entries(sources: Sources) -> list[TimelineEntry]:
    allocations = db.session.scalars(
        select(Allocation)
        .where(Allocation.referral_id.in_(sources.ids))
        .options(joinedload(Allocation.practitioner), joinedload(Allocation.allocated_by))
        .order_by(Allocation.allocated_at, Allocation.id)
    )
    entries = []
    for allocation in allocations:
        practitioner = name_of(allocation.practitioner)
        entries.append(
            TimelineEntry(
                allocation.allocated_at,
                "allocation",
                f"Allocated to {practitioner}",
                None,
                name_of(allocation.allocated_by),
                referral_id=allocation.referral_id,
            )
        )
        if allocation.ended_at is not None:
            entries.append(
                TimelineEntry(
                    allocation.ended_at,
                    "allocation",
                    f"Allocation to {practitioner} ended",
                    allocation.end_reason,
                    SYSTEM,
                    referral_id=allocation.referral_id,
                )
            )
    return entries


def amendable_text(shown: bool, text: str | None, key: tuple, author_id: int | None) -> dict:
    """A clinical text kept as versions (``TimelineEntry.text``), for those who may read it."""
    return {"text": text, "text_key": key, "author_id": author_id} if shown else {}


def _discharge_detail(discharge: Discharge, with_summary: bool) -> str:
    if not with_summary:  # the closing summary is the case's clinical text
        return f"Reason: {discharge.reason.label}"
    return joined(
        f"Reason: {discharge.reason.label}",
        f"Final measures not collected: {discharge.final_measures_note}"
        if discharge.final_measures_note
        else None,
        sep="\n",
    )


def _discharge_entries(sources: Sources) -> list[TimelineEntry]:
    discharges = db.session.scalars(
        select(Discharge)
        .where(Discharge.referral_id.in_(sources.ids))
        .options(joinedload(Discharge.discharged_by))
        .order_by(Discharge.discharged_at, Discharge.id)
    )
    return [
        TimelineEntry(
            discharge.discharged_at,
            "discharge",
            "Discharge summary",
            _discharge_detail(discharge, sources.notes(discharge.referral_id)),
            name_of(discharge.discharged_by),
            referral_id=discharge.referral_id,
            **amendable_text(
                sources.notes(discharge.referral_id),
                discharge.summary,
                (AuditRecordType.DISCHARGE, discharge.id, "summary"),
                discharge.discharged_by_id,
            ),
        )
        for discharge in discharges
    ]


def _entries_from_above(sources: Sources) -> list[TimelineEntry]:
    """Entries of records kept by packages above casework (letters): see
    ``signals.timeline_entries``."""
    responses = signals.timeline_entries.send(
        None, referral_ids=sources.ids, notes_for=sources.notes_for
    )
    return [entry for _receiver, found in responses for entry in found or ()]


def timeline(
    referrals: Referral | Sequence[Referral], *, include_notes: bool | Collection[int] = True
) -> list[TimelineEntry]:
    """Everything on the child's record for these referrals (one, or a child's several),
    newest first, in a fixed number of queries (one per source) whatever their number.

    ``include_notes``: True or False for all of them, or the ids of the referrals whose
    clinical text the viewer may see."""
    chosen = [referrals] if isinstance(referrals, Referral) else list(referrals)
    if not chosen:
        return []
    sources = Sources.of([referral.id for referral in chosen], include_notes)
    entries = [
        *_consent_entries(sources),
        *_risk_entries(sources),
        *_risk_flag_entries(sources),
        *_allocation_entries(sources),
        *session_entries(sources),
        *group_entries(sources),
        *supervision_entries(sources),
        *measure_entries(sources),
        *_discharge_entries(sources),
        *_status_entries(sources),
        *_entries_from_above(sources),
    ]
    numbered = [dataclasses.replace(entry, sequence=number) for number, entry in enumerate(entries)]
    return sorted(numbered, key=lambda e: (e.when, e.order, e.sequence), reverse=True)


def oldest_first(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    return list(reversed(entries))


AUDITED_AS = {
    "measure": AuditRecordType.MEASURE_RECORD,
    "session": AuditRecordType.CARE_CONTACT,
    "risk_flag": AuditRecordType.RISK_FLAG,
}


def shown_reads(entries: list[TimelineEntry], notes_for: Collection[int]) -> list[tuple]:
    """For the referrals in ``notes_for`` the timeline shows each measure's scores, each
    session's notes and each risk flag with its review: a read of each (for the others,
    neither), as ``audit.operations.record_mixed`` takes them."""
    return [
        (AuditAction.READ, AUDITED_AS[entry.kind], entry.record_id)
        for entry in entries
        if entry.kind in AUDITED_AS and entry.referral_id in notes_for
    ]
