"""The extract's files and columns, with the MHSDS table and data item each aligns with,
and our values mapped to MHSDS codes where a clear code exists.

This is the one list the files, the page and the ZIP's README are made from;
``docs/mhsds-extract.md`` explains each column and mapping in full (a test checks that it
names every column here). "Aligned with" is meant: the files are not a validated MHSDS
submission, and codes marked as left to the service are not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from mhst.referrals.models import Gender, ReferralSource
from mhst.sessions.models import Attendance, ContactMode


@dataclass(frozen=True)
class Column:
    name: str
    mhsds: str  # "MHS101 ReferralRequestReceivedDate", or "" where MHSDS has no such item
    meaning: str
    # Can hold text a person typed or a score (team name, scale, score: "-1"), so can start
    # with = + - @ and is made safe for spreadsheets; the others hold codes only.
    free: bool = False


@dataclass(frozen=True)
class ExtractFile:
    filename: str
    mhsds_table: str
    description: str
    columns: tuple[Column, ...]

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def free_text_positions(self) -> tuple[int, ...]:
        return tuple(i for i, column in enumerate(self.columns) if column.free)


# ---- value mappings ---------------------------------------------------------------------

# MHS101 SourceOfReferralMH (Source of referral for mental health services).
SOURCE_OF_REFERRAL_CODE = {
    ReferralSource.SCHOOL: "C2",  # Education Service / Educational Establishment
    ReferralSource.SELF_REFERRAL_ONLINE: "B1",  # Self Referral: Self
    ReferralSource.PARENT_CARER: "B2",  # Self Referral: Carer/Relative
    ReferralSource.SCHOOL_NURSE: "F1",  # Child Health: School Nurse
    ReferralSource.GP: "A1",  # Primary Health Care: General Medical Practitioner Practice
}

# MHS001 GenderIDCode (Gender identity code).
GENDER_IDENTITY_CODE = {
    Gender.MALE: "1",
    Gender.FEMALE: "2",
    Gender.NON_BINARY: "3",
    Gender.OTHER: "4",  # in another way (not listed)
    Gender.NOT_STATED: "Z",  # approximate: ours also covers "not known" (X)
}

# MHS001 EthnicCategory: our values are the NHS ethnic category codes; none recorded is 99.
ETHNIC_CATEGORY_NOT_KNOWN = "99"

# MHS201 ConsMechanismMH (Consultation mechanism, mental health).
CONSULTATION_MECHANISM_CODE = {
    ContactMode.FACE_TO_FACE_SCHOOL: "01",  # Face to face
    ContactMode.FACE_TO_FACE_ELSEWHERE: "01",
    ContactMode.TELEPHONE: "02",  # Telephone
    ContactMode.VIDEO: "11",  # Video consultation
}
GROUP_IN_PERSON_MECHANISM = "01"
GROUP_VIRTUAL_MECHANISM = "11"  # approximate: a virtual group is taken to be by video

# MHS201 AttendOrDNACode (Attended or did not attend; AttendStatus from MHSDS v6).
ATTENDANCE_CODE = {
    Attendance.ATTENDED: "5",  # approximate: lateness is not recorded (5 or 6)
    Attendance.CANCELLED_BY_FAMILY: "2",  # cancelled by, or on behalf of, the patient
    Attendance.DID_NOT_ATTEND: "3",  # did not attend, no advance warning given
    Attendance.CANCELLED_BY_SERVICE: "4",  # cancelled or postponed by the provider
}

# Our location type (MHS201 ActLocTypeCode is left to the service to map).
LOCATION_TYPE = {
    ContactMode.FACE_TO_FACE_SCHOOL: "school",
    ContactMode.FACE_TO_FACE_ELSEWHERE: "other",
    ContactMode.VIDEO: "remote",
    ContactMode.TELEPHONE: "remote",
}

INDIVIDUAL, GROUP = "individual", "group"
YES, NO = "Y", "N"


# ---- the files --------------------------------------------------------------------------

REFERRALS = ExtractFile(
    "referrals.csv",
    "MHS101 Service or Team Referral, with person fields of MHS001 Master Patient Index",
    "One row per referral received in the period or open at any time in it, as it stood at "
    "the end of the period.",
    (
        Column("person_id", "MHS001 LocalPatientId", "The child's pseudonym (PER-...)."),
        Column("referral_id", "MHS101 ServiceRequestId", "The referral's pseudonym (REF-...)."),
        Column(
            "school_org_code",
            "MHS101 OrgIDReferringOrg / educational establishment",
            "The school's NHS organisation code: EE and its DfE URN.",
        ),
        Column("team_local_id", "MHS102 CareProfTeamLocalId", "The MHST's id in this service."),
        Column("team_name", "", "The MHST's name.", free=True),
        Column("source_of_referral", "", "Who referred, in our terms."),
        Column(
            "source_of_referral_code",
            "MHS101 SourceOfReferralMH",
            "Who referred, as the MHSDS code.",
        ),
        Column(
            "referral_received_date",
            "MHS101 ReferralRequestReceivedDate",
            "The date the referral was received.",
        ),
        Column("accepted_date", "", "The date it was accepted onto the waiting list, if by then."),
        Column(
            "closed_date",
            "MHS101 ServDischDate",
            "The date the referral closed (any outcome), if closed at the end of the period.",
        ),
        Column("status_at_period_end", "", "Where the referral was at the end of the period."),
        Column(
            "discharge_reason",
            "MHS101 ReferClosReason (left to the service)",
            "Why a discharged case was closed, in our terms.",
        ),
        Column(
            "age_at_referral",
            "AgeServReferRecDate (derived)",
            "Age in whole years on the received date (no date of birth).",
        ),
        Column("gender", "", "Gender, in our terms."),
        Column("gender_identity_code", "MHS001 GenderIDCode", "Gender, as the MHSDS code."),
        Column("ethnic_category", "MHS001 EthnicCategory", "NHS ethnic category code; 99 if none."),
        Column(
            "needs",
            "MHS101 PrimReasonReferralMH (left to the service)",
            "What the child needs help with, our codes separated by ;.",
        ),
    ),
)

CARE_CONTACTS = ExtractFile(
    "care_contacts.csv",
    "MHS201 Care Contact (group rows: MHS301 Group Session)",
    "One row per 1:1 care contact in the period whose outcome was recorded (planned ones "
    "are left out), and one row per referred child, or their parent, at each group session "
    "in the period they attended.",
    (
        Column(
            "contact_type",
            "MHS201 CareContPatientTherMode (approximate)",
            "individual (a 1:1 session) or group (a group session).",
        ),
        Column("care_contact_id", "MHS201 CareContactId", "The 1:1 contact's pseudonym (CON-...)."),
        Column("group_session_id", "MHS301 GroupSessionId", "The group session's pseudonym."),
        Column("referral_id", "MHS201 ServiceRequestId", "The referral's pseudonym."),
        Column("person_id", "MHS201 LocalPatientId", "The child's pseudonym."),
        Column("contact_date", "MHS201 CareContDate", "The date, in UK time."),
        Column("contact_time", "MHS201 CareContTime", "The start time, in UK time (1:1 only)."),
        Column(
            "duration_minutes",
            "MHS201 ClinContDurOfCareCont",
            "How long, in minutes (1:1 only: group sessions do not record it).",
        ),
        Column("consultation_medium", "", "How the contact happened, in our terms."),
        Column("consultation_mechanism_code", "MHS201 ConsMechanismMH", "How, as the MHSDS code."),
        Column("attendance", "", "What happened, in our terms."),
        Column(
            "attendance_code",
            "MHS201 AttendOrDNACode (AttendStatus in v6)",
            "What happened, as the MHSDS code.",
        ),
        Column(
            "location_type",
            "MHS201 ActLocTypeCode (left to the service)",
            "school, other or remote.",
        ),
        Column(
            "proxy_contact",
            "MHS201 CareContSubj (left to the service)",
            "Y when only the parent or carer took part, for the child's care.",
        ),
        Column(
            "who_attended",
            "MHS203 Other In Attendance (approximate)",
            "child, parent_carer or both; empty when no one attended.",
        ),
        Column("stage", "MHS201 ConsType (left to the service)", "assessment, treatment, ..."),
        Column(
            "group_participant_count",
            "MHS301 NumberOfGroupSessParticip",
            "How many participants attended the group session (group rows only).",
        ),
    ),
)

CODED_ACTIVITIES = ExtractFile(
    "coded_activities.csv",
    "MHS202 Care Activity",
    "One row per attended 1:1 care contact in the period with its intervention (the Li-CBT "
    "pathway) recorded.",
    (
        Column("care_contact_id", "MHS202 CareContactId", "The contact's pseudonym."),
        Column("referral_id", "", "The referral's pseudonym."),
        Column("person_id", "MHS202 LocalPatientId", "The child's pseudonym."),
        Column("activity_date", "MHS201 CareContDate", "The contact's date, in UK time."),
        Column("intervention_code", "", "Our code for the intervention."),
        Column("intervention", "", "The intervention in words."),
        Column(
            "snomed_ct_code",
            "MHS202 CodeProcAndProcStatus",
            "Left empty: the service maps its interventions to SNOMED CT.",
        ),
        Column(
            "duration_minutes",
            "MHS202 ClinContactDurOfCareAct",
            "The contact's duration, in minutes.",
        ),
    ),
)

OUTCOME_SCORES = ExtractFile(
    "outcome_scores.csv",
    "MHS607 Coded Scored Assessment (Referral)",
    "One row per scale score of each outcome measure completed in the period.",
    (
        Column(
            "assessment_id",
            "",
            "The completed measure's pseudonym (ASM-...): its scales share it.",
        ),
        Column("referral_id", "MHS607 ServiceRequestId", "The referral's pseudonym."),
        Column("person_id", "MHS607 LocalPatientId", "The child's pseudonym."),
        Column("measure_code", "", "Our code for the measure (GBO, ESQ, ...).", free=True),
        Column(
            "assessment_tool_snomed_code",
            "MHS607 CodedAssToolType",
            "Left empty: the service maps each measure and scale to SNOMED CT.",
        ),
        Column("scale", "", "The scale scored: total, or a subscale.", free=True),
        Column("score", "MHS607 PersScore", "The score the service computed.", free=True),
        Column("completed_date", "MHS607 AssToolCompDate", "The date it was completed."),
        Column("respondent", "", "child, parent_carer or practitioner."),
        Column(
            "recorded_as",
            "",
            "items (answered item by item here) or totals (copied from a paper form).",
        ),
        Column(
            "care_contact_id",
            "MHS606 (approximate)",
            "The 1:1 contact it was completed at, if any.",
        ),
    ),
)

FILES = (REFERRALS, CARE_CONTACTS, CODED_ACTIVITIES, OUTCOME_SCORES)
