"""A supervision's decision for a case is amended, never overwritten
(:mod:`mhst.amendments`): by whoever recorded the supervision, or a senior clinician."""

from __future__ import annotations

from mhst.amendments.operations import AmendableText
from mhst.audit.models import AuditRecordType
from mhst.supervision.models import SupervisionCase
from mhst.supervision.operations import DECISION_MAX


def decision(case: SupervisionCase) -> AmendableText:
    return AmendableText(
        record=case,
        record_type=AuditRecordType.SUPERVISION_CASE,
        field="decision",
        label="the supervision decision",
        author_id=case.record.recorded_by_id,
        written_at=case.record.recorded_at,
        max_length=DECISION_MAX,
    )
