"""Questionnaires completed online: the links (a hashed token, expiry, single use,
withdrawal, stopped cases), the Goal Based Outcomes follow-up that rates the baseline's
goals, scoring by the practitioners' own code, the message that never names the child,
and the pages: the practitioner's (send, list, withdraw) and the family's public page in
every state, showing nothing of the child's record but the chosen first name."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditEvent
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.extensions import db
from mhst.outcomes import recording
from mhst.outcomes.definitions import Respondent
from mhst.outcomes.models import MeasureRecord
from mhst.questionnaires import links, sending
from mhst.questionnaires.models import LinkChannel, LinkState, QuestionnaireLink
from mhst.referrals.models import ReferralStatus

PASSWORD = "correct horse battery staple"


def gbo_request(**overrides) -> links.LinkRequest:
    values = {
        "measure_code": "GBO",
        "respondent": "child",
        "channel": "qr_code",
        "recipient": None,
        "shown_name": "Casey",
    }
    return links.LinkRequest(**{**values, **overrides})


def make_link(world, **overrides) -> tuple[QuestionnaireLink, str]:
    link, token, _ = links.create_link(
        world.case_a1, gbo_request(**overrides), by=world.users[Role.EMHP]
    )
    db.session.commit()
    return link, token


def count_records(case) -> int:
    return db.session.scalar(
        select(func.count(MeasureRecord.id)).where(MeasureRecord.referral_id == case.id)
    )


def text_of(response) -> str:
    html = response.get_data(as_text=True)
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ", strip=True).split())


# ---- the domain -----------------------------------------------------------------------


def test_only_the_tokens_hash_is_stored_and_the_token_is_long(world):
    link, token = make_link(world)
    assert len(token) >= 22  # 144 bits in URL-safe base64: 24 characters
    assert link.token_hash == links.token_hash(token) != token
    stored = db.session.execute(select(QuestionnaireLink.__table__)).one()._asdict()
    assert token not in {str(value) for value in stored.values()}
    assert links.find(token).id == link.id
    assert links.find(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert links.find("") is None
    assert links.find("x" * 500) is None


def test_two_links_have_different_tokens(world):
    tokens = {make_link(world)[1] for _ in range(5)}
    assert len(tokens) == 5


def test_a_link_expires_after_the_configured_days(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "QUESTIONNAIRE_LINK_DAYS", 3)
    link, _ = make_link(world)
    assert link.expires_at - link.created_at == timedelta(days=3)
    assert link.state() is LinkState.WAITING
    assert link.state(link.created_at + timedelta(days=3, seconds=-1)) is LinkState.WAITING
    assert link.state(link.created_at + timedelta(days=3)) is LinkState.EXPIRED


def test_a_gbo_follow_up_rates_the_baseline_goals_in_their_words(world):
    link, _ = make_link(world)
    assert link.baseline_record_id == world.measure_a1.id
    assert links.goals_of(link.baseline) == {1: "Go to lunch in the hall"}
    # Wording typed on the page is ignored: the goals are the baseline's.
    measure = links.answer(link.id, {1: 7, 2: 9}, {1: "Something else", 2: "New goal"})
    db.session.commit()
    assert [(a.item_number, a.value, a.item_text) for a in measure.answers] == [
        (1, 7, "Go to lunch in the hall")
    ]
    assert measure.score_of("total") == Decimal("7")
    assert measure.online
    assert measure.respondent is Respondent.CHILD
    assert measure.recorded_by_id == world.users[Role.EMHP].id
    assert link.state() is LinkState.USED
    assert link.measure_record_id == measure.id


def test_answering_twice_makes_one_record(world):
    link, _ = make_link(world)
    before = count_records(world.case_a1)
    links.answer(link.id, {1: 5})
    db.session.commit()
    with pytest.raises(links.LinkGone) as gone:
        links.answer(link.id, {1: 6})
    db.session.rollback()
    assert gone.value.state is LinkState.USED
    assert count_records(world.case_a1) == before + 1


def test_a_withdrawn_link_stops_working_and_cannot_be_withdrawn_again(world):
    link, _ = make_link(world)
    links.withdraw(link, by=world.users[Role.EMHP])
    db.session.commit()
    assert link.state() is LinkState.WITHDRAWN
    assert links.public_state(link) is LinkState.EXPIRED
    with pytest.raises(links.LinkGone):
        links.answer(link.id, {1: 5})
    db.session.rollback()
    with pytest.raises(RuleError, match="withdrawn"):
        links.withdraw(link, by=world.users[Role.EMHP])


def test_an_expired_link_cannot_be_answered(world):
    link, _ = make_link(world)
    link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(links.LinkGone) as gone:
        links.answer(link.id, {1: 5})
    assert gone.value.state is LinkState.EXPIRED


@pytest.mark.parametrize("stop", ["discharged", "consent withdrawn"])
def test_a_link_on_a_case_that_stopped_no_longer_works(world, stop):
    link, _ = make_link(world)
    if stop == "discharged":
        world.case_a1.status = ReferralStatus.DISCHARGED  # a later state, made directly
    else:
        world.case_a1.consents[0].withdrawn_at = utcnow()
        world.case_a1.consents[0].withdrawn_by_id = world.users[Role.EMHP].id
        world.case_a1.consents[0].withdrawn_reason = "Changed their mind"
    db.session.commit()
    assert links.public_state(link) is LinkState.EXPIRED
    with pytest.raises(links.LinkGone):
        links.answer(link.id, {1: 5})


def test_measures_whose_wording_is_licensed_are_not_sent(world):
    assert "ESQ" not in links.sendable(recording.measures())
    assert "GBO" in links.sendable(recording.measures())
    with pytest.raises(RuleError, match="Choose a questionnaire"):
        links.create_link(world.case_a1, gbo_request(measure_code="ESQ"), by=world.users[Role.EMHP])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"respondent": "practitioner"}, "respondent"),
        ({"channel": "text", "recipient": "01234 567890"}, "mobile_number"),
        ({"channel": "email", "recipient": "not an address"}, "email"),
        ({"shown_name": "Casey Allocated"}, "shown_name"),
        ({"shown_name": "x" * 51}, "shown_name"),
    ],
)
def test_a_link_is_refused_with_the_field_at_fault(world, overrides, field):
    with pytest.raises(RuleError) as refused:
        links.create_link(world.case_a1, gbo_request(**overrides), by=world.users[Role.EMHP])
    assert refused.value.field == field


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ratings=st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=3, max_size=3))
def test_online_answers_score_as_the_practitioners_form_does(world, ratings):
    """A first GBO answered online (goals in the family's words) gives the scores, or the
    refusal, that recording the same answers by hand gives."""
    world.measure_a1.answers[0].item_text = None  # no baseline goals: a first GBO
    db.session.commit()
    answers = dict(enumerate(ratings, start=1))
    texts = {n: (f"Goal number {n}" if v is not None else "") for n, v in answers.items()}
    try:
        by_hand = recording.record_measure(
            world.case_a1,
            "GBO",
            completed_on=service_today(),
            respondent="child",
            by_item=True,
            answers=answers,
            item_texts=texts,
            by=world.users[Role.EMHP],
        )
        expected, refusal = [(s.scale, s.score) for s in by_hand.scores], None
    except RuleError as error:
        expected, refusal = None, error.message
    db.session.rollback()
    link, _ = make_link(world)
    if refusal is not None:
        with pytest.raises(RuleError, match=re.escape(refusal)):
            links.answer(link.id, answers, texts)
        db.session.rollback()
        return
    online = links.answer(link.id, answers, texts)
    assert [(s.scale, s.score) for s in online.scores] == expected
    assert online.online
    db.session.rollback()


# The message's own words (a name that is one of them, "Team", is not the child named).
CONTROL = sending.message_text({"subject": sending.SUBJECT, "link": "", "expires": "Friday 1 May"})
NAMES = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=3, max_size=20
).filter(lambda name: name.lower() not in CONTROL.lower())


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(given_name=NAMES, family_name=NAMES)
def test_the_message_never_names_the_child(world, app, given_name, family_name):
    """Whatever the child is called, the text or email (subject, first line, any value)
    and the development outbox's copy never hold their name, nor the first name chosen to
    show on the page."""
    child = world.case_a1.child
    child.given_name, child.family_name = given_name, family_name
    db.session.commit()
    shown = None if family_name.lower() in given_name.lower() else given_name
    with app.test_request_context("/"):
        link, token, recipient = links.create_link(
            world.case_a1,
            gbo_request(channel="text", recipient="07700 900123", shown_name=shown),
            by=world.users[Role.EMHP],
        )
        values = sending.personalisation(link, token)
        sending.deliver(link, token, recipient)
    # The link's random token is left out: its letters may spell anything.
    said = " ".join([*values.values(), link.logged_text or ""]).replace(token, " ")
    for name in (given_name, family_name):
        assert not re.search(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", said, re.I)
    assert values["subject"] == sending.SUBJECT
    assert link.logged_text.startswith(sending.SUBJECT)
    assert token in link.logged_text  # development only: the outbox shows the link
    db.session.rollback()


def test_no_message_kept_outside_development(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "DEV_OUTBOX", False)
    with app.test_request_context("/"):
        link, token, recipient = links.create_link(
            world.case_a1,
            gbo_request(channel="email", recipient="parent@example.org"),
            by=world.users[Role.EMHP],
        )
        sending.deliver(link, token, recipient)
    assert link.logged_text is None
    assert link.sent_to == "…@example.org"


# ---- the family's page ----------------------------------------------------------------


def test_the_public_page_shows_the_goal_and_the_chosen_first_name_only(world, client):
    _link, token = make_link(world, shown_name="Cas")
    response = client.get(f"/q/{token}")
    assert response.status_code == 200
    page = text_of(response)
    assert "Hello Cas" in page
    assert "Go to lunch in the hall" in page
    child, referral = world.case_a1.child, world.case_a1
    for secret in (
        child.family_name,
        child.given_name,  # "Casey": not the name chosen
        referral.school.name,
        referral.reference,
        f"{child.date_of_birth:%Y}",
        "Sign out",
    ):
        assert secret not in page


def test_a_link_without_a_name_shows_none(world, client):
    _, token = make_link(world, shown_name="")
    page = text_of(client.get(f"/q/{token}"))
    assert "Hello" not in page
    assert "Casey" not in page


def _answer(client, token, data):
    page = client.get(f"/q/{token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    return client.post(f"/q/{token}", data={**data, "csrf_token": csrf})


def test_answering_on_the_public_page_records_the_measure_once(world, client):
    _link, token = make_link(world)
    before = count_records(world.case_a1)
    response = _answer(client, token, {"item_1": "8"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/q/answered"
    assert "Thank you" in text_of(client.get("/q/answered"))
    assert count_records(world.case_a1) == before + 1
    # The same browser sending it again is shown its thank-you page; nothing is added.
    again = client.get(f"/q/{token}")
    assert again.status_code == 302
    assert again.headers["Location"] == "/q/answered"
    assert count_records(world.case_a1) == before + 1
    audit = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.actor == links.ACTOR)
    ).all()
    assert any("answered" in d for d in audit)
    assert any("opened" in d for d in audit)


def test_another_browser_finds_a_used_link_used(world, client, app):
    link, token = make_link(world)
    links.answer(link.id, {1: 4})
    db.session.commit()
    response = client.get(f"/q/{token}")
    assert response.status_code == 410
    page = text_of(response)
    assert "This link has already been used" in page
    assert "Go to lunch" not in page


@pytest.mark.parametrize("how", ["expired", "withdrawn", "discharged"])
def test_expired_withdrawn_and_stopped_links_say_expired(world, client, how):
    link, token = make_link(world)
    if how == "expired":
        link.expires_at = utcnow() - timedelta(minutes=1)
    elif how == "withdrawn":
        links.withdraw(link, by=world.users[Role.EMHP])
    else:
        world.case_a1.status = ReferralStatus.DISCHARGED
    db.session.commit()
    for response in (client.get(f"/q/{token}"), client.post(f"/q/{token}", data={"item_1": "3"})):
        assert response.status_code in (410, 400)
    page = text_of(client.get(f"/q/{token}"))
    assert "This link has expired, ask your practitioner" not in page  # the words below
    assert "This link has expired" in page
    assert "Ask your practitioner for a new one" in page
    assert "Go to lunch" not in page


def test_a_wrong_link_is_a_friendly_404(client, world):
    response = client.get("/q/not-a-real-token")
    assert response.status_code == 404
    assert "This link is not right" in text_of(response)


def test_form_errors_show_a_summary_and_keep_the_answers(world, client):
    """A first GBO online: a goal written but not rated is refused, with the summary,
    and what was typed is shown again."""
    world.measure_a1.answers[0].item_text = None
    db.session.commit()
    _, token = make_link(world)
    response = _answer(client, token, {"item_text_1": "Sleep better", "item_2": "4"})
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.select_one(".nhsuk-error-summary")
    assert soup.select_one("#item_text_1")["value"] == "Sleep better"
    assert soup.select_one("input[name=item_2][value='4']").has_attr("checked")
    assert count_records(world.case_a1) == 1


def test_an_answer_out_of_range_is_refused(world, client):
    _, token = make_link(world)
    response = _answer(client, token, {"item_1": "11"})
    assert response.status_code == 400
    assert "Choose an answer from the list" in text_of(response)


# ---- the practitioner's pages ---------------------------------------------------------


def test_the_practitioner_sends_a_link_by_text_and_the_outbox_shows_it(world, auth, client):
    auth.sign_in("emhp@test.example")
    url = f"/casework/cases/{world.case_a1.id}/questionnaires/send"
    form = client.get(url)
    assert form.status_code == 200
    assert 'value="Casey"' in form.get_data(as_text=True)
    token = re.search(r'name="submission_token"[^>]*value="([^"]+)"', form.get_data(as_text=True))
    data = {
        "measure": "GBO",
        "respondent": "parent_carer",
        "channel": "text",
        "mobile_number": "07700 900123",
        "email": "",
        "shown_name": "",
        "submission_token": token[1] if token else "",
    }
    response = auth.post(url, data)
    assert response.status_code == 302
    link = db.session.scalars(select(QuestionnaireLink)).one()
    assert link.channel is LinkChannel.TEXT
    assert link.sent_to == "…123"
    assert link.shown_name is None
    assert link.respondent is Respondent.PARENT_CARER
    listing = text_of(client.get(f"/casework/cases/{world.case_a1.id}/questionnaires"))
    assert "…123" in listing
    assert "Waiting" in listing
    outbox = client.get("/questionnaires/outbox").get_data(as_text=True)
    address = re.search(r"http://localhost/q/[A-Za-z0-9_-]+", outbox)[0]
    assert links.find(address.rsplit("/", 1)[1]).id == link.id


def test_a_qr_code_is_shown_once_with_the_link_as_text(world, auth, client):
    auth.sign_in("emhp@test.example")
    url = f"/casework/cases/{world.case_a1.id}/questionnaires/send"
    response = auth.post(
        url, {"measure": "GBO", "respondent": "child", "channel": "qr_code", "shown_name": "C"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<svg" in html
    token = re.search(r'<code id="questionnaire-link">http://localhost/q/([^<]+)</code>', html)[1]
    assert links.find(token) is not None


def test_send_form_errors_keep_what_was_typed(world, auth, client):
    auth.sign_in("emhp@test.example")
    url = f"/casework/cases/{world.case_a1.id}/questionnaires/send"
    response = auth.post(
        url, {"measure": "GBO", "respondent": "child", "channel": "text", "mobile_number": "12345"}
    )
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "Enter a UK mobile number" in soup.select_one(".nhsuk-error-summary").get_text()
    assert soup.select_one("#mobile_number")["value"] == "12345"
    assert db.session.scalar(select(func.count(QuestionnaireLink.id))) == 0


def test_the_practitioner_withdraws_a_link(world, auth, client):
    link, token = make_link(world)
    auth.sign_in("emhp@test.example")
    response = auth.post(f"/casework/cases/{world.case_a1.id}/questionnaires/{link.id}/withdraw")
    assert response.status_code == 302
    assert link.state() is LinkState.WITHDRAWN
    assert "This link has expired" in text_of(client.get(f"/q/{token}"))


def test_an_online_measure_is_marked_on_the_measures_page(world, auth, client):
    link, _ = make_link(world)
    links.answer(link.id, {1: 9})
    db.session.commit()
    auth.sign_in("emhp@test.example")
    page = text_of(client.get(f"/casework/cases/{world.case_a1.id}/measures"))
    assert "Completed by the young person online" in page


def test_the_list_of_links_runs_a_fixed_number_of_queries(world, auth, client, count_queries):
    auth.sign_in("emhp@test.example")
    url = f"/casework/cases/{world.case_a1.id}/questionnaires"

    def queries_for_page() -> int:
        before = len(count_queries())
        assert client.get(url).status_code == 200
        return len(count_queries()) - before

    make_link(world)
    at_one = queries_for_page()
    for _ in range(5):
        make_link(world)
    links.withdraw(make_link(world)[0], by=world.users[Role.EMHP])
    db.session.commit()
    assert queries_for_page() == at_one


def test_the_public_page_is_rate_limited_with_a_friendly_page(world, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "QUESTIONNAIRE_PAGE_RATE_LIMIT", "2 per hour")
    _, token = make_link(world)
    assert [client.get(f"/q/{token}").status_code for _ in range(2)] == [200, 200]
    refused = client.get(f"/q/{token}")
    assert refused.status_code == 429
    assert "Too many tries from your connection" in text_of(refused)
    assert "Go to lunch" not in text_of(refused)


def test_the_demo_has_a_waiting_link_shown_in_the_outbox(app, demo_data):
    from mhst.demo import load_demo_data

    load_demo_data()
    [link] = db.session.scalars(select(QuestionnaireLink)).all()
    assert link.state() is LinkState.WAITING
    assert link.baseline_record_id is not None
    assert re.search(r"/q/[A-Za-z0-9_-]{24}(?![A-Za-z0-9_-])", link.logged_text)
    child = link.referral.child
    assert child.family_name not in link.logged_text
    assert child.given_name not in link.logged_text


def test_the_childs_links_are_in_the_record_and_pseudonymised_and_deleted_with_it(world):
    """The privacy walk finds a child's links (export, erasure, retention): deleting the
    record deletes them; pseudonymising empties the number and the name shown but keeps
    the token's hash (unique: two links must not clash) and the measure's code."""
    from mhst.privacy import disposal, graph

    first, _ = make_link(world, channel="text", recipient="07700 900123")
    second, _ = make_link(world, shown_name="Cas")
    child_id = world.case_a1.child_id
    assert graph.collect([child_id]).ids("questionnaire_link") == {first.id, second.id}

    disposal.pseudonymise(graph.collect([child_id]))
    db.session.commit()
    db.session.expire_all()
    assert [(link.sent_to, link.shown_name) for link in (first, second)] == [(None, None)] * 2
    assert first.token_hash != second.token_hash
    assert first.measure_code == "GBO"

    graph.delete_records(graph.collect([child_id]))
    db.session.commit()
    assert db.session.scalar(select(func.count(QuestionnaireLink.id))) == 0
