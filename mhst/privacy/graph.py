"""Everything held about a child: the rows reached by walking the foreign keys from the
child's row through ``db.metadata``.

A row that points, by a foreign key, at a row about the child is about the child: its
referrals, their events, consents, sessions, measures and answers, a group attendance of
the child's place in a group, and so on down. A new table about a child or a referral is
therefore found without a change here. The tables the walk does not reach are listed in
:data:`NOT_ABOUT_A_CHILD`, each with the reason; the tables that name a child's records by
a record type and id instead of a foreign key are in :data:`BY_RECORD_TYPE`, and those
that link to its pages (a notification) in :data:`LINKED_BY_ENDPOINT`.
``tests/test_privacy_graph.py`` fails naming any table that is none of these.

The same walk serves the subject access export (:mod:`mhst.privacy.export`), erasure on
objection (:mod:`mhst.privacy.erasure`) and the retention review's deletion and
pseudonymisation (:mod:`mhst.privacy.disposal`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, String, Table, delete, or_, select, tuple_, update

from mhst.audit.models import AuditRecordType
from mhst.audit.operations import names_any
from mhst.extensions import db

ROOT = "child"

# Every table the walk from a child does not reach, with why it is not about one child.
NOT_ABOUT_A_CHILD: dict[str, str] = {
    "letter_template": "the text each kind of letter is produced from, with placeholders",
    "letter_template_revision": "the history of the letters' templates: no child named",
    "service_area": "the service's areas",
    "team": "the MHST teams",
    "term_closure": "an area's school holidays and closure days",
    "school_room": "the rooms a school provides for the team's sessions",
    "cohort": "the programme's cohorts of schools",
    "cohort_team": "which teams are in which cohort",
    "school": "the schools register: the child's school is named in the export, not copied",
    "participation_event": "a school's participation history",
    "school_onboarding": "a school's onboarding checklist",
    "campaign": "a campaign to schools (its name, dates and message): about no child",
    "campaign_resource": "a campaign's links and files for schools: about no child",
    "campaign_recipient": "which school a campaign was emailed to, at the school's address",
    "school_need": "a school's published indicators of need (FSM, IMD, a survey's rates)",
    "lsoa_deprivation": "an area's published deprivation decile (English Indices of Deprivation)",
    "postcode_lsoa": "the area a postcode lies in (ONS postcode lookup), not an address of anyone",
    "need_weights": "the planner's weights of the need score, set by a clinical lead",
    "plan_decision": "a decision to add waiting schools to a cohort, with its reason",
    "plan_decision_school": "a school's need score and rank when it was added to a cohort",
    "school_lead_assignment": "which staff member is a school's Mental Health Lead",
    "interest_registration": "schools' registrations of interest (a school's contact)",
    "whole_school_activity": "whole-school work: assemblies and workshops, no child named",
    "activity_principle": "the principles a whole-school activity addressed",
    "user_account": "staff accounts: the export names the staff who wrote each record",
    "sign_in_session": "staff members' signed-in sessions (a token's hash and times)",
    "calendar_feed": "staff members' private calendar feed addresses (a token's hash and times)",
    "password_reset": "staff members' emailed reset links (a token's hash and times)",  # nosec B105: a table's description
    "mfa_recovery_code": "a staff member's one-time sign-in recovery codes (hashed)",
    "directory_service": "the signposting directory: the services are named in the export",
    "directory_service_concern": "the signposting directory's concerns per service",
    "group_programme": "a group shared by its participants: the child's place in it "
    "(group_participant) and attendance are exported, with the group's title",
    "group_facilitator": "the staff who run a group",
    "group_session": "a group's session, shared by everyone there: the child's attendance "
    "is exported with the session's date",
    "supervision_record": "a supervision meeting about several children: the decision about "
    "this child (supervision_case) is exported",
    "referral_fact": "a report summary of one referral (dates, school, needs as a number), "
    "derived from the referral's rows and recomputed from them in the same transaction "
    "(mhst.reports.fact_sync): erasing or pseudonymising the rows removes or updates it",
    "measure_fact": "a report summary of a referral's first and last measure (record ids "
    "and dates), derived and kept in step like referral_fact",
    "daily_count": "counts per day and school for the reports: no referral or child named",
    "monthly_count": "the same counts per month and school: no referral or child named",
    "outcome_count": "paired outcome counts and score sums per month, school and measure "
    "for the reports: no referral or child named",
    "background_job": "a staff member's download being prepared (an extract or the school "
    "register: its period and its file's name, which are about the service, not a child); "
    "its file is deleted after JOB_FILES_RETENTION_DAYS",
    "notification_email_preference": "which kinds of notification a staff member wants emailed",
    "self_referral_draft": "an unfinished online self-referral's answers, linked to no child's "
    "record (a token's hash, the answers, a time): deleted when sent, when started again, and "
    "after SELF_REFERRAL_DRAFT_MINUTES without use; once sent, the answers are the referral's",
    "form_submission": "which form submission made which page (a token, the user and the "
    "page's address, such as /referrals/12): no child's details",
}

# Tables naming a child's records by record type and id rather than by a foreign key.
BY_RECORD_TYPE: dict[str, str] = {
    "audit_event": "the audit log: its entries about the child's records are exported; "
    "never deleted or changed (append-only), and it holds ids, staff, times and fixed "
    "wording, no child's name, NHS number, date of birth or family's details",
    "text_version": "every version of an amended clinical text (mhst.amendments): part of "
    "the child's record, exported, erased and pseudonymised with the record it belongs to",
}

# Tables linking to a page of a child's record by an endpoint and a record id rather than
# a foreign key: not part of the record (not exported nor pseudonymised), but their rows
# linking to it are deleted with it (erasure, the retention review's deletion).
LINKED_BY_ENDPOINT: dict[str, str] = {
    "notification": "a staff member's notification: its kind, a short text naming a referral "
    "by its reference or a school by its name (never a child), and a link whose page checks "
    "the reader's scope when followed; those linking to the child's referrals are deleted "
    "with the record, the others after NOTIFICATION_RETENTION_DAYS",
}
# Which table's rows a link's endpoint names by its record id.
LINK_ENDPOINTS: dict[str, str] = {"referrals.show": "referral"}

# Which table's rows a text version's record type names. SUPERVISION names the decision
# about one child (a supervision_case), as mhst.amendments' callers do.
TEXT_VERSIONS_OF: dict[AuditRecordType, str] = {
    AuditRecordType.REFERRAL: "referral",
    AuditRecordType.CONSENT: "consent",
    AuditRecordType.CARE_CONTACT: "care_contact",
    AuditRecordType.MEASURE_RECORD: "measure_record",
    AuditRecordType.SUPERVISION: "supervision_case",
    AuditRecordType.SUPERVISION_CASE: "supervision_case",  # a supervision decision
    AuditRecordType.REFERRAL_EVENT: "referral_event",  # a triage decision's reason
    AuditRecordType.DISCHARGE: "discharge",
    AuditRecordType.RISK_FLAG: "case_risk_flag",  # a risk flag's review
}

# The audit log's record type for each table of a child's record it names.
AUDITED_AS: dict[str, AuditRecordType] = {
    "child": AuditRecordType.CHILD,
    "referral": AuditRecordType.REFERRAL,
    "consent": AuditRecordType.CONSENT,
    "care_contact": AuditRecordType.CARE_CONTACT,
    "measure_record": AuditRecordType.MEASURE_RECORD,
    "discharge": AuditRecordType.DISCHARGE,
    "retention_decision": AuditRecordType.RETENTION_DECISION,
    "case_risk_flag": AuditRecordType.RISK_FLAG,
    "referral_event": AuditRecordType.REFERRAL_EVENT,  # its reason's amendments
    "supervision_case": AuditRecordType.SUPERVISION_CASE,  # its decision's amendments
    "letter": AuditRecordType.LETTER,  # produced, downloaded, shared
}

# Foreign keys that point at another child, not at a part of this child's record: the
# walk does not follow them (an export or erasure must never take in another child), and
# deleting the record clears them on the other child's row.
OTHER_CHILD: dict[tuple[str, str], str] = {
    ("child", "possible_duplicate_of_id"): "a possible duplicate is another child until staff "
    "merge the two records (a merged record, merged_into_id, is the same child's)",
}

# Rows kept when the child's record is deleted, their link to the child set to NULL: the
# disposal register must outlive what it disposed of.
DETACHED: dict[str, str] = {"retention_decision": "child_id"}


def tables() -> list[Table]:
    """The tables the walk reaches from ``child``, parents before the rows that point at
    them (``child`` first)."""
    metadata = db.metadata
    reached = {metadata.tables[ROOT]}
    grown = True
    while grown:
        grown = False
        for table in metadata.sorted_tables:
            if table in reached:
                continue
            if any(fk.referred_table in reached for fk in table.foreign_key_constraints):
                reached.add(table)
                grown = True
    return [table for table in metadata.sorted_tables if table in reached]


def unclassified() -> list[str]:
    """Tables neither reached by the walk nor listed with a reason: each must be decided
    on (a table about a child without a foreign key to the child's record would be left
    out of the export and survive an erasure)."""
    walked = {table.name for table in tables()}
    return sorted(set(db.metadata.tables) - walked - _listed())


def wrongly_listed() -> list[str]:
    """Tables listed as not about a child that the walk reaches all the same."""
    walked = {table.name for table in tables()}
    return sorted(walked & _listed())


def _listed() -> set[str]:
    return set(NOT_ABOUT_A_CHILD) | set(BY_RECORD_TYPE) | set(LINKED_BY_ENDPOINT)


def key(table: Table, row: dict) -> tuple:
    return tuple(row[column.name] for column in table.primary_key.columns)


@dataclass
class ChildRecords:
    """The rows about some children, by table name, each a dict of column to value."""

    child_ids: tuple[int, ...]
    walked: list[Table]
    rows: dict[str, dict[tuple, dict]] = field(default_factory=dict)
    audit_events: list[dict] = field(default_factory=list)
    # Ids of the rows of LINKED_BY_ENDPOINT's tables linking to the record, by table.
    linked: dict[str, list[int]] = field(default_factory=dict)

    @property
    def tables(self) -> list[Table]:
        """The tables of the record: those walked, then the text versions."""
        return [*self.walked, db.metadata.tables["text_version"]]

    def of(self, table_name: str) -> list[dict]:
        return list(self.rows.get(table_name, {}).values())

    def ids(self, table_name: str, column: str = "id") -> set:
        return {row[column] for row in self.of(table_name)}

    def counts(self) -> dict[str, int]:
        """Rows per table (tables with none left out), in the walk's order."""
        return {name: len(found) for name, found in self.rows.items() if found}

    def counts_with_links(self) -> dict[str, int]:
        """The record's rows, then the rows linking to it: what deleting it removes."""
        linking = {name: len(ids) for name, ids in self.linked.items() if ids}
        return {**self.counts(), **linking}


def _clause(table: Table, rows: dict[str, dict[tuple, dict]]) -> ColumnElement[bool] | None:
    """Rows of ``table`` pointing at any row found so far, or None if none can."""
    clauses = []
    for fk in table.foreign_key_constraints:
        parents = rows.get(fk.referred_table.name)
        if not parents:
            continue
        if len(fk.elements) != 1:
            raise NotImplementedError(f"{table.name}: a composite foreign key to a child's record")
        (element,) = fk.elements
        if (table.name, element.parent.name) in OTHER_CHILD:
            continue
        values = sorted({row[element.column.name] for row in parents.values()} - {None})
        clauses.append(element.parent.in_(values))
    return or_(*clauses) if clauses else None


def _sizes(table: Table, rows: dict[str, dict[tuple, dict]]) -> tuple[int, ...]:
    return tuple(len(rows.get(fk.referred_table.name, ())) for fk in table.foreign_key_constraints)


def collect(child_ids: Iterable[int], *, with_audit: bool = False) -> ChildRecords:
    """Every row about the children ``child_ids``: a query per table reached (again only
    where a table it points at gained rows, as a child merged into another does), and the
    audit log's entries about them if ``with_audit``."""
    walked = tables()
    records = ChildRecords(tuple(sorted(child_ids)), walked)
    rows = records.rows = {table.name: {} for table in walked}
    root = db.metadata.tables[ROOT]
    for row in db.session.execute(select(root).where(root.c.id.in_(records.child_ids))):
        rows[ROOT][key(root, row._asdict())] = row._asdict()
    queried: dict[str, tuple[int, ...]] = {}
    grown = True
    while grown:
        grown = False
        for table in walked:
            sizes = _sizes(table, rows)
            clause = _clause(table, rows)
            if clause is None or queried.get(table.name) == sizes:
                continue
            queried[table.name] = sizes
            for row in db.session.execute(select(table).where(clause)):
                found = row._asdict()
                if key(table, found) not in rows[table.name]:
                    rows[table.name][key(table, found)] = found
                    grown = True
    rows["text_version"] = _text_versions(records)
    records.linked = {name: _linking(name, records) for name in LINKED_BY_ENDPOINT}
    if with_audit:
        records.audit_events = audit_events(records)
    return records


def _by_record_type(table: Table, records: ChildRecords, named: dict) -> ColumnElement[bool]:
    """Rows of ``table`` whose (record_type, record_id) names a row found."""
    as_text = isinstance(table.c.record_id.type, String)  # the audit log's ids are text
    clauses = [
        (table.c.record_type == record_type.value)
        & table.c.record_id.in_([str(i) if as_text else i for i in sorted(records.ids(name))])
        for record_type, name in named.items()
        if records.of(name)
    ]
    return or_(*clauses) if clauses else None


def _text_versions(records: ChildRecords) -> dict[tuple, dict]:
    versions = db.metadata.tables["text_version"]
    clause = _by_record_type(versions, records, TEXT_VERSIONS_OF)
    if clause is None:
        return {}
    found = db.session.execute(select(versions).where(clause).order_by(versions.c.id))
    return {(row.id,): row._asdict() for row in found}


def _linking(table_name: str, records: ChildRecords) -> list[int]:
    """Ids of the rows of ``table_name`` whose (endpoint, record_id) names a row found."""
    table = db.metadata.tables[table_name]
    clauses = [
        (table.c.endpoint == endpoint) & table.c.record_id.in_(sorted(records.ids(name)))
        for endpoint, name in LINK_ENDPOINTS.items()
        if records.of(name)
    ]
    if not clauses:
        return []
    return list(db.session.scalars(select(table.c.id).where(or_(*clauses)).order_by(table.c.id)))


def audit_events(records: ChildRecords) -> list[dict]:
    """The audit log's entries about the records found, oldest first."""
    audit = db.metadata.tables["audit_event"]
    named = {record_type: table_name for table_name, record_type in AUDITED_AS.items()}
    # Alone in record_id, or among the records a list page showed (record_ids).
    clauses = [
        (audit.c.record_type == record_type.value)
        & names_any(sorted(records.ids(name)), audit.c.record_id, audit.c.record_ids)
        for record_type, name in named.items()
        if records.of(name)
    ]
    if not clauses:
        return []
    clause = or_(*clauses)
    stmt = select(audit).where(clause).order_by(audit.c.occurred_at, audit.c.id)
    return [row._asdict() for row in db.session.execute(stmt)]


def by_key(table: Table, keys: list[tuple]) -> ColumnElement[bool]:
    columns = list(table.primary_key.columns)
    if len(columns) == 1:
        return columns[0].in_([k[0] for k in keys])
    return tuple_(*columns).in_(keys)


def delete_records(records: ChildRecords) -> dict[str, int]:
    """Delete every row found, children before the rows they point at; the disposal
    register's rows (:data:`DETACHED`) stay with their link to the child set to NULL.
    Returns the rows deleted per table (in the walk's order), then the rows linking to the
    record (a staff member's notification of a referral), deleted with it."""
    deleted: dict[str, int] = {}
    linked: dict[str, int] = {}
    for table_name, ids in records.linked.items():
        if ids:
            table = db.metadata.tables[table_name]
            db.session.execute(delete(table).where(table.c.id.in_(ids)))
            linked[table_name] = len(ids)
    for table_name, column_name in OTHER_CHILD:
        column = db.metadata.tables[table_name].c[column_name]
        db.session.execute(
            update(column.table).where(column.in_(records.ids(ROOT))).values({column: None})
        )
    for table in reversed(records.tables):
        keys = list(records.rows[table.name])
        if not keys:
            continue
        if table.name in DETACHED:
            column = table.c[DETACHED[table.name]]
            db.session.execute(update(table).where(by_key(table, keys)).values({column: None}))
            continue
        db.session.execute(delete(table).where(by_key(table, keys)))
        deleted[table.name] = len(keys)
    return {**dict(reversed(deleted.items())), **linked}
