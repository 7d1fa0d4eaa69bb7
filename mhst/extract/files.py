"""The rows of the extract's four files, read in batches.

Each file is made of parts (``care_contacts.csv``: the 1:1 contacts, then the group
rows). A part is two queries: its records' ids in the file's order (``ids``), then the
rows of one batch of those ids (``rows``), so a national extract never holds more than a
batch of rows in memory and its progress can be told after each batch.

Only coded columns are read: no names, NHS numbers, parents' details or free text are
ever selected, and the date of birth is read only to work out the age at referral.
Each row comes with the id of the referral it belongs to, so the download can audit each
child's record it exported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import (
    ARRAY,
    DateTime,
    Enum,
    Integer,
    Select,
    String,
    and_,
    any_,
    cast,
    exists,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import aliased

from mhst.casework.models import Discharge
from mhst.core.formatting import iso_date
from mhst.core.types import UTCDateTime
from mhst.extensions import db
from mhst.extract import columns as c
from mhst.extract.period import Period, uk_date_and_time
from mhst.extract.pseudonyms import Pseudonymiser
from mhst.organisation.models import Team
from mhst.outcomes.models import MeasureRecord, MeasureScore
from mhst.outcomes.scoring import score_text
from mhst.referrals.models import (
    CLOSED_STATUSES,
    Child,
    Need,
    Referral,
    ReferralEvent,
    ReferralNeed,
    ReferralStatus,
)
from mhst.schools.models import School

Row = list[object]
Rows = Iterator[tuple[Row, int]]  # each row with its referral's id


@dataclass(frozen=True)
class Part:
    """Part of a file: ``ids(period)`` is a statement selecting its records' ids in the
    file's order; ``rows(ids, period, pseudonyms)`` yields the rows of a batch of them."""

    ids: Callable[[Period], Select]
    rows: Callable[[list[int], Period, Pseudonymiser], Rows]


@dataclass
class FileRows:
    """A whole file in memory: for tests and small periods (the job streams instead)."""

    spec: c.ExtractFile
    rows: list[Row] = field(default_factory=list)
    referral_ids: set[int] = field(default_factory=set)

    @property
    def with_header(self) -> list[Row]:
        return [self.spec.header, *self.rows]


def among(column, ids: list[int]):
    """``column IN ids``; on PostgreSQL as ``= ANY(array)``, one parameter, because psycopg
    spends longer splitting a query of 5,000 placeholders than the database runs it. The
    array goes as its text (``{1,2,3}``): psycopg dumps a list of ints one by one."""
    if db.session.get_bind().dialect.name == "postgresql":
        array = "{" + ",".join(str(int(i)) for i in ids) + "}"
        return column == any_(cast(literal(array, String()), ARRAY(Integer)))
    return column.in_(ids)


def fetch(statement):
    """Run ``statement`` on the session's connection (Core, not the ORM: the ORM's result
    layer costs per row, and no row here is an entity)."""
    return db.session.connection().execute(statement)


def plain(column):
    """The column as the driver returns it, without its model type's conversion on every
    row (to an enum member, to an aware UTC datetime): the extract only writes the values
    out as text. Datetimes from SQLite come back naive, in UTC."""
    if isinstance(column.type, UTCDateTime):
        return type_coerce(column, DateTime(timezone=True)).label(column.key)
    if isinstance(column.type, Enum):
        return type_coerce(column, String()).label(column.key)
    return column


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# ---- referrals.csv ----------------------------------------------------------------------


def _last_event_before(moment):
    """The id of the referral's last status event before ``moment`` (correlated; the index
    on (referral_id, occurred_at, id), read backwards, finds it in one probe)."""
    return (
        select(ReferralEvent.id)
        .where(ReferralEvent.referral_id == Referral.id, ReferralEvent.occurred_at < moment)
        .order_by(ReferralEvent.occurred_at.desc(), ReferralEvent.id.desc())
        .limit(1)
        .correlate(Referral)
        .scalar_subquery()
    )


def _open_in(period: Period):
    """Received by the end of the period and not closed before it began: the cheap test on
    the referral's own columns (closed_on is cleared when a case reopens) that the exact
    test on its history then narrows. A day's slack: closed_on is a UK date."""
    return and_(
        Referral.received_on <= period.end,
        or_(Referral.closed_on.is_(None), Referral.closed_on >= period.start - timedelta(days=1)),
    )


def _referrals_in(period: Period, *columns):
    """Referrals received by the end of the period and not closed all through it: open at
    its start, or moved (received, reopened) during it."""
    at_start = aliased(ReferralEvent)
    at_end = aliased(ReferralEvent)
    closed = sorted(CLOSED_STATUSES)
    return (
        select(
            *columns,
            at_end.to_status.label("status_at_end"),
            at_end.occurred_at.label("status_changed_at"),
            Discharge.reason.label("discharge_reason"),
        )
        .select_from(Referral)
        .outerjoin(at_end, at_end.id == _last_event_before(period.ends_before))
        .outerjoin(at_start, at_start.id == _last_event_before(period.starts_at))
        .outerjoin(Discharge, Discharge.event_id == at_end.id)
        .where(
            _open_in(period),
            or_(
                at_start.id.is_(None),
                at_start.to_status.not_in(closed),
                at_end.id != at_start.id,
            ),
        )
        .order_by(Referral.received_on, Referral.id)
    )


def _status_before(moment):
    """The referral's status after its last event before ``moment`` (correlated; one
    probe of the same index), or NULL before its first."""
    return (
        select(ReferralEvent.to_status)
        .where(ReferralEvent.referral_id == Referral.id, ReferralEvent.occurred_at < moment)
        .order_by(ReferralEvent.occurred_at.desc(), ReferralEvent.id.desc())
        .limit(1)
        .correlate(Referral)
        .scalar_subquery()
    )


def _referral_ids(period: Period) -> Select:
    """The ids :func:`_referrals_in` selects, in its order, without joining the events
    (at national size PostgreSQL hashed all 7 million of them, twice, for that join): its
    last events before the start and the end differ exactly when the referral has an
    event in the period."""
    at_start = _status_before(period.starts_at)
    moved = exists().where(
        ReferralEvent.referral_id == Referral.id,
        ReferralEvent.occurred_at >= period.starts_at,
        ReferralEvent.occurred_at < period.ends_before,
    )
    return (
        select(Referral.id)
        .where(
            _open_in(period),
            or_(at_start.is_(None), at_start.not_in(sorted(CLOSED_STATUSES)), moved),
        )
        .order_by(Referral.received_on, Referral.id)
    )


def _referral_rows(ids: list[int], period: Period, pseudonyms: Pseudonymiser) -> Rows:
    """Two queries: the batch's referrals (their status at the end recomputed), then
    their needs."""
    records = fetch(
        _referrals_in(
            period,
            Referral.id,
            Referral.child_id,
            plain(Referral.source),
            Referral.received_on,
            Referral.accepted_on,
            Child.date_of_birth,
            plain(Child.gender),
            plain(Child.ethnicity),
            School.urn,
            Team.id.label("team_id"),
            Team.name.label("team_name"),
        )
        .join(Child, Child.id == Referral.child_id)
        .join(School, School.id == Referral.school_id)
        .outerjoin(Team, Team.id == School.team_id)
        .where(among(Referral.id, ids))
    ).all()
    needs: dict[int, list[Need]] = {}
    batch_needs = select(ReferralNeed.referral_id, ReferralNeed.need).where(
        among(ReferralNeed.referral_id, ids)
    )
    for referral_id, need in fetch(batch_needs):
        needs.setdefault(referral_id, []).append(need)
    for r in records:
        yield _referral_row(r, needs.get(r.id, ()), period, pseudonyms), r.id


NEED_ORDER = list(Need)


def _referral_row(r, needs, period: Period, pseudonyms: Pseudonymiser) -> Row:
    status = r.status_at_end or ReferralStatus.SUBMITTED
    closed_on = uk_date_and_time(r.status_changed_at)[0] if status in CLOSED_STATUSES else None
    accepted_on = r.accepted_on if r.accepted_on and r.accepted_on <= period.end else None
    discharged = status is ReferralStatus.DISCHARGED and r.discharge_reason
    return [
        pseudonyms.person(r.child_id),
        pseudonyms.referral(r.id),
        f"EE{r.urn}",
        r.team_id or "",
        r.team_name or "",
        r.source,
        c.SOURCE_OF_REFERRAL_CODE[r.source],
        iso_date(r.received_on),
        iso_date(accepted_on),
        iso_date(closed_on),
        status.value,
        r.discharge_reason.value if discharged else "",
        age_on(r.date_of_birth, r.received_on),
        r.gender,
        c.GENDER_IDENTITY_CODE[r.gender],
        r.ethnicity or c.ETHNIC_CATEGORY_NOT_KNOWN,
        ";".join(need.value for need in sorted(needs, key=NEED_ORDER.index)),
    ]


# ---- outcome_scores.csv -----------------------------------------------------------------


def _measure_ids(period: Period) -> Select:
    return (
        select(MeasureRecord.id)
        .where(MeasureRecord.completed_on >= period.start, MeasureRecord.completed_on <= period.end)
        .order_by(MeasureRecord.completed_on, MeasureRecord.id)
    )


def _score_rows(ids: list[int], period: Period, pseudonyms: Pseudonymiser) -> Rows:
    """One query: every scale score of the batch's completed measures."""
    scores = fetch(
        select(
            MeasureRecord.id,
            MeasureRecord.referral_id,
            Referral.child_id,
            MeasureRecord.measure_code,
            MeasureRecord.completed_on,
            plain(MeasureRecord.respondent),
            MeasureRecord.by_item,
            MeasureRecord.care_contact_id,
            MeasureScore.scale,
            MeasureScore.score,
        )
        .select_from(MeasureRecord)
        .join(MeasureScore, MeasureScore.record_id == MeasureRecord.id)
        .join(Referral, Referral.id == MeasureRecord.referral_id)
        .where(among(MeasureRecord.id, ids))
        .order_by(MeasureRecord.completed_on, MeasureRecord.id, MeasureScore.position)
    ).all()
    for score in scores:
        yield (
            [
                pseudonyms.assessment(score.id),
                pseudonyms.referral(score.referral_id),
                pseudonyms.person(score.child_id),
                score.measure_code,
                "",
                score.scale,
                score_text(score.score),
                score.completed_on.isoformat(),
                score.respondent,
                "items" if score.by_item else "totals",
                pseudonyms.contact(score.care_contact_id),
            ],
            score.referral_id,
        )


REFERRALS = (Part(_referral_ids, _referral_rows),)
OUTCOME_SCORES = (Part(_measure_ids, _score_rows),)


def collect(spec: c.ExtractFile, parts: tuple[Part, ...], period, pseudonyms) -> FileRows:
    """A whole file in memory, each part read in one batch."""
    result = FileRows(spec)
    for part in parts:
        ids = list(db.session.scalars(part.ids(period)))
        for row, referral_id in part.rows(ids, period, pseudonyms) if ids else ():
            result.rows.append(row)
            result.referral_ids.add(referral_id)
    return result
