"""Which schools a campaign goes to, the address each is sent to, and the link's token.

Choosing schools adds one :class:`CampaignRecipient` per school that has none for the
campaign yet, with one ``INSERT ... SELECT`` (24,000 schools nationally in one statement),
after locking the campaign's row: a second send, or a double submit, adds nobody twice,
and a school already sent the campaign is never sent it again. The sending itself is a
background job (:mod:`mhst.campaigns.sending`).

The address is the school's current Mental Health Lead's email when one is named (an
active account), else the school office's ``contact_email``; a school with neither is
recorded as "no email address".
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, exists, func, insert, literal, select, update

from mhst.accounts.models import User
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.campaigns.models import Campaign, CampaignRecipient, RecipientState
from mhst.core.locking import lock_row
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.schools.models import LeadKind, ParticipationStatus, School, SchoolLeadAssignment

TOKEN_BYTES = 18  # 144 random bits, 24 characters in the address
TOKEN_MAX = 100  # longer is not one of ours: not looked up

# In the programme, or on its way in (a cohort chosen): "participating".
PARTICIPATING = frozenset(
    {
        ParticipationStatus.ASSIGNED_TO_COHORT,
        ParticipationStatus.ONBOARDING,
        ParticipationStatus.ACTIVE,
        ParticipationStatus.PAUSED,
    }
)
PARTICIPATING_FILTER, NOT_PARTICIPATING_FILTER = "participating", "not_participating"


@dataclass(frozen=True)
class SchoolFilter:
    """The schools chosen on the send page: an area, and participating or not (or one
    participation status); both optional."""

    area_id: int | None = None
    participation: str = ""

    def clauses(self) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.area_id is not None:
            clauses.append(School.area_id == self.area_id)
        if self.participation == PARTICIPATING_FILTER:
            clauses.append(School.participation_status.in_(PARTICIPATING))
        elif self.participation == NOT_PARTICIPATING_FILTER:
            clauses.append(School.participation_status.not_in(PARTICIPATING))
        elif self.participation:
            clauses.append(School.participation_status == ParticipationStatus(self.participation))
        return clauses


def participation_options() -> list[tuple[str, str]]:
    return [
        (PARTICIPATING_FILTER, "Participating (in a cohort or the programme)"),
        (NOT_PARTICIPATING_FILTER, "Not participating"),
    ] + [(status.value, status.label) for status in ParticipationStatus]


def schools_matching(chosen: SchoolFilter) -> Select:
    return select(School).where(*chosen.clauses())


def count_matching(chosen: SchoolFilter) -> int:
    return db.session.scalar(select(func.count(School.id)).where(*chosen.clauses())) or 0


def add_recipients(
    campaign: Campaign,
    *,
    by: User,
    chosen: SchoolFilter | None = None,
    school_ids: Iterable[int] | None = None,
) -> int:
    """Queue the campaign for the schools matching ``chosen`` (every school when it is
    None), or only those in ``school_ids``; schools it was already queued or sent to are
    left alone. Returns how many were added."""
    lock_row(Campaign, campaign.id)  # a second send waits, then finds the rows made
    clauses = (chosen or SchoolFilter()).clauses()
    if school_ids is not None:
        clauses.append(School.id.in_(sorted(set(school_ids))))
    already = exists().where(
        CampaignRecipient.campaign_id == campaign.id, CampaignRecipient.school_id == School.id
    )
    rows = select(
        literal(campaign.id), School.id, literal(RecipientState.QUEUED.value), literal(utcnow())
    ).where(*clauses, ~already)
    before = recipient_count(campaign.id)
    db.session.execute(
        insert(CampaignRecipient).from_select(
            ["campaign_id", "school_id", "state", "queued_at"], rows
        )
    )
    added = recipient_count(campaign.id) - before  # (PostgreSQL's rowcount here is -1)
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.CAMPAIGN,
        campaign.id,
        user=by,
        detail=f"queued for {added} schools",
    )
    return added


def addresses(school_ids: list[int]) -> dict[int, str]:
    """Each school's address: its current Mental Health Lead's, else its office's (two
    queries for a batch)."""
    found = dict(
        db.session.execute(
            select(School.id, School.contact_email).where(
                School.id.in_(school_ids), School.contact_email.is_not(None)
            )
        ).all()
    )
    leads = db.session.execute(
        select(SchoolLeadAssignment.school_id, User.email)
        .join(User, User.id == SchoolLeadAssignment.user_id)
        .where(
            SchoolLeadAssignment.school_id.in_(school_ids),
            SchoolLeadAssignment.kind == LeadKind.LEAD,
            SchoolLeadAssignment.ended_at.is_(None),
            User.active.is_(True),
        )
    ).all()
    found.update(dict(leads))
    return {school_id: address for school_id, address in found.items() if address}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(recipient: CampaignRecipient) -> str:
    """A random token for the recipient's link; only its hash is kept on the row."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    recipient.token_hash = token_hash(token)
    return token


def find(token: str) -> CampaignRecipient | None:
    """The recipient whose link carries ``token``, with its campaign and school."""
    if not token or len(token) > TOKEN_MAX:
        return None
    return db.session.scalars(
        select(CampaignRecipient)
        .where(CampaignRecipient.token_hash == token_hash(token))
        .options(db.joinedload(CampaignRecipient.campaign), db.joinedload(CampaignRecipient.school))
    ).one_or_none()


def mark_opened(recipient: CampaignRecipient) -> bool:
    """The school opened its link: received (once; later visits change nothing)."""
    opened = db.session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.id == recipient.id, CampaignRecipient.opened_at.is_(None))
        .values(
            opened_at=utcnow(),
            state=RecipientState.OPENED,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if opened:
        db.session.expire(recipient)
    return bool(opened)


def state_counts(campaign_id: int) -> dict[RecipientState, int]:
    rows = db.session.execute(
        select(CampaignRecipient.state, func.count(CampaignRecipient.id))
        .where(CampaignRecipient.campaign_id == campaign_id)
        .group_by(CampaignRecipient.state)
    ).all()
    counts = dict.fromkeys(RecipientState, 0)
    counts.update(dict(rows))
    return counts


def recipient_count(campaign_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(CampaignRecipient.id)).where(
                CampaignRecipient.campaign_id == campaign_id
            )
        )
        or 0
    )


def queued_count(campaign_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(CampaignRecipient.id)).where(
                and_(
                    CampaignRecipient.campaign_id == campaign_id,
                    CampaignRecipient.state == RecipientState.QUEUED,
                )
            )
        )
        or 0
    )
