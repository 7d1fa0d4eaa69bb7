"""One child, many referrals: the identity rule (mhst/referrals/children.py), as a pure
function over many inputs, and applied at submission on both databases."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals import child_records
from mhst.referrals import submission as referral_submission
from mhst.referrals.child_models import Child, ChildCorrection, YearGroup
from mhst.referrals.children import Identity, Verdict, compare, name_key
from tests.conftest import child_details, referral_details

# ---- the rule, over many inputs --------------------------------------------------------

NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz'-", min_size=1, max_size=12)
DATES = st.dates(min_value=date(2005, 1, 1), max_value=date(2022, 12, 31))
SCHOOLS = st.integers(min_value=1, max_value=500)
NHS_NUMBERS = st.from_regex(r"[0-9]{10}", fullmatch=True)
ACCENTS = {"e": "é", "a": "á", "o": "ö", "i": "ï", "u": "ú", "c": "ç", "n": "ñ"}


@st.composite
def variant(draw, name: str) -> str:
    """The same name as someone might type it: other case, accents, extra spaces."""
    letters = []
    for letter in name:
        if draw(st.booleans()):
            letter = letter.upper()
        if letter.lower() in ACCENTS and draw(st.booleans()):
            letter = ACCENTS[letter.lower()]
        letters.append(letter)
    spaces = st.sampled_from(["", " ", "  ", "\t"])
    return draw(spaces) + "".join(letters) + draw(spaces)


@st.composite
def child_and_variant(draw):
    given_name, family_name = draw(NAMES), draw(NAMES)
    known = Identity(given_name, family_name, draw(DATES), draw(SCHOOLS))
    typed = Identity(
        draw(variant(given_name)), draw(variant(family_name)), known.date_of_birth, known.school_id
    )
    return known, typed


@given(child_and_variant())
def test_spacing_case_and_accent_variants_are_the_same_child(pair):
    known, typed = pair
    assert compare(typed, known) is Verdict.SAME


def test_a_double_space_inside_a_name_counts_as_one():
    assert name_key("Mary  Ann ", " de la  Cruz") == name_key("mary ann", "De La Cruz")
    assert name_key("Mary Ann", "Smith") != name_key("Mary", "Ann Smith")


@given(child_and_variant(), DATES)
def test_another_date_of_birth_is_another_child(pair, other_date):
    known, typed = pair
    if other_date != known.date_of_birth:
        moved = Identity(typed.given_name, typed.family_name, other_date, typed.school_id)
        assert compare(moved, known) is Verdict.DIFFERENT


@given(child_and_variant(), SCHOOLS)
def test_without_nhs_numbers_another_school_is_another_child(pair, other_school):
    known, typed = pair
    if other_school != known.school_id:
        elsewhere = Identity(typed.given_name, typed.family_name, typed.date_of_birth, other_school)
        assert compare(elsewhere, known) is Verdict.DIFFERENT


@given(child_and_variant(), NHS_NUMBERS, NHS_NUMBERS)
def test_another_nhs_number_is_another_child_whatever_the_name(pair, first, second):
    known, typed = pair
    if first != second:
        assert compare(_with_nhs(typed, first), _with_nhs(known, second)) is Verdict.DIFFERENT


@given(child_and_variant(), NHS_NUMBERS, SCHOOLS)
def test_the_nhs_number_wins_over_the_school(pair, number, other_school):
    known, typed = pair
    moved = Identity(typed.given_name, typed.family_name, typed.date_of_birth, other_school, number)
    assert compare(moved, _with_nhs(known, number)) is Verdict.SAME


@given(child_and_variant(), NHS_NUMBERS, st.booleans(), NAMES, DATES)
def test_one_nhs_number_with_another_name_or_birth_date_is_a_conflict(
    pair, number, rename, other_name, other_date
):
    known, typed = pair
    if rename:
        typed = Identity(other_name, typed.family_name, typed.date_of_birth, typed.school_id)
    else:
        typed = Identity(typed.given_name, typed.family_name, other_date, typed.school_id)
    if typed.key == known.key and typed.date_of_birth == known.date_of_birth:
        return  # drew the same name or date after all
    assert compare(_with_nhs(typed, number), _with_nhs(known, number)) is Verdict.CONFLICT


@given(child_and_variant(), NHS_NUMBERS, st.booleans())
def test_one_nhs_number_missing_falls_back_on_name_birth_date_and_school(pair, number, new_has):
    known, typed = pair
    if new_has:
        typed = _with_nhs(typed, number)
    else:
        known = _with_nhs(known, number)
    assert compare(typed, known) is Verdict.SAME


def _with_nhs(identity: Identity, number: str) -> Identity:
    return Identity(
        identity.given_name,
        identity.family_name,
        identity.date_of_birth,
        identity.school_id,
        number,
    )


# ---- at submission, on both databases -------------------------------------------------

NHS_A, NHS_B = "9434765919", "9434765870"  # valid check digits, invented


def _children() -> int:
    return db.session.scalar(select(func.count()).select_from(Child))


def _submit(school, user, **child):
    referral = referral_submission.submit_referral(
        school, child_details(**child), referral_details(), by=user
    )
    db.session.flush()
    return referral


@pytest.fixture
def lead(world):
    return world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]


def test_a_referral_for_a_known_child_is_linked_to_their_record(world, lead):
    first = world.referral_a1
    before = _children()
    again = _submit(
        world.school_a1,
        lead,
        given_name="  ALEX ",
        family_name="invénted",
        year_group=YearGroup.YEAR_9,
        parent_carer_phone="01632 960999",
    )
    assert _children() == before
    assert again.child_id == first.child_id
    assert [r.id for r in again.child.referrals] == [first.id, again.id]
    child = again.child
    assert (child.given_name, child.family_name) == ("Alex", "Invented")  # kept as known
    assert (child.year_group, child.parent_carer_phone) == (YearGroup.YEAR_9, "01632 960999")
    correction = db.session.scalars(
        select(ChildCorrection).where(ChildCorrection.child_id == child.id)
    ).one()
    assert correction.referral_id == again.id
    assert correction.reason == f"Details given on referral {again.reference}"
    assert {(v.field, v.old_value, v.new_value) for v in correction.values} == {
        ("year_group", "Year 8", "Year 9"),
        ("parent_carer_phone", "01632 960000", "01632 960999"),
    }
    assert db.session.scalar(
        select(func.count()).where(
            AuditEvent.record_type == AuditRecordType.CHILD,
            AuditEvent.record_id == str(child.id),
            AuditEvent.action == AuditAction.UPDATE,
        )
    )


def test_another_birth_date_or_school_makes_a_new_child(world, lead):
    before = _children()
    other_day = date(service_today().year - 12, 1, 16)
    assert _submit(world.school_a1, lead, date_of_birth=other_day).child_id != (
        world.referral_a1.child_id
    )
    assert _submit(world.school_a2, lead).child_id != world.referral_a1.child_id
    assert _children() == before + 2


def test_the_nhs_number_finds_a_child_who_moved_school(world, lead):
    emhp = world.users[Role.EMHP]
    first = _submit(world.school_a1, emhp, given_name="Nia", nhs_number=NHS_A)
    again = _submit(world.school_a2, emhp, given_name="nia", nhs_number="943 476 5919")
    assert again.child_id == first.child_id
    assert again.child.school_id == world.school_a2.id  # their school now, with history


def test_a_known_child_without_an_nhs_number_gets_the_one_a_referral_gives(world, lead):
    again = _submit(world.school_a1, lead, nhs_number=NHS_A)
    assert again.child_id == world.referral_a1.child_id
    assert again.child.nhs_number == NHS_A


def test_another_nhs_number_makes_a_new_child_despite_the_same_name(world, lead):
    emhp = world.users[Role.EMHP]
    first = _submit(world.school_a1, emhp, given_name="Nia", nhs_number=NHS_A)
    other = _submit(world.school_a1, emhp, given_name="Nia", nhs_number=NHS_B)
    assert other.child_id != first.child_id
    assert other.child.possible_duplicate_of_id is None


def test_one_nhs_number_with_another_name_is_a_new_child_flagged_for_staff(world, lead):
    emhp = world.users[Role.EMHP]
    first = _submit(world.school_a1, emhp, given_name="Nia", nhs_number=NHS_A)
    other = _submit(world.school_a1, emhp, given_name="Noor", nhs_number=NHS_A)
    assert other.child_id != first.child_id  # never silently linked
    assert other.child.possible_duplicate_of_id == first.child_id


def test_a_merged_record_is_never_matched(world, lead):
    known = world.referral_a1.child
    survivor = _submit(world.school_a2, lead, given_name="Survivor").child
    known.merged_into = survivor
    db.session.flush()
    again = _submit(world.school_a1, lead)
    assert again.child_id not in (known.id, survivor.id)


# ---- two referrals of one new child at the same moment ---------------------------------


def test_one_childs_referrals_share_an_identity_key_however_typed(world):
    school = world.school_a1
    keys = child_records.identity_keys(child_details(nhs_number=NHS_A), school)
    typed = child_details(given_name=" ALEX", family_name="invénted", nhs_number="943 476 5919")
    assert child_records.identity_keys(typed, school) == keys
    assert keys[0] == f"child:nhs:{NHS_A}"
    # Without an NHS number: the name, date of birth and school, which a referral with
    # the number also locks (it may find a record that has none).
    assert child_records.identity_keys(child_details(), school) == keys[1:]
    assert child_records.identity_keys(child_details(), world.school_a2) != keys[1:]


def test_a_referral_locks_the_childs_identity_before_looking_the_child_up(
    world, lead, backend, count_queries
):
    before = len(count_queries())
    _submit(world.school_a1, lead, given_name="Locked", nhs_number=NHS_B)
    statements = count_queries()[before:]
    lock = "pg_advisory_xact_lock(key)" if backend == "postgresql" else "UPDATE form_submission"
    locks = [i for i, sql in enumerate(statements) if lock in sql]
    lookups = [i for i, sql in enumerate(statements) if "FROM child" in sql]
    assert len(locks) == 1  # one statement more per referral
    assert locks[0] < lookups[0]
