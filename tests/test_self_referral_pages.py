"""The online self-referral's pages: urgent help on every page, one question a page
with NHS-style errors and typed answers kept, back and change links, the school search,
a draft that expires, no answer in the cookie, the honeypot, one referral however many
times it is sent, and what staff (and not the school's lead) see."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select, update

from mhst.accounts.models import Role
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.referrals.models import Referral, ReferralSource
from mhst.referrals.signposting import URGENT_ROUTES
from mhst.schools.models import ParticipationStatus
from mhst.selfreferral import views
from mhst.selfreferral.models import SelfReferralDraft
from tests.conftest import AuthActions, csrf_token_from
from tests.form_fuzzing import answers, post_forms, row_counts
from tests.selfreferral_journey import (
    BASE,
    active_school_a1,
    answer_all,
    answers_for,
    born_aged,
    dob_fields,
    post_page,
    send,
)


def text_of(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ", strip=True)


def online_referrals() -> list[Referral]:
    return list(
        db.session.scalars(
            select(Referral).where(Referral.source == ReferralSource.SELF_REFERRAL_ONLINE)
        )
    )


@pytest.fixture
def school(world):
    return active_school_a1(world)


def test_the_start_page_puts_urgent_help_first(client):
    page = client.get(BASE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    callout = html.index("nhsuk-warning-callout")
    assert callout < html.index("Start now")
    for route in URGENT_ROUTES:
        assert route.name in text_of(page)
    assert 'href="/schools-list"' in html
    assert "Sign out" not in html


def test_every_question_page_shows_urgent_help_and_a_back_link(school, client):
    previous = BASE
    for name, data in answers_for(school.id, risks=("self_harm",)):
        page = client.get(f"{BASE}/questions/{name}")
        assert page.status_code == 200, name
        html = page.get_data(as_text=True)
        assert "999 and A&amp;E" in html, name
        assert "NHS 111 (select option 2)" in html, name
        back = BeautifulSoup(html, "html.parser").select_one("a.nhsuk-back-link")
        assert back is not None, name
        assert back["href"] == previous, name
        assert post_page(client, name, data).status_code == 302
        previous = f"{BASE}/questions/{name}"


@pytest.mark.parametrize(
    "name", ["who", "name", "date-of-birth", "about", "needs", "what-happened", "risks"]
)
def test_an_empty_answer_is_an_nhs_style_error(school, client, name):
    answer_all(client, school.id)
    response = post_page(client, name, {})
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.select_one(".nhsuk-error-summary") is not None
    assert soup.select_one(".nhsuk-error-message") is not None
    assert soup.title.get_text().startswith("Error: ")


def test_typed_answers_are_kept_when_a_page_is_shown_again(school, client):
    post_page(client, "who", {"referrer": "parent_carer"})
    response = post_page(client, "name", {"given_name": "Robin", "family_name": ""})
    assert response.status_code == 400
    assert 'value="Robin"' in response.get_data(as_text=True)
    assert "Enter a last name" in text_of(response)
    bad_date = {"date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "2014"}
    response = post_page(client, "date-of-birth", bad_date)
    assert response.status_code == 400
    assert 'value="31"' in response.get_data(as_text=True)


def test_a_young_person_under_the_minimum_age_is_told_who_can_refer(school, client):
    post_page(client, "who", {"referrer": "young_person"})
    response = post_page(client, "date-of-birth", dob_fields(born_aged(10)))
    assert response.status_code == 400
    assert "You need to be 11 or older to refer yourself" in text_of(response)
    assert post_page(client, "date-of-birth", dob_fields(born_aged(11))).status_code == 302


def test_a_date_of_birth_in_the_future_is_refused(school, client):
    post_page(client, "who", {"referrer": "parent_carer"})
    future = utcnow().date() + timedelta(days=40)
    response = post_page(client, "date-of-birth", dob_fields(future))
    assert response.status_code == 400
    assert "must be in the past" in text_of(response)


def test_the_school_is_found_by_name_and_only_active_schools_are_offered(world, school, client):
    world.school_a2.participation_status = ParticipationStatus.PAUSED
    db.session.commit()
    post_page(client, "who", {"referrer": "parent_carer"})
    page = client.get(f"{BASE}/questions/school?q=school+a")
    text = text_of(page)
    assert "School A1" in text
    assert "School A2" not in text
    assert "My school is not in this list" in text
    response = post_page(client, "school", {"school_id": "none", "q": "school a"})
    assert response.headers["Location"] == f"{BASE}/school-not-listed"
    not_listed = client.get(response.headers["Location"])
    assert 'href="/local-support"' in not_listed.get_data(as_text=True)
    assert "mental health lead" in text_of(not_listed)
    assert "GP" in text_of(not_listed)
    refused = post_page(client, "school", {"school_id": str(world.school_a2.id), "q": ""})
    assert refused.status_code == 400


def test_a_risk_shows_the_urgent_routes_at_once(school, client):
    for name, data in answers_for(school.id, risks=("thoughts_of_suicide",)):
        response = post_page(client, name, data)
        if name == "risks":
            break
    assert response.headers["Location"] == f"{BASE}/questions/risk-detail"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    callout = soup.select_one(".nhsuk-warning-callout")
    assert callout is not None
    for route in URGENT_ROUTES:
        assert route.name in callout.get_text()


def test_change_links_return_to_check_your_answers(school, client):
    answer_all(client, school.id)
    page = client.get(f"{BASE}/check")
    assert page.status_code == 200
    links = [
        a["href"]
        for a in BeautifulSoup(page.data, "html.parser").select("a")
        if a.get_text(strip=True).startswith("Change")
    ]
    assert f"{BASE}/questions/name?change=1" in links
    back = BeautifulSoup(page.data, "html.parser").select_one("a.nhsuk-back-link")
    assert back["href"] == f"{BASE}/questions/risks"  # the last question answered
    response = post_page(
        client, "name", {"given_name": "Rowan", "family_name": "Selfref"}, "?change=1"
    )
    assert response.headers["Location"] == f"{BASE}/check"
    assert "Rowan" in text_of(client.get(f"{BASE}/check"))


def test_changing_who_refers_asks_the_questions_that_now_apply(school, client):
    answer_all(client, school.id)  # a parent
    response = post_page(client, "who", {"referrer": "young_person"}, "?change=1")
    assert response.headers["Location"] == f"{BASE}/questions/contact?change=1"


def session_of(app, client) -> dict:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def test_no_answer_is_kept_in_the_cookie(app, school, client):
    answer_all(client, school.id)
    values = session_of(app, client)
    cookie = repr(values)
    for typed in ("Robin", "Selfref", "01632", "Worries", str(born_aged(9).year)):
        assert typed not in cookie
    assert set(values) <= {"csrf_token", views.DRAFT_KEY, "_fresh", "_permanent", "last_seen"}
    token = values[views.DRAFT_KEY]
    draft = db.session.scalars(select(SelfReferralDraft)).one()
    assert token != draft.token_hash  # the table holds only the token's hash
    assert draft.answers["given_name"] == "Robin"


def test_an_untouched_draft_expires_and_the_start_page_says_so(school, client):
    answer_all(client, school.id)
    db.session.execute(
        update(SelfReferralDraft).values(updated_at=utcnow() - timedelta(minutes=121))
    )
    db.session.commit()
    response = client.get(f"{BASE}/questions/name")
    assert response.headers["Location"] == BASE
    assert "Your answers were deleted" in text_of(client.get(BASE))
    assert db.session.scalar(select(func.count()).select_from(SelfReferralDraft)) == 0


def test_start_again_deletes_the_draft(school, client):
    answer_all(client, school.id)
    token = csrf_token_from(client.get(BASE).get_data(as_text=True))
    assert client.post(f"{BASE}/start-again", data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SelfReferralDraft)) == 0
    assert client.get(f"{BASE}/check").headers["Location"] == BASE


def test_a_filled_honeypot_is_quietly_discarded(school, client):
    answer_all(client, school.id)
    response, _data = send(client, website="http://spam.example")
    assert response.headers["Location"] == f"{BASE}/sent"
    sent = client.get(f"{BASE}/sent")
    assert "Referral sent" in text_of(sent)
    assert not re.search(r"R\d{6}", text_of(sent))
    assert online_referrals() == []
    assert db.session.scalar(select(func.count()).select_from(SelfReferralDraft)) == 0


def test_the_honeypot_is_hidden_from_people_and_assistive_technology(school, client):
    answer_all(client, school.id)
    soup = BeautifulSoup(client.get(f"{BASE}/check").data, "html.parser")
    trap = soup.select_one("#website")
    wrapper = trap.find_parent("div")
    assert wrapper["aria-hidden"] == "true"
    assert "app-honeypot" in wrapper["class"]
    assert trap["tabindex"] == "-1"


def test_sending_twice_makes_one_referral(school, client):
    answer_all(client, school.id)
    first, data = send(client)
    assert first.headers["Location"] == f"{BASE}/sent"
    again = client.post(f"{BASE}/check", data=data)
    assert again.status_code == 302
    assert again.headers["Location"] == f"{BASE}/sent"
    referrals = online_referrals()
    assert len(referrals) == 1
    assert referrals[0].reference in text_of(client.get(f"{BASE}/sent"))


def test_the_parents_referral_reaches_the_triage_queue_not_the_school_lead(
    world, school, client, app
):
    answer_all(client, school.id)
    send(client)
    (referral,) = online_referrals()
    senior = app.test_client()
    AuthActions(senior).sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    queue = BeautifulSoup(senior.get("/referrals/triage").data, "html.parser")
    row = next(tr for tr in queue.select("tbody tr") if referral.reference in tr.get_text())
    assert "Self-referral online" in row.get_text()
    page = senior.get(f"/referrals/{referral.id}")
    text = text_of(page)
    assert "Self-referral received online" in text
    assert "a parent or carer" in text
    assert "Sent online (no staff member)" in text
    lead = app.test_client()
    AuthActions(lead).sign_in(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD].email)
    assert lead.get(f"/referrals/{referral.id}").status_code == 404
    assert referral.child.full_name not in text_of(lead.get("/referrals"))


def test_a_young_persons_request_not_to_tell_parents_shows_on_the_consent_page(
    world, school, client, app
):
    answer_all(client, school.id, referrer="young_person", age=14, keep_from_parents="yes")
    send(client)
    (referral,) = online_referrals()
    senior = app.test_client()
    AuthActions(senior).sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    page = senior.get(f"/referrals/{referral.id}/consent")
    text = text_of(page)
    assert "asked to be seen without their parents or carers being told" in text
    assert "Gillick competence assessment" in text
    chosen = BeautifulSoup(page.data, "html.parser").select_one("input[name=kind][checked]")
    assert chosen["value"] == "gillick"


def test_sending_is_rate_limited_with_its_own_page(school, client):
    answer_all(client, school.id)
    limit = int(views.SEND_LIMIT.split()[0])
    token = csrf_token_from(client.get(f"{BASE}/check").get_data(as_text=True))
    for _ in range(limit):
        client.post(f"{BASE}/check", data={"csrf_token": token, "website": "x"})
    response = client.post(f"{BASE}/check", data={"csrf_token": token})
    assert response.status_code == 429
    assert "Too many answers sent" in text_of(response)


FUZZ = settings(
    max_examples=4,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


@pytest.mark.parametrize(
    "name",
    [name for name, _ in answers_for(1, referrer="young_person", age=14, risks=("self_harm",))]
    + ["check"],
)
def test_hostile_answers_never_break_a_page(school, client, name):
    answer_all(client, school.id, referrer="young_person", age=14, risks=("self_harm",))
    path = f"{BASE}/check" if name == "check" else f"{BASE}/questions/{name}"
    forms = [f for f in post_forms(client.get(path).get_data(as_text=True)) if f.action == path]
    assert forms

    @FUZZ
    @given(data=answers(forms[0]))
    def post(data):
        before = row_counts(frozenset({"audit_event", "self_referral_draft"}))
        response = client.post(path, data=data)
        assert response.status_code != 500
        if response.status_code >= 400:
            assert row_counts(frozenset({"audit_event", "self_referral_draft"})) == before

    post()


def test_the_school_search_and_check_pages_use_a_constant_number_of_queries(
    world, school, client, count_queries, make_school
):
    """The search runs one query however many schools match (at most 20 listed), and
    the check page reads the draft and the chosen school whatever the answers."""

    def queries(path: str) -> int:
        before = len(count_queries())
        assert client.get(path).status_code == 200
        return len(count_queries()) - before

    answer_all(client, school.id)
    one_match = queries(f"{BASE}/questions/school?q=school+a1")
    check_page = queries(f"{BASE}/check")
    for number in range(25):
        extra = make_school(f"School A1 annexe {number}")
        extra.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    assert queries(f"{BASE}/questions/school?q=school+a1") == one_match
    assert queries(f"{BASE}/check") == check_page


def test_a_school_that_stopped_taking_part_before_sending_is_a_clear_error(school, client):
    answer_all(client, school.id)
    school.participation_status = ParticipationStatus.PAUSED
    db.session.commit()
    response, _data = send(client)
    assert response.status_code == 400
    soup = BeautifulSoup(response.data, "html.parser")
    summary = soup.select_one(".nhsuk-error-summary")
    assert "Select a participating school" in summary.get_text()
    assert summary.select_one("a")["href"] == "#answers"
    assert online_referrals() == []
    assert db.session.scalar(select(func.count()).select_from(SelfReferralDraft)) == 1
