from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.extensions import db


class AuditAction(LabelledEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    TIMED_OUT = "timed_out"
    # A 403 or 404 given to a signed-in user: another tenant's record, a missing permission.
    ACCESS_REFUSED = "access_refused"
    ACCOUNT_LOCKED = "account_locked"  # too many failed sign-ins
    ACCOUNT_UNLOCKED = "account_unlocked"  # by an administrator


class AuditRecordType(LabelledEnum):
    """What an audit event is about: a kind of record, or (for an export) what was
    exported. Stored as its value in ``audit_event.record_type``; the log keeps every
    value for ever, so a value is never renamed or removed, only added."""

    USER = "user"
    SERVICE_AREA = "service_area"
    TEAM = "team"
    SCHOOL = "school"
    SCHOOL_REGISTER = "school_register"  # the register, downloaded as CSV
    INTEREST_REGISTRATION = "interest_registration"
    COHORT = "cohort"
    WHOLE_SCHOOL_ACTIVITY = "whole_school_activity"
    DIRECTORY_SERVICE = "directory_service"
    REFERRAL = "referral"
    CONSENT = "consent"
    CARE_CONTACT = "care_contact"
    GROUP = "group"
    MEASURE_RECORD = "measure_record"
    SUPERVISION = "supervision"
    DISCHARGE = "discharge"
    ROLLOUT = "rollout"  # the rollout report, downloaded as CSV
    REPORT = "report"  # a service report, downloaded as CSV
    NATIONAL_EXTRACT = "national_extract"
    CHILD = "child"  # a child's record: their and their parent's details
    RETENTION_DECISION = "retention_decision"
    CHILD_MERGE = "child_merge"  # two records of one child merged, or the merge undone
    RISK_FLAG = "risk_flag"  # a risk raised on a case, and its senior review
    REFERRAL_EVENT = "referral_event"  # a change of status, whose reason can be amended
    SUPERVISION_CASE = "supervision_case"  # one case's decision in a supervision
    PAGE = "page"  # a page refused (its method and path are in the detail)
    BACKGROUND_JOB = "background_job"  # a prepared download's file, downloaded
    CALENDAR_FEED = "calendar_feed"  # a practitioner's private calendar feed: made, fetched
    LETTER = "letter"  # a letter on a child's record: produced, downloaded, shared
    LETTER_TEMPLATE = "letter_template"  # the text of a kind of letter, edited
    CAMPAIGN = "campaign"  # a campaign to schools: recorded, changed, sent, its files
    SCHOOL_NEED = "school_need"  # a school's indicators of need, imported from a file
    NEED_WEIGHTS = "need_weights"  # the next-cohort planner's weights, set
    PLAN_DECISION = "plan_decision"  # waiting schools added to a cohort from the planner

    @property
    def label(self) -> str:
        return {
            AuditRecordType.WHOLE_SCHOOL_ACTIVITY: "Whole-school activity",
            AuditRecordType.CHILD: "Child's record",
            AuditRecordType.CHILD_MERGE: "Merge of a child's records",
            AuditRecordType.DIRECTORY_SERVICE: "Signposting directory service",
            AuditRecordType.CARE_CONTACT: "Care contact (1:1 session)",
            AuditRecordType.GROUP: "Group programme",
            AuditRecordType.MEASURE_RECORD: "Outcome measure",
            AuditRecordType.SUPERVISION: "Supervision record",
            AuditRecordType.ROLLOUT: "Rollout report",
            AuditRecordType.REPORT: "Service report",
            AuditRecordType.RISK_FLAG: "Case risk flag",
            AuditRecordType.REFERRAL_EVENT: "Referral status change",
            AuditRecordType.SUPERVISION_CASE: "Supervision decision",
            AuditRecordType.BACKGROUND_JOB: "Prepared download",
            AuditRecordType.CALENDAR_FEED: "Calendar feed",
            AuditRecordType.LETTER_TEMPLATE: "Letter template",
            AuditRecordType.SCHOOL_NEED: "School's indicators of need",
        }.get(self, super().label)


class RecordIds(TypeDecorator):
    """The ids of the records a list showed, as a list of strings: on PostgreSQL a
    text array (searched with ``@>`` through a GIN index), on SQLite a delimited text
    ``,12,15,`` (searched with LIKE). See :func:`mhst.audit.operations.names_record`."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(String(60)))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        ids = [str(i) for i in value]
        return ids if dialect.name == "postgresql" else "," + ",".join(ids) + ","

    def process_result_value(self, value, dialect):
        if value is None or isinstance(value, list):
            return value
        return [i for i in value.split(",") if i]


class AuditEvent(db.Model):
    """One line of the append-only audit log.

    Database triggers (see the first migration) refuse UPDATE and DELETE, and the ORM
    refuses them too, so nothing in the application can rewrite history.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        # The audit log's views, newest first (an index read backwards): all, one
        # user's, one record's (mhst/admin/audit_views.py, mhst/privacy/graph.py).
        Index("ix_audit_event_occurred_at_id", "occurred_at", "id"),
        Index("ix_audit_event_user_occurred_at", "user_id", "occurred_at", "id"),
        Index("ix_audit_event_record", "record_type", "record_id", "occurred_at"),
        # Who read a record in a list: a GIN index on PostgreSQL (SQLite, which
        # searches with LIKE, gets a plain one it does not use).
        Index("ix_audit_event_record_ids", "record_ids", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    # A copy of who it was, readable even if the account later changes.
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[AuditAction] = mapped_column(string_enum(AuditAction, "audit_action", 30))
    # The enum's values in a plain VARCHAR(60), without a CHECK constraint: the column is
    # as the first migration made it, and adding a record type needs no migration.
    record_type: Mapped[AuditRecordType] = mapped_column(
        Enum(
            AuditRecordType,
            native_enum=False,
            create_constraint=False,
            length=60,
            values_callable=lambda members: [member.value for member in members],
            validate_strings=True,
        )
    )
    record_id: Mapped[str | None] = mapped_column(String(60))
    # A list page's one event names every record it showed here (record_id is then NULL).
    record_ids: Mapped[list[str] | None] = mapped_column(RecordIds)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str | None] = mapped_column(String(500))
