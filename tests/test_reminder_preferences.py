"""A family's agreement to session reminders on the referral (its form, rules, versions
and audit), and what a reminder says: never the child's name (Hypothesis)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.referrals.models import Child, Referral
from mhst.referrals.reminder_preferences import (
    PreferenceDetails,
    ReminderContact,
    preference_of,
    save_preferences,
    uk_mobile,
)
from mhst.schools.models import School
from mhst.sessions import reminders
from mhst.sessions.models import CareContact, ContactMode
from tests import notify_server as ns
from tests.conftest import AuthActions, csrf_token_from


def page_text(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ", strip=True)


def form_of(client, referral_id: int) -> dict:
    page = client.get(f"/referrals/{referral_id}/reminders")
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    return {
        "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        "version": soup.find("input", {"name": "version"})["value"],
    }


# ---- the rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("07700 900123", "07700900123"),
        ("+44 7700 900123", "07700900123"),
        ("+44 (0)7700-900123".replace("(0)", ""), "07700900123"),
        ("0044 7700 900 123", "07700900123"),
        ("447700900123", "07700900123"),
    ],
)
def test_uk_mobile_numbers_in_the_ways_people_write_them(typed, stored):
    assert uk_mobile(typed) == stored


@given(st.text(max_size=20))
def test_anything_but_a_uk_mobile_number_is_refused(typed):
    digits = re.sub(r"[\s\-().]", "", typed)
    if re.fullmatch(r"(07|\+447|00447|447)[0-9]{9}", digits):
        assert re.fullmatch(r"07[0-9]{9}", uk_mobile(typed))
    else:
        with pytest.raises(RuleError, match="UK mobile number"):
            uk_mobile(typed)


def test_no_reminders_is_the_default(world):
    assert preference_of(world.case_a1.id) is None
    details = PreferenceDetails(None, False, False, None, None, False)
    saved = save_preferences(world.case_a1, details, by=world.users[Role.EMHP], read_version=0)
    assert not saved.any_channel
    assert saved.channels_text() == "No reminders"


def test_a_channel_needs_who_agreed_and_a_valid_number_or_address(world):
    emhp = world.users[Role.EMHP]
    cases = [
        (PreferenceDetails(None, True, False, "07700900123", None, False), "contact"),
        (
            PreferenceDetails("parent_carer", True, False, "01632 960001", None, False),
            "mobile_number",
        ),
        (PreferenceDetails("parent_carer", False, True, None, "not-an-address", False), "email"),
        (PreferenceDetails("headteacher", True, False, "07700900123", None, False), "contact"),
    ]
    for details, field in cases:
        with pytest.raises(RuleError) as refused:
            save_preferences(world.case_a1, details, by=emhp, read_version=0)
        assert refused.value.field == field


def test_a_channel_not_chosen_keeps_no_number_or_address(world):
    details = PreferenceDetails("young_person", False, True, "07700900123", "yp@example.org", True)
    saved = save_preferences(world.case_a1, details, by=world.users[Role.EMHP], read_version=0)
    assert saved.mobile_number is None
    assert saved.email == "yp@example.org"
    assert saved.contact is ReminderContact.YOUNG_PERSON


# ---- the form -------------------------------------------------------------------------


def test_staff_record_the_agreement_and_the_referral_page_shows_it(world, client):
    AuthActions(client).sign_in(world.users[Role.EMHP].email)
    case = world.case_a1
    assert "No reminders" in page_text(client.get(f"/referrals/{case.id}"))
    sent = client.post(
        f"/referrals/{case.id}/reminders",
        data={
            **form_of(client, case.id),
            "channels": ["text", "email"],
            "contact": "parent_carer",
            "mobile_number": "07700 900 123",
            "email": "parent@example.org",
            "discreet": "y",
        },
    )
    assert sent.status_code == 302
    page = page_text(client.get(f"/referrals/{case.id}"))
    assert "By text and email" in page
    assert "07700900123" in page
    assert "Asked for: reminders do not name the service" in page
    event = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == AuditAction.UPDATE,
            AuditEvent.record_type == AuditRecordType.REFERRAL,
            AuditEvent.record_id == str(case.id),
        )
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.detail.startswith("Reminder preferences: ")
    assert "07700900123" not in event.detail
    assert "parent@example.org" not in event.detail


def test_bad_answers_are_shown_again_with_an_error_summary(world, client):
    AuthActions(client).sign_in(world.users[Role.EMHP].email)
    case = world.case_a1
    sent = client.post(
        f"/referrals/{case.id}/reminders",
        data={
            **form_of(client, case.id),
            "channels": ["text"],
            "contact": "parent_carer",
            "mobile_number": "0116 496 0000",
        },
    )
    assert sent.status_code == 400
    html = sent.get_data(as_text=True)
    assert "nhsuk-error-summary" in html
    assert "Enter a UK mobile number" in html
    assert 'value="0116 496 0000"' in html
    assert preference_of(case.id) is None


def test_a_save_on_an_older_version_is_refused(world, client):
    AuthActions(client).sign_in(world.users[Role.EMHP].email)
    case = world.case_a1
    stale = form_of(client, case.id)  # read before anyone saved (version 0)
    details = PreferenceDetails("parent_carer", False, True, None, "first@example.org", False)
    save_preferences(case, details, by=world.users[Role.SENIOR_CLINICIAN], read_version=0)
    db.session.commit()
    sent = client.post(
        f"/referrals/{case.id}/reminders",
        data={
            **stale,
            "channels": ["text"],
            "contact": "parent_carer",
            "mobile_number": "07700900123",
        },
    )
    assert sent.status_code == 400
    assert "Someone else changed this record" in sent.get_data(as_text=True)
    db.session.expire_all()
    assert preference_of(case.id).email == "first@example.org"


def test_a_form_sent_twice_saves_one_agreement(world, client):
    AuthActions(client).sign_in(world.users[Role.EMHP].email)
    case = world.case_a1
    data = {**form_of(client, case.id), "channels": ["email"], "contact": "young_person"}
    data["email"] = "yp@example.org"
    assert client.post(f"/referrals/{case.id}/reminders", data=data).status_code == 302
    assert client.post(f"/referrals/{case.id}/reminders", data=data).status_code == 400
    assert preference_of(case.id).version == 1


def test_a_school_lead_neither_sees_nor_changes_it(world, client):
    AuthActions(client).sign_in(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD].email)
    referral = world.referral_a1
    assert "Session reminders" not in page_text(client.get(f"/referrals/{referral.id}"))
    assert client.get(f"/referrals/{referral.id}/reminders").status_code == 403


# ---- what a reminder says: never the child's name --------------------------------------

NAME = st.from_regex(r"[A-Z][a-z]{1,10}(-[A-Z][a-z]{1,8})?", fullmatch=True)
PLACES = st.sampled_from(
    [
        None,
        "Room 4",
        "{given}'s classroom",
        "Wellbeing room (ask for {family})",
        "{full} meeting room",
    ]
)


def _words(name: str) -> list[str]:
    return [part for part in re.split(r"[\s\-']+", name) if part]


def _mentions(text: str, name: str) -> bool:
    return any(
        re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) for word in _words(name)
    )


def _contact(given, family, school_name, place, mode, starts_at) -> CareContact:
    child = Child(given_name=given, family_name=family)
    full = f"{given} {family}"
    location = place.format(given=given, family=family, full=full) if place else None
    return CareContact(
        referral=Referral(child=child, school=School(name=school_name)),
        starts_at=starts_at,
        mode=mode,
        location=location,
    )


def _rendered(values: dict, template: str) -> str:
    return ns.PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    given_name=NAME,
    family_name=NAME,
    school=st.sampled_from(["Oakfield Primary", "St Anne's Academy", "Green Lane School"]),
    place=PLACES,
    mode=st.sampled_from(list(ContactMode)),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 800),
    discreet=st.booleans(),
)
def test_no_childs_name_in_a_reminder(
    app, given_name, family_name, school, place, mode, minutes, discreet
):
    starts_at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    contact = _contact(given_name, family_name, school, place, mode, starts_at)
    # The same session for a child whose name is nowhere else: what the reminder says
    # apart from the name. A name that is also a word of it (a weekday, the school) is
    # not the child's name showing.
    control = _contact("Qzx", "Vqj", school, place, mode, starts_at)
    with app.app_context():
        values = reminders.personalisation(contact, discreet=discreet)
        control_values = reminders.personalisation(control, discreet=discreet)
    template = ns.TEMPLATES[ns.TEXT_DISCREET_TEMPLATE if discreet else ns.TEXT_TEMPLATE]
    # The template's own words count too: a child called "Is" is not named by "it is".
    everything = " ".join([*control_values.values(), _rendered(control_values, template)])
    for name in (given_name, family_name):
        assume(not _mentions(everything, name))
    for value in values.values():
        assert not _mentions(value, given_name)
        assert not _mentions(value, family_name)
    first_line = _rendered(values, template).splitlines()[0]
    assert not _mentions(first_line, given_name)
    assert not _mentions(first_line, family_name)
    if discreet:
        assert "service" not in values
