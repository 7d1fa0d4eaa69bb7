"""The audit log records who did what to which record, when and from where; it is
append-only in the application and in the database; administrators can browse it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from mhst.accounts.models import Role
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.extensions import db


def test_record_takes_who_and_where_from_the_request(app, world):
    user = world.users[Role.EMHP]
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        event = audit.record(
            AuditAction.READ, AuditRecordType.REFERRAL, 42, user=user, detail="opened"
        )
        db.session.commit()
    stored = db.session.get(AuditEvent, event.id)
    assert (stored.user_id, stored.actor, stored.action) == (user.id, user.email, AuditAction.READ)
    assert (stored.record_type, stored.record_id) == ("referral", "42")
    assert stored.ip_address == "203.0.113.9"
    assert stored.detail == "opened"
    assert datetime.now(UTC) - stored.occurred_at < timedelta(minutes=1)


def test_a_record_type_is_an_audit_record_type_never_a_string(app, world):
    user = world.users[Role.EMHP]
    with pytest.raises(TypeError, match="AuditRecordType"):
        audit.record(AuditAction.READ, "referral", 1, user=user)
    with pytest.raises(TypeError, match="AuditRecordType"):
        audit.record_many("referral", [], user=user)
    with pytest.raises(TypeError, match="AuditRecordType"):
        audit.record_mixed([(AuditAction.READ, "referral", 1)], user=user)
    audit.record_mixed([(AuditAction.READ, AuditRecordType.CARE_CONTACT, 5)], user=user)
    db.session.flush()
    stored = db.session.scalars(select(AuditEvent).where(AuditEvent.record_id == "5")).one()
    assert stored.record_type is AuditRecordType.CARE_CONTACT


def test_record_types_are_stored_as_their_values_in_the_same_column(app, world):
    """The enum keeps the values written before it existed: old rows still read."""
    audit.record(AuditAction.READ, AuditRecordType.MEASURE_RECORD, 3, user=world.users[Role.EMHP])
    db.session.flush()
    stored = db.session.execute(
        text("SELECT record_type FROM audit_event WHERE record_id = '3'")
    ).scalar_one()
    assert stored == "measure_record"
    assert len(max(AuditRecordType, key=len)) <= 60  # VARCHAR(60)


def test_the_orm_refuses_to_change_or_delete_an_event(app, world):
    event = audit.record(AuditAction.READ, AuditRecordType.REFERRAL, 1, user=world.users[Role.EMHP])
    db.session.commit()
    event.detail = "rewritten"
    with pytest.raises(audit.AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(audit.AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event"],
)
def test_the_database_refuses_to_change_or_delete_an_event(statement, app, world):
    event = audit.record(AuditAction.READ, AuditRecordType.REFERRAL, 1, user=world.users[Role.EMHP])
    db.session.commit()
    actors_before = db.session.execute(select(AuditEvent.id, AuditEvent.actor)).all()
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement))
    assert db.session.execute(select(AuditEvent.id, AuditEvent.actor)).all() == actors_before
    assert (event.id, "emhp@test.example") in actors_before


@pytest.fixture
def admin_client(world, auth, client):
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    return client


def test_sign_ins_appear_in_the_log_page(world, admin_client):
    page = admin_client.get("/admin/audit-log/").get_data(as_text=True)
    assert "admin@test.example" in page
    assert "Sign in" in page


def test_filters_narrow_the_log(world, admin_client, auth):
    emhp = world.users[Role.EMHP]
    audit.record(AuditAction.READ, AuditRecordType.REFERRAL, 7, user=emhp)
    audit.record(AuditAction.UPDATE, AuditRecordType.REFERRAL, 8, user=emhp)
    db.session.commit()
    page = admin_client.get("/admin/audit-log/?action=read&actor=EMHP@").get_data(as_text=True)
    assert "referral 7" in page
    assert "referral 8" not in page
    page = admin_client.get("/admin/audit-log/?record_type=referral&record_id=8").get_data(
        as_text=True
    )
    assert "referral 8" in page
    assert "referral 7" not in page
    today = datetime.now(UTC).date().isoformat()
    page = admin_client.get(f"/admin/audit-log/?from={today}&to={today}").get_data(as_text=True)
    assert "referral 7" in page
    page = admin_client.get("/admin/audit-log/?to=2000-01-01").get_data(as_text=True)
    assert "No entries match these filters" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?from=yesterday", "Enter the from date as YYYY-MM-DD"),
        ("?to=2026-13-45", "Enter the to date as YYYY-MM-DD"),
        ("?from=2026-11-02&to=2026-11-01", "must be the same as or after"),
        ("?action=hack", "Select an action from the list"),
        ("?record_type=hack", "Select a record type from the list"),
    ],
)
def test_bad_filters_get_a_clear_message(world, admin_client, query, message):
    response = admin_client.get("/admin/audit-log/" + query)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_the_record_type_filter_lists_every_type_by_its_label(world, admin_client):
    page = admin_client.get("/admin/audit-log/?record_type=care_contact").get_data(as_text=True)
    options = re.findall(r'<option value="(\w*)"( selected)?>([^<]*)</option>', page)
    record_types = {value: (selected, text) for value, selected, text in options if value}
    assert record_types["care_contact"] == (" selected", "Care contact (1:1 session)")
    assert {t.value for t in AuditRecordType} <= set(record_types)


def test_actor_filter_treats_wildcards_as_text(world, admin_client):
    response = admin_client.get("/admin/audit-log/?actor=%25")
    assert response.status_code == 200
    assert "No entries match these filters" in response.get_data(as_text=True)
