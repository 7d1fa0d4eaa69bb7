"""Lists at national size (issue 14): keyset pages on the referral list, the waiting
list, the school register and the audit log; the clinical lead's filters; one audit
entry per list page, still found by "who read this record"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from mhst.accounts.models import Role
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.privacy import graph
from mhst.referrals import operations, summary
from mhst.referrals.models import ReferralStatus
from mhst.schools.models import ParticipationStatus
from tests.test_referral_pages import listed_names, soup_of, text_of
from tests.test_waiting_list import references


def _links(response) -> dict[str, str]:
    """The pagination's links by what they say: First, Previous, Next, Last."""
    found = {}
    for link in soup_of(response).select(".nhsuk-pagination a"):
        label = link.get("aria-label") or link.get_text(" ", strip=True)
        found[label.split()[0]] = link["href"]
    return found


def _queries(client, count_queries, url) -> tuple[int, object]:
    before = len(count_queries())
    response = client.get(url)
    assert response.status_code == 200
    return len(count_queries()) - before, response


@pytest.fixture
def many_referrals(world, make_referral):
    """27 referrals of school A1 (team A), one received each day, and one of team B."""
    senior = world.users[Role.SENIOR_CLINICIAN]
    made = [
        make_referral(
            world.school_a1,
            by=senior,
            received_on=service_today() - timedelta(days=n),
            child={"given_name": f"Paged{n:02d}", "family_name": "Invented"},
        )
        for n in range(27)
    ]
    other = make_referral(world.school_b1, by=senior, child={"given_name": "Elsewhere"})
    return made, other


def test_the_referral_list_walks_every_page_once_with_constant_queries(
    world, many_referrals, auth, client, count_queries
):
    auth.sign_in(world.users[Role.EMHP].email)
    first_count, response = _queries(client, count_queries, "/referrals/")
    seen = listed_names(response)
    assert len(seen) == 25
    assert set(_links(response)) == {"Next", "Last"}
    next_count, response = _queries(client, count_queries, _links(response)["Next"])
    seen += listed_names(response)
    assert set(_links(response)) == {"First", "Previous"}
    assert len(seen) == len(set(seen)) == 29  # 27 made + the world's two in team A
    assert "before=" in _links(response)["Previous"]  # a row's id, nothing personal
    last_count, last = _queries(client, count_queries, "/referrals/?page=last")
    assert listed_names(last) == seen[-25:]
    assert first_count == next_count == last_count  # no OFFSET, no COUNT(*): fixed cost


@pytest.mark.parametrize(
    "cursor", ["after=abc", "before=-3", "after=" + "9" * 30, "after=2147483648", "page=x"]
)
def test_a_bad_cursor_shows_the_first_page(cursor, world, many_referrals, auth, client):
    auth.sign_in(world.users[Role.EMHP].email)
    first = listed_names(client.get("/referrals/"))
    response = client.get(f"/referrals/?{cursor}")
    assert response.status_code == 200
    assert listed_names(response) == first


def test_another_teams_referral_as_a_cursor_reveals_nothing(world, many_referrals, auth, client):
    _made, other = many_referrals
    auth.sign_in(world.users[Role.EMHP].email)
    first = listed_names(client.get("/referrals/"))
    for cursor in ("after", "before"):
        response = client.get(f"/referrals/?{cursor}={other.id}")
        assert response.status_code == 200
        assert listed_names(response) == first  # the same as an id that does not exist
        assert "Elsewhere" not in text_of(response)


def test_a_clinical_lead_filters_by_area_team_and_school_search(
    world, many_referrals, auth, client
):
    auth.sign_in(world.users[Role.CLINICAL_LEAD].email)
    response = client.get("/referrals/")
    soup = soup_of(response)
    assert soup.select_one("select#school") is None  # never a select of every school
    assert [o.get_text() for o in soup.select("#area option")][1:] == ["North Area", "South Area"]
    response = client.get(f"/referrals/?area={world.area_b.id}")
    assert [name.split()[0] for name in listed_names(response)] == ["Elsewhere"]
    # The team select offers the chosen area's teams.
    assert [o.get_text() for o in soup_of(response).select("#team option")][1:] == ["Team B"]
    response = client.get(f"/referrals/?team={world.team_b.id}")
    assert [name.split()[0] for name in listed_names(response)] == ["Elsewhere"]
    response = client.get(f"/referrals/?school_q={world.school_b1.urn}")
    assert [name.split()[0] for name in listed_names(response)] == ["Elsewhere"]
    response = client.get("/referrals/?school_q=b1")  # part of the name, any case
    assert [name.split()[0] for name in listed_names(response)] == ["Elsewhere"]
    response = client.get("/referrals/?school_q=%25")  # a wildcard is a character
    assert response.status_code == 200
    assert listed_names(response) == []


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("area=abc", "area", "Select an area from the list"),
        ("area=999999", "area", "Select an area from the list"),
        ("team=1%20OR%201=1", "team", "Select a team from the list"),
    ],
)
def test_a_clinical_leads_bad_filter_is_a_clear_400(query, field, message, world, auth, client):
    auth.sign_in(world.users[Role.CLINICAL_LEAD].email)
    response = client.get(f"/referrals/?{query}")
    assert response.status_code == 400
    link = soup_of(response).select_one(f".nhsuk-error-summary a[href='#{field}']")
    assert link.get_text(strip=True) == message


def test_one_list_page_is_one_audit_entry_found_by_record(world, many_referrals, auth, client):
    made, _other = many_referrals
    emhp = world.users[Role.EMHP]
    auth.sign_in(emhp.email)
    earlier = db.session.scalar(select(db.func.max(AuditEvent.id)))
    client.get("/referrals/?page=last")
    reads = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.id > earlier,
            AuditEvent.user_id == emhp.id,
            AuditEvent.record_type == AuditRecordType.REFERRAL,
        )
    ).all()
    assert len(reads) == 1
    assert len(reads[0].record_ids) == 25
    oldest = made[-1]
    # The audit log's "Record ID" filter and a subject access request's audit both find it.
    found = db.session.scalars(
        select(AuditEvent.id).where(
            AuditEvent.record_type == AuditRecordType.REFERRAL, audit.names_record(oldest.id)
        )
    ).all()
    assert reads[0].id in found
    records = graph.collect([oldest.child_id], with_audit=True)
    assert reads[0].id in {event["id"] for event in records.audit_events}


def test_the_audit_log_filter_finds_list_reads(world, auth, client):
    admin = world.users[Role.ADMINISTRATOR]
    audit.record_many(
        AuditRecordType.REFERRAL, [(AuditAction.READ, i) for i in (41, 412, 4123)], user=admin
    )
    db.session.commit()
    auth.sign_in(admin.email)
    response = client.get("/admin/audit-log/?record_type=referral&record_id=412")
    rows = BeautifulSoup(response.text, "html.parser").select("tbody tr")
    assert [row.select("td")[3].get_text(strip=True) for row in rows] == ["referral 41, 412, 4123"]
    response = client.get("/admin/audit-log/?record_type=referral&record_id=12")
    assert "No entries match these filters." in text_of(response)  # 412 is not 12


def test_the_audit_log_pages_cost_the_same_first_and_last(world, auth, client, count_queries):
    admin = world.users[Role.ADMINISTRATOR]
    for n in range(120):
        audit.record(AuditAction.READ, AuditRecordType.SCHOOL, n, user=admin)
    db.session.commit()
    auth.sign_in(admin.email)
    first_count, first = _queries(client, count_queries, "/admin/audit-log/")
    last_count, last = _queries(client, count_queries, "/admin/audit-log/?page=last")
    assert first_count == last_count
    assert set(_links(first)) == {"Next", "Last"}
    assert set(_links(last)) == {"First", "Previous"}
    newest = text_of(first)
    assert "school 119" in newest
    assert "school 119" not in text_of(last)


def test_a_list_event_cannot_be_changed(app, world):
    audit.record_many(
        AuditRecordType.REFERRAL,
        [(AuditAction.READ, i) for i in (1, 2)],
        user=world.users[Role.EMHP],
    )
    db.session.flush()
    for statement in ("UPDATE audit_event SET record_ids = NULL", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(text(statement))


def test_many_records_are_one_event_per_thousand(app, world):
    admin = world.users[Role.ADMINISTRATOR]
    before = db.session.scalar(select(db.func.count(AuditEvent.id)))
    audit.record_many(
        AuditRecordType.REFERRAL, [(AuditAction.EXPORT, i) for i in range(2500)], user=admin
    )
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(3)).all()
    assert db.session.scalar(select(db.func.count(AuditEvent.id))) == before + 3
    assert sorted(len(event.record_ids) for event in events) == [500, 1000, 1000]


def test_the_waiting_list_pages_and_filters_by_area(
    world, make_referral, auth, client, count_queries
):
    senior = world.users[Role.SENIOR_CLINICIAN]
    for school in (world.school_a1, world.school_b1):
        school.participation_status = ParticipationStatus.ACTIVE
    for n in range(53):
        school = world.school_b1 if n == 0 else world.school_a1
        referral = make_referral(
            school, by=senior, consent=True, received_on=service_today() - timedelta(days=n)
        )
        operations.triage(referral, ReferralStatus.ACCEPTED, by=senior, reason=None)
    db.session.commit()
    auth.sign_in(world.users[Role.CLINICAL_LEAD].email)
    first_count, first = _queries(client, count_queries, "/referrals/waiting-list")
    assert len(references(first)) == 50
    assert "53 waiting, 25 over 4 weeks" in text_of(first)
    last_count, _last = _queries(client, count_queries, "/referrals/waiting-list?page=last")
    assert first_count == last_count
    after = client.get(_links(first)["Next"])
    assert set(references(first)).isdisjoint(references(after))
    assert len(references(after)) == 3
    response = client.get(f"/referrals/waiting-list?area={world.area_b.id}")
    assert len(references(response)) == 1
    assert "1 waiting, 0 over 4 weeks" in text_of(response)


def test_a_clinical_leads_home_counts_are_bounded(world, many_referrals, auth, client, monkeypatch):
    monkeypatch.setattr(summary, "BOUND", 20)
    auth.sign_in(world.users[Role.CLINICAL_LEAD].email)
    assert "(more than 20 open)" in text_of(client.get("/"))
    auth.sign_out()
    auth.sign_in(world.users[Role.EMHP].email)
    assert "(29 open)" in text_of(client.get("/"))  # a team's count stays exact


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.ADMINISTRATOR, "/admin/audit-log/"),
        (Role.ADMINISTRATOR, "/admin/users/"),
        (Role.ADMINISTRATOR, "/admin/interest"),
        (Role.ADMINISTRATOR, "/schools/"),
        (Role.CLINICAL_LEAD, "/referrals/waiting-list"),
        (Role.CLINICAL_LEAD, "/referrals/"),
    ],
)
@pytest.mark.parametrize(
    "cursor", ["after=x", "before=%C2%B2", "after=2147483648", "before=1", "page=last&after=1"]
)
def test_every_keyset_list_takes_any_cursor(role, path, cursor, world, auth, client):
    auth.sign_in(world.users[role].email)
    first = client.get(path)
    response = client.get(f"{path}?{cursor}")
    assert first.status_code == response.status_code == 200
