"""Erasure on objection: before treatment starts, a child's whole record is deleted,
leaving one audit entry without personal data; once treatment has started it is refused
with the reasons. Administrators and clinical leads only, with a reason and a
confirmation page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.amendments.models import TextVersion
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.extensions import db
from mhst.notifications.models import Notification
from mhst.notifications.models import NotificationKind as K
from mhst.notifications.operations import notify
from mhst.outcomes.definitions import Respondent
from mhst.outcomes.models import MeasureRecord
from mhst.privacy import graph
from mhst.privacy.erasure import erase_on_objection, treatment_started
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import Referral, ReferralStatus, RiskItem
from mhst.sessions.change_models import SessionChange
from mhst.sessions.group_corrections import change_attendance
from mhst.sessions.group_models import GroupAttendance, GroupParticipant, GroupSession
from mhst.sessions.models import Attendance, CareContact, ContactMode, ContactStage
from tests.conftest import AuthActions
from tests.test_privacy_graph import amended

FAMILY = {
    "given_name": "Orla",
    "family_name": "Objector",
    "nhs_number": "4010234563",
    "parent_carer_name": "Petra Objector",
    "parent_carer_phone": "01632 960999",
    "parent_carer_email": "petra@objector.example",
}
PERSONAL = ["Orla", "Objector", "4010234563", "Petra", "01632 960999", "petra@objector"]


@pytest.fixture
def waiting(world, make_referral) -> Referral:
    """A referral with consent and a positive risk screen, waiting for triage."""
    return make_referral(
        world.school_a1,
        by=world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD],
        consent=True,
        risks=(RiskItem.SELF_HARM,),
        child=FAMILY,
    )


def _audit_text() -> str:
    rows = db.session.execute(select(AuditEvent.actor, AuditEvent.record_id, AuditEvent.detail))
    return "\n".join(" ".join(str(value) for value in row if value) for row in rows)


def test_erasing_deletes_every_row_of_the_record_and_leaves_one_entry_of_counts(world, waiting):
    child_id, referral_id = waiting.child_id, waiting.id
    born = waiting.child.date_of_birth
    lead, senior = world.users[Role.CLINICAL_LEAD], world.users[Role.SENIOR_CLINICIAN]
    notes = "Orla is safe today; Petra will call back."
    amended(waiting, AuditRecordType.REFERRAL, "risk_review_notes", senior, new_text=notes)
    before = graph.collect([child_id]).counts_with_links()
    assert (before["consent"], before["text_version"]) == (1, 2)
    assert before["notification"] >= 1  # the senior clinicians told of its arrival
    deleted = erase_on_objection(child_id, "The parent objected by phone.", by=lead)
    db.session.commit()
    assert deleted == before
    assert graph.collect([child_id]).counts_with_links() == {}
    assert db.session.get(Referral, referral_id) is None
    assert db.session.scalars(select(TextVersion)).all() == []
    erased = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == AuditAction.DELETE,
            AuditEvent.record_type == AuditRecordType.CHILD,
        )
    ).one()
    assert erased.record_id is None
    assert erased.detail.startswith("A child's record was erased on objection: 1 child's record")
    for part in ("1 referral,", "1 consent,", "referral events", "1 need", "1 risk screen answer"):
        assert part in erased.detail, part
    assert erased.detail.endswith("Reason: The parent objected by phone.")
    # The log's earlier entries about the record stay (append-only), with nothing personal.
    assert db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.record_id == str(referral_id))
    )
    text = _audit_text()
    for personal in [*PERSONAL, born.isoformat(), str(born.year) + "-"]:
        assert personal not in text, personal


def _rows(table) -> int:
    return db.session.scalar(select(func.count()).select_from(table))


def test_erasing_deletes_the_staff_notifications_linking_to_the_childs_referral(world, waiting):
    senior, emhp = world.users[Role.SENIOR_CLINICIAN], world.users[Role.EMHP]
    linking = select(Notification.id).where(
        Notification.endpoint == "referrals.show", Notification.record_id == waiting.id
    )
    told_of_arrival = db.session.scalars(linking.where(Notification.user_id == senior.id)).all()
    assert told_of_arrival  # "New referral R... from School A1"
    [other_child] = notify(
        [emhp], K.CASE_ALLOCATED, "Other", endpoint="referrals.show", record_id=world.case_a1.id
    )
    [school] = notify(  # a school's page whose id happens to be the referral's number
        [emhp], K.VISIT_BOOKED, "Visit", endpoint="schools.show", record_id=waiting.id
    )
    db.session.commit()
    erase_on_objection(waiting.child_id, "The parent objected.", by=world.users[Role.CLINICAL_LEAD])
    db.session.commit()
    assert db.session.scalars(linking).all() == []
    assert db.session.get(Notification, other_child.id) is not None
    assert db.session.get(Notification, school.id) is not None
    erased = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.action == AuditAction.DELETE,
            AuditEvent.record_type == AuditRecordType.CHILD,
        )
    ).one()
    assert f"{len(told_of_arrival)} staff notification" in erased


def test_the_other_childrens_records_are_untouched(world, waiting):
    counts = {t.name: _rows(t) for t in graph.tables()}
    mine = graph.collect([waiting.child_id]).counts()
    erase_on_objection(waiting.child_id, "Objected.", by=world.users[Role.ADMINISTRATOR])
    for table in graph.tables():
        assert _rows(table) == counts[table.name] - mine.get(table.name, 0), table.name


def _allocated(referral, world):
    db.session.add(
        Allocation(
            referral=referral,
            practitioner=world.users[Role.EMHP],
            allocated_by=world.users[Role.SENIOR_CLINICIAN],
            ended_at=utcnow(),
            end_reason="Reallocated",
        )
    )


def _session(referral, world, attendance):
    db.session.add(
        CareContact(
            referral=referral,
            practitioner=world.users[Role.EMHP],
            starts_at=utcnow() - timedelta(days=1),
            duration_minutes=30,
            stage=ContactStage.ASSESSMENT,
            mode=ContactMode.TELEPHONE,
            attendance=attendance,
            created_by=world.users[Role.EMHP],
        )
    )


def _group(referral, world, attended):
    group = world.group_a1
    participant = group.participants[0]
    participant.referral = referral
    session = GroupSession(group=group, held_on=service_today(), recorded_by_id=group.created_by_id)
    session.attendances = [GroupAttendance(participant=participant, attended=attended)]
    db.session.add(session)


def _measure(referral, world):
    db.session.add(
        MeasureRecord(
            referral=referral,
            measure_code="GBO",
            completed_on=service_today(),
            respondent=Respondent.CHILD,
            by_item=False,
            recorded_by=world.users[Role.EMHP],
        )
    )


STARTED = {
    "allocated once": (_allocated, "a practitioner has been allocated"),
    "attended a session": (
        lambda r, w: _session(r, w, Attendance.ATTENDED),
        "a 1:1 session was attended",
    ),
    "attended a group": (lambda r, w: _group(r, w, True), "a group was attended"),
    "a measure": (_measure, "an outcome measure was recorded"),
}


@pytest.mark.parametrize("started", list(STARTED))
def test_erasure_is_refused_once_treatment_has_started(started, world, waiting):
    make, reason = STARTED[started]
    make(waiting, world)
    db.session.flush()
    child_id = waiting.child_id
    with pytest.raises(RuleError, match=reason) as refused:
        erase_on_objection(child_id, "Objected.", by=world.users[Role.CLINICAL_LEAD])
    assert "cannot be erased because treatment has started" in refused.value.message
    assert graph.collect([child_id]).counts()["referral"] == 1


@pytest.mark.parametrize(
    "not_started",
    [
        lambda r, w: _session(r, w, Attendance.DID_NOT_ATTEND),
        lambda r, w: _session(r, w, Attendance.CANCELLED_BY_FAMILY),
        lambda r, w: _session(r, w, None),  # booked only
        lambda r, w: _group(r, w, False),
    ],
)
def test_a_session_missed_or_only_booked_is_not_treatment(not_started, world, waiting):
    not_started(waiting, world)
    db.session.flush()
    assert treatment_started(graph.collect([waiting.child_id])) == []


@pytest.mark.parametrize("status", list(ReferralStatus))
def test_which_statuses_mean_treatment_has_started(status, world, waiting):
    waiting.status = status
    db.session.flush()
    started = treatment_started(graph.collect([waiting.child_id]))
    in_treatment = status in {S.ALLOCATED, S.IN_TREATMENT, S.DISCHARGED}
    assert bool(started) is in_treatment


S = ReferralStatus


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Enter the reason"),
        ("Orla's mother objected", "must not name the child or their family"),
        ("Mrs OBJECTOR phoned", "must not name the child or their family"),
        ("Petra phoned", "must not name the child or their family"),
        ("NHS 401 023 4563 objected", "must not name the child or their family"),
        ("x" * 201, "200 characters or fewer"),
    ],
)
def test_the_reason_is_required_and_must_not_hold_the_familys_details(
    reason, message, world, waiting
):
    with pytest.raises(RuleError, match=message):
        erase_on_objection(waiting.child_id, reason, by=world.users[Role.CLINICAL_LEAD])


@pytest.fixture
def admin(world, client) -> AuthActions:
    auth = AuthActions(client)
    assert auth.sign_in(world.users[Role.ADMINISTRATOR].email).status_code == 302
    return auth


def test_erasing_through_the_pages_asks_for_a_reason_then_confirmation(admin, waiting):
    url = f"/privacy/children/{waiting.child_id}/erase"
    page = admin.client.get(url).get_data(as_text=True)
    assert "Erase the record of Orla Objector" in page
    assert "Consents" in page
    missing = admin.post(url, {"reason": ""})
    assert missing.status_code == 400
    assert "Enter the reason" in missing.get_data(as_text=True)
    named = admin.post(url, {"reason": "Orla does not want help"})
    assert named.status_code == 400
    assert "must not name the child" in named.get_data(as_text=True)
    confirm = admin.post(url, {"reason": "The family objected by email."})
    assert confirm.status_code == 200
    assert "Are you sure you want to erase the record of Orla Objector?" in confirm.get_data(
        as_text=True
    )
    assert graph.collect([waiting.child_id]).counts()["referral"] == 1  # not yet
    done = admin.post(url, {"reason": "The family objected by email.", "confirmed": "yes"})
    assert done.status_code == 302
    assert done.headers["Location"] == "/privacy/"
    assert "The child&#39;s record was erased: 1 child&#39;s record, 1 referral" in (
        admin.client.get("/privacy/").get_data(as_text=True)
    )
    assert admin.client.get(url).status_code == 404


def test_the_pages_refuse_once_treatment_has_started(admin, world):
    case = world.case_a1
    url = f"/privacy/children/{case.child_id}/erase"
    page = admin.client.get(url).get_data(as_text=True)
    assert "This record cannot be erased" in page
    assert "a practitioner has been allocated" in page
    assert '/erase" method="post"' not in page
    refused = admin.post(url, {"reason": "Objected.", "confirmed": "yes"})
    assert refused.status_code == 200
    assert db.session.get(Referral, case.id) is not None


def test_erasing_takes_the_childs_name_out_of_a_group_sessions_history(world, waiting):
    """A group session's attendance corrections list who came by name: the erased
    child's name goes, the other children's stay."""
    group, emhp = world.group_a1, world.users[Role.EMHP]
    casey = group.participants[0]
    orla = GroupParticipant(group=group, referral=waiting)
    session = GroupSession(group=group, held_on=service_today(), recorded_by_id=emhp.id)
    session.attendances = [
        GroupAttendance(participant=casey, attended=True),
        GroupAttendance(participant=orla, attended=True),
    ]
    db.session.add_all([orla, session])
    db.session.flush()
    change_attendance(
        session,
        attended_ids=[casey.id],
        head_count=None,
        reason="Orla was off sick that day",
        by=emhp,
        read_version=session.version,
    )
    db.session.flush()
    (change,) = db.session.scalars(select(SessionChange)).all()
    assert change.from_value == "Casey Allocated, Orla Objector"
    erase_on_objection(waiting.child_id, "Objected.", by=world.users[Role.CLINICAL_LEAD])
    db.session.expire_all()
    change = db.session.get(SessionChange, change.id)
    assert change.from_value == "Casey Allocated, a child whose record was erased"
    assert change.to_value == "Casey Allocated"
    assert change.reason == "[name removed] was off sick that day"
