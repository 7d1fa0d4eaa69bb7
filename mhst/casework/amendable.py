"""The discharge summary is amended, never overwritten (:mod:`mhst.amendments`): by the
practitioner who discharged the case, or a senior clinician; and the timeline's amendable
texts, with their versions and "Amend" links, for the referral's page."""

from __future__ import annotations

import dataclasses

from flask import url_for

from mhst.amendments.operations import AmendableText, may_amend, versions_for_records
from mhst.audit.models import AuditRecordType
from mhst.casework.models import Discharge
from mhst.casework.operations import MAX_TEXT
from mhst.casework.timeline import TimelineEntry
from mhst.referrals.models import Referral
from mhst.security.permissions import Permission, has_permission

T = AuditRecordType


def discharge_summary(discharge: Discharge) -> AmendableText:
    return AmendableText(
        record=discharge,
        record_type=T.DISCHARGE,
        field="summary",
        label="the discharge summary",
        author_id=discharge.discharged_by_id,
        written_at=discharge.discharged_at,
        max_length=MAX_TEXT,
    )


# Who may open each text's amend page (the operation then allows its author or a senior
# clinician), and the page.
AMEND_PERMISSIONS = {
    T.REFERRAL: Permission.TRIAGE_REFERRALS,
    T.REFERRAL_EVENT: Permission.TRIAGE_REFERRALS,
    T.RISK_FLAG: Permission.TRIAGE_REFERRALS,
    T.DISCHARGE: Permission.LOG_SESSIONS,
    T.SUPERVISION_CASE: Permission.RECORD_SUPERVISION,
}


def _amend_url(referral: Referral | None, entry: TimelineEntry) -> str:
    record_type, record_id, _ = entry.text_key
    referral_id = entry.referral_id or referral.id
    if record_type is T.REFERRAL:
        return url_for("referrals.amend_risk_review", referral_id=referral_id)
    if record_type is T.RISK_FLAG:
        return url_for(
            "referrals.amend_risk_flag_review", referral_id=referral_id, flag_id=record_id
        )
    if record_type is T.REFERRAL_EVENT:
        return url_for("referrals.amend_triage_reason", referral_id=referral_id, event_id=record_id)
    if record_type is T.DISCHARGE:
        return url_for(
            "casework.amend_discharge_summary", case_id=referral_id, discharge_id=record_id
        )
    return url_for("supervision.amend_decision", record_id=entry.record_id, discussed_id=record_id)


def with_versions(
    referral: Referral | None, entries: list[TimelineEntry], user
) -> tuple[list[TimelineEntry], dict]:
    """The entries (of ``referral``, or of a child's referrals: each names its own) with
    each amendable text's versions (all loaded in one query) and, for those who may amend
    it, its "Amend" link; and the versions by text."""
    wanted: dict[AuditRecordType, list[int]] = {}
    for entry in entries:
        if entry.text_key is not None:
            wanted.setdefault(entry.text_key[0], []).append(entry.text_key[1])
    versions = versions_for_records(wanted)
    shown = []
    for entry in entries:
        if entry.text_key is None:
            shown.append(entry)
            continue
        may = has_permission(user, AMEND_PERMISSIONS[entry.text_key[0]]) and may_amend(
            user, entry.author_id
        )
        shown.append(
            dataclasses.replace(
                entry,
                versions=tuple(versions.get(entry.text_key, ())),
                amend_url=_amend_url(referral, entry) if may else None,
            )
        )
    return shown, versions
