"""The public pages (mhst.public): the schools taking part and the local support for
families. No account; only active schools; nothing about any child or staff member;
searches bounded, bad values an NHS-style error (400), and a fixed number of queries
however many rows or which page."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mhst.accounts.models import Role
from mhst.directory.models import Concern, DirectoryService, DirectoryServiceConcern, DirectoryTable
from mhst.extensions import db
from mhst.schools.models import LeadKind, ParticipationStatus, SchoolLeadAssignment, SchoolPhase

S = ParticipationStatus


def _school(make_school, team, name, status=S.ACTIVE, phase=SchoolPhase.PRIMARY):
    school = make_school(name, team=team)
    school.participation_status = status
    school.phase = phase
    db.session.commit()
    return school


def _names_on(page: str) -> list[str]:
    return [
        html.unescape(name)
        for name in re.findall(r'<h3 class="nhsuk-card__heading">([^<]+)</h3>', page)
    ]


@pytest.fixture
def schools(make_team, make_school):
    team = make_team("Oakfield MHST")
    team.public_phone, team.public_email = "0116 496 0123", "oakfield.mhst@mhst.example"
    other = make_team("Riverside MHST")
    db.session.commit()
    return {
        "team": team,
        "other": other,
        "oak": _school(make_school, team, "Oak Tree Primary School"),
        "oakwood": _school(make_school, other, "Oakwood Academy", phase=SchoolPhase.SECONDARY),
        "birch": _school(make_school, team, "Birch Lane Primary School"),
        "paused": _school(make_school, team, "Oak Paused School", status=S.PAUSED),
        "onboarding": _school(make_school, team, "Oak Onboarding School", status=S.ONBOARDING),
        "left": _school(make_school, team, "Oak Left School", status=S.LEFT),
    }


def test_only_active_schools_are_listed_without_signing_in(client, schools):
    response = client.get("/schools-list")
    assert response.status_code == 200
    assert _names_on(response.text) == [
        "Birch Lane Primary School",
        "Oak Tree Primary School",
        "Oakwood Academy",
    ]
    # the team's public contact route, and how to refer
    assert "0116 496 0123" in response.text
    assert "mailto:oakfield.mhst@mhst.example" in response.text
    text = html.unescape(response.text)
    assert "speak to the school's mental health lead" in text
    assert 'href="/self-referral"' in response.text
    # a team with no public contact: the school's lead, never a name
    assert "Contact the school and ask for the school's mental health lead" in text


def test_name_search_is_any_part_of_a_word_ignoring_case(client, schools):
    assert _names_on(client.get("/schools-list?q=OAK").text) == [
        "Oak Tree Primary School",
        "Oakwood Academy",
    ]
    assert _names_on(client.get("/schools-list?q=ree%20prim").text) == ["Oak Tree Primary School"]
    # LIKE's wildcards are the characters themselves
    assert _names_on(client.get("/schools-list?q=%25").text) == []


def test_area_and_phase_filters(client, schools):
    area = schools["other"].area
    assert _names_on(client.get(f"/schools-list?area={area.id}").text) == ["Oakwood Academy"]
    assert _names_on(client.get("/schools-list?phase=primary").text) == [
        "Birch Lane Primary School",
        "Oak Tree Primary School",
    ]
    both = client.get(f"/schools-list?area={area.id}&phase=primary")
    assert _names_on(both.text) == []
    assert "No schools or colleges taking part match your search" in both.text


def _assert_error(response, field: str, message: str) -> None:
    """A 400 with the NHS error pattern: the summary linking to the field, the message
    by the field."""
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert f'href="#{field}"' in response.text
    assert f'id="{field}-error"' in response.text
    assert message in response.text


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("area=nowhere", "area", "Select an area from the list"),
        ("phase=nursery", "phase", "Select a type of school from the list"),
    ],
)
def test_a_bad_filter_is_an_error_message_not_a_500(client, schools, query, field, message):
    response = client.get(f"/schools-list?q=Oak%20Tree&{query}")
    _assert_error(response, field, message)
    assert 'value="Oak Tree"' in response.text  # what was typed is shown again
    assert _names_on(response.text) == []


def test_the_school_lead_and_children_are_not_shown(client, schools, make_user, make_referral):
    lead = make_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=schools["oak"])
    db.session.add(SchoolLeadAssignment(school=schools["oak"], user=lead, kind=LeadKind.LEAD))
    db.session.commit()
    text = client.get("/schools-list?q=oak").text
    assert lead.full_name not in text
    assert lead.email not in text
    assert "Oak Tree Primary School" in text


def test_search_text_is_bounded(client, schools):
    response = client.get("/schools-list?q=" + "Oak" + "x" * 10_000)
    assert response.status_code == 200
    assert "x" * 101 not in response.text
    assert "x" * 97 in response.text  # the first 100 characters are kept and shown


def test_keyset_pages_and_constant_queries(client, make_team, make_school, count_queries):
    team = make_team()
    for number in range(60):
        _school(make_school, team, f"Listed School {number:03d}")

    def queries(path):
        before = len(count_queries())
        response = client.get(path)
        assert response.status_code == 200
        return len(count_queries()) - before, response.text

    first_count, first = queries("/schools-list?q=listed")
    assert _names_on(first)[0] == "Listed School 000"
    assert len(_names_on(first)) == 25
    after = re.search(r'href="(/schools-list\?[^"]*after=\d+[^"]*)"', first).group(1)
    second_count, second = queries(after.replace("&amp;", "&"))
    assert _names_on(second)[0] == "Listed School 025"
    last_count, last = queries("/schools-list?q=listed&page=last")
    assert _names_on(last)[-1] == "Listed School 059"
    assert first_count == second_count == last_count > 0


# ---- local support ------------------------------------------------------------------


def _service(name, level, order, *, ages=(5, 18), concerns=(), area="city", table=None):
    service = DirectoryService(
        table_kind=table or DirectoryTable.CHILDREN,
        level_of_need=level,
        level_order=order,
        name=name,
        description=f"What {name} offers",
        area_text="Leicester City" if area == "city" else "Rutland",
        covers_city=area == "city",
        covers_rutland=area == "rutland",
        age_text=f"{ages[0]}-{ages[1]}",
        min_age=ages[0],
        max_age=ages[1],
        referral_routes=[{"route": "Direct referral into service", "detail": "Call 0116 496 0999"}],
        concern_links=[DirectoryServiceConcern(concern=c) for c in concerns],
    )
    db.session.add(service)
    return service


@pytest.fixture
def support(app):
    _service("Crisis Line For Young People", "Urgent/crisis intervention", 1, ages=(0, 18))
    _service("Rutland Crisis Café", "Urgent/crisis intervention", 1, area="rutland")
    _service("Eating Support", "High level intervention", 2, concerns=[Concern.EATING_DISORDERS])
    _service(
        "Teen Talk",
        "Low level intervention",
        5,
        ages=(13, 19),
        concerns=[Concern.GENERAL_MENTAL_HEALTH],
    )
    _service(
        "Little Worries", "Self help", 6, ages=(4, 11), concerns=[Concern.GENERAL_MENTAL_HEALTH]
    )
    _service("Grief Group Rutland", "Self help", 6, area="rutland", concerns=[Concern.BEREAVEMENT])
    _service(
        "Adult Talking",
        "Low level intervention",
        5,
        ages=(18, 99),
        table=DirectoryTable.ADULT,
        concerns=[Concern.GENERAL_MENTAL_HEALTH],
    )
    db.session.commit()


def test_urgent_help_comes_first_then_children_services(client, support):
    response = client.get("/local-support")
    assert response.status_code == 200
    text = response.text
    assert text.index("Get help now") < text.index("NHS 111") < text.index("Find support")
    names = _names_on(text)
    assert names == [
        "Crisis Line For Young People",
        "Rutland Crisis Café",
        "Eating Support",
        "Teen Talk",
        "Grief Group Rutland",
        "Little Worries",
    ]
    assert "Adult Talking" not in text  # the adult table is not on the families' page
    assert "Call 0116 496 0999" in text
    assert "What Teen Talk offers" in text


def test_search_by_concern_age_and_area_keeps_urgent_help_first(client, support):
    text = client.get("/local-support?concern=general_mental_health&age=14").text
    assert _names_on(text) == ["Crisis Line For Young People", "Rutland Crisis Café", "Teen Talk"]
    text = client.get("/local-support?age=8").text
    assert "Little Worries" in _names_on(text)
    assert "Teen Talk" not in _names_on(text)
    text = client.get("/local-support?area=rutland").text
    assert _names_on(text) == ["Rutland Crisis Café", "Grief Group Rutland"]
    assert "999" in text  # the urgent routes whatever the search


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("age=fourteen", "age", "Age must be a whole number from 0 to 25, like 14"),
        ("age=-3", "age", "Age must be a whole number from 0 to 25, like 14"),
        ("age=26", "age", "Age must be a whole number from 0 to 25, like 14"),
        ("concern=dementia_older_age", "concern", "Select what the support is for from the list"),
        ("area=mars", "area", "Select an area from the list"),
    ],
)
def test_bad_support_search_is_an_error_message(client, support, query, field, message):
    response = client.get(f"/local-support?{query}")
    _assert_error(response, field, message)
    assert "Get help now" in response.text  # urgent help even when the search is wrong
    value = query.split("=", 1)[1]
    if field == "age":
        assert f'value="{value}"' in response.text


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(age=st.text(max_size=30))
def test_any_typed_age_is_a_page_or_a_message(client, support, age):
    response = client.get("/local-support", query_string={"age": age})
    assert response.status_code in (200, 400)
    typed = age.strip()
    usable = re.fullmatch(r"[0-9]+", typed) is not None and int(typed) <= 25
    assert (response.status_code == 200) is (usable or not typed)


def test_support_queries_are_constant(client, support, count_queries):
    def queries(path):
        before = len(count_queries())
        assert client.get(path).status_code == 200
        return len(count_queries()) - before

    small = queries("/local-support")
    for number in range(40):
        _service(
            f"Extra Service {number:02d}",
            "Self help",
            6,
            concerns=[Concern.GENERAL_MENTAL_HEALTH, Concern.SELF_HARM],
        )
    db.session.commit()
    assert queries("/local-support") == small
    assert queries("/local-support?concern=self_harm&age=12&area=city") == small
    page = client.get("/local-support?concern=self_harm").text
    after = re.search(r'href="(/local-support\?[^"]*after=\d+[^"]*)"', page).group(1)
    assert queries(after.replace("&amp;", "&")) == small
    assert "Extra Service 39" in client.get("/local-support?concern=self_harm&page=last").text


def test_a_team_public_contact_is_edited_by_administrators(world, auth, client):
    team = world.team_a
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    url = f"/admin/organisation/teams/{team.id}/contact"
    assert client.get(url).status_code == 200
    bad = auth.post(url, {"public_phone": "call me", "public_email": "not-an-email"})
    assert bad.status_code == 400
    assert "Enter a phone number, like 0116 496 0000" in bad.text
    assert 'value="call me"' in bad.text
    assert (
        auth.post(
            url, {"public_phone": "0116 496 0456", "public_email": "team.a@mhst.example"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert (team.public_phone, team.public_email) == ("0116 496 0456", "team.a@mhst.example")
    assert "0116 496 0456" in client.get("/admin/organisation/").text
    auth.sign_out()
    auth.sign_in(world.users[Role.CLINICAL_LEAD].email)
    assert client.get(url).status_code == 403
