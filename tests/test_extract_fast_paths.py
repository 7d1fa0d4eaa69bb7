"""The national extract's fast paths give what the plain ones gave.

The job skips :func:`safe_cell` on the columns that hold codes only, converts times to UK
time by one ``isoformat`` and keeps pseudonyms in a dict per kind; each is checked here
against the rule it replaces. tests/test_extract.py checks the files themselves.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mhst.casework.models import DischargeReason
from mhst.core.downloads import SPREADSHEET_FORMULA_STARTS
from mhst.extract import columns as c
from mhst.extract import pseudonyms as pseudonym_module
from mhst.extract.contact_files import PATHWAY_LABELS
from mhst.extract.package import Written, _safe_rows
from mhst.extract.period import uk_date_and_time, uk_day_and_time_text
from mhst.extract.pseudonyms import KINDS, Pseudonymiser
from mhst.outcomes.definitions import Respondent
from mhst.referrals.child_models import Ethnicity
from mhst.referrals.models import Gender, Need, ReferralSource, ReferralStatus
from mhst.sessions.models import Attendance, ContactMode, ContactStage, Pathway, WhoAttended

PSEUDONYM = {f"{prefix}-0" for prefix in KINDS.values()} | {""}
DAY = {"2026-03-01", ""}  # ISO dates start with a digit (checked below for every date)
NUMBER = {0}  # ints, never text: safe_cell leaves them alone anyway


def values(*sources) -> set:
    found = set()
    for source in sources:
        found |= {str(v) for v in (source.values() if isinstance(source, dict) else source)}
    return found


# Every column the job does not make safe, with everything it can hold.
CODED = {
    "referrals.csv": {
        "person_id": PSEUDONYM,
        "referral_id": PSEUDONYM,
        "school_org_code": {"EE123456"},
        "team_local_id": NUMBER | {""},
        "source_of_referral": values(ReferralSource),
        "source_of_referral_code": values(c.SOURCE_OF_REFERRAL_CODE),
        "referral_received_date": DAY,
        "accepted_date": DAY,
        "closed_date": DAY,
        "status_at_period_end": values(ReferralStatus),
        "discharge_reason": values(DischargeReason) | {""},
        "age_at_referral": NUMBER,
        "gender": values(Gender),
        "gender_identity_code": values(c.GENDER_IDENTITY_CODE),
        "ethnic_category": values(Ethnicity) | {c.ETHNIC_CATEGORY_NOT_KNOWN},
        "needs": values(Need) | {""},  # joined by ;, so each starts with a need
    },
    "care_contacts.csv": {
        "contact_type": {c.INDIVIDUAL, c.GROUP},
        "care_contact_id": PSEUDONYM,
        "group_session_id": PSEUDONYM,
        "referral_id": PSEUDONYM,
        "person_id": PSEUDONYM,
        "contact_date": DAY,
        "contact_time": {"23:59:59", ""},
        "duration_minutes": NUMBER | {""},
        "consultation_medium": values(ContactMode) | {"virtual_group", "group_in_person"},
        "consultation_mechanism_code": values(c.CONSULTATION_MECHANISM_CODE)
        | {c.GROUP_VIRTUAL_MECHANISM, c.GROUP_IN_PERSON_MECHANISM},
        "attendance": values(Attendance),
        "attendance_code": values(c.ATTENDANCE_CODE),
        "location_type": values(c.LOCATION_TYPE) | {"remote", "school", "other"},
        "proxy_contact": {c.YES, c.NO},
        "who_attended": values(WhoAttended) | {""},
        "stage": values(ContactStage) | {""},
        "group_participant_count": NUMBER | {""},
    },
    "coded_activities.csv": {
        "care_contact_id": PSEUDONYM,
        "referral_id": PSEUDONYM,
        "person_id": PSEUDONYM,
        "activity_date": DAY,
        "intervention_code": values(Pathway),
        "intervention": values(PATHWAY_LABELS),
        "snomed_ct_code": {""},
        "duration_minutes": NUMBER,
    },
    "outcome_scores.csv": {
        "assessment_id": PSEUDONYM,
        "referral_id": PSEUDONYM,
        "person_id": PSEUDONYM,
        "assessment_tool_snomed_code": {""},
        "completed_date": DAY,
        "respondent": values(Respondent),
        "recorded_as": {"items", "totals"},
        "care_contact_id": PSEUDONYM,
    },
}


def test_every_column_is_either_made_safe_or_listed_here_as_coded():
    """A new column must be marked free (made safe) or added to CODED with its values."""
    for spec in c.FILES:
        coded = {column.name for column in spec.columns if not column.free}
        assert coded == set(CODED[spec.filename]), spec.filename


def test_no_coded_value_can_start_a_spreadsheet_formula():
    for filename, columns in CODED.items():
        for name, possible in columns.items():
            for value in possible:
                assert not str(value).startswith(SPREADSHEET_FORMULA_STARTS), (filename, name)


@given(st.integers(min_value=0, max_value=2**62), st.sampled_from(sorted(KINDS)))
def test_pseudonyms_start_with_a_letter(record_id, kind):
    assert Pseudonymiser("k").pseudonym(kind, record_id)[0].isalpha()


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_uk_text_is_uk_date_and_time(moment):
    """The one-conversion path equals the plain one, either side of every clock change,
    for aware moments and for SQLite's naive ones (UTC)."""
    aware = moment.replace(tzinfo=UTC)
    day, at = uk_date_and_time(aware)
    expected = (day.isoformat(), at.isoformat())
    assert uk_day_and_time_text(aware) == expected
    assert uk_day_and_time_text(moment) == expected
    assert not expected[0].startswith(SPREADSHEET_FORMULA_STARTS)


def test_uk_text_around_the_clock_changes():
    # 2026: BST from 01:00 UTC on 29 March to 01:00 UTC on 25 October.
    assert uk_day_and_time_text(datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)) == (
        "2026-03-29",
        "00:59:59",
    )
    assert uk_day_and_time_text(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) == (
        "2026-03-29",
        "02:00:00",
    )
    assert uk_day_and_time_text(datetime(2026, 10, 24, 23, 30, 0, 999, tzinfo=UTC)) == (
        "2026-10-25",
        "00:30:00",
    )
    late = datetime(2026, 10, 25, 1, 0, tzinfo=UTC) + timedelta(minutes=30)
    assert uk_day_and_time_text(late) == ("2026-10-25", "01:30:00")


@given(st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=10**12)), max_size=50))
def test_cached_pseudonyms_are_the_hmacs_also_past_the_cache_limit(ids):
    """Each kind's cache holds at most CACHED; past it pseudonyms are computed each time,
    and are the same either way."""
    original = pseudonym_module.CACHED
    pseudonym_module.CACHED = 3
    try:
        pseudonyms = Pseudonymiser("a key")
        for record_id in ids * 2:
            for kind, prefix in KINDS.items():
                got = pseudonyms.pseudonym(kind, record_id)
                if record_id is None:
                    assert got == ""
                    continue
                message = f"{kind}:{record_id}".encode()
                digest = hmac.new(b"a key", message, hashlib.sha256).hexdigest()[:16]
                assert got == f"{prefix}-{digest}"
    finally:
        pseudonym_module.CACHED = original


def test_only_the_free_columns_are_made_safe():
    """A score can be negative ("-1" would be a formula) and a scale or measure code is
    text: made safe. A coded column is written as it is."""
    row = ["ASM-1", "REF-1", "PER-1", "=GBO", "", "+scale", "-1", "2026-03-01", "child"]
    row += ["items", ""]
    written = Written("x.zip")
    [safe] = _safe_rows(c.OUTCOME_SCORES, [(list(row), 7)], written)
    assert safe == [*row[:3], "'=GBO", "", "'+scale", "'-1", *row[7:]]
    assert written.referral_ids == {7}
    coded = ["@x"] * len(c.CARE_CONTACTS.columns)
    assert _safe_rows(c.CARE_CONTACTS, [(list(coded), 1)], written) == [coded]
