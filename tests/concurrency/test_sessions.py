"""Sessions under two real simultaneous requests: a practitioner booked twice for one
time, a group given two sessions on one date, and one "log a session" form sent twice at
the same moment. Each gives one success and one clear refusal (or the same record), and
nothing is lost."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals import operations as referral_operations
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import ReferralStatus
from mhst.sessions.group_models import GroupSession
from mhst.sessions.models import CareContact
from tests.concurrency.client import simultaneously
from tests.conftest import new_referral, school_day

EMHP, SENIOR = "emhp@test.example", "senior@test.example"


def _open_case(live, given_name: str) -> int:
    """A consented case received 60 days ago, allocated to the world's EMHP."""

    def make() -> int:
        world = live.world()
        emhp, senior = world.users[Role.EMHP], world.users[Role.SENIOR_CLINICIAN]
        referral = new_referral(
            world.school_a2,
            by=emhp,
            consent=True,
            child={"given_name": given_name, "family_name": "Concurrent"},
            received_on=service_today() - timedelta(days=60),
        )
        referral_operations.triage(referral, ReferralStatus.ACCEPTED, by=senior, reason=None)
        referral_operations.transition(referral, ReferralStatus.ALLOCATED, by=senior)
        db.session.add(Allocation(referral=referral, practitioner=emhp, allocated_by=senior))
        db.session.commit()
        return referral.id

    return live.run(make)


def _date(name: str, day) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def _room_12(live) -> str:
    return str(live.run(lambda: live.world().room_a2.id))


def _session_form(page, day, room_id: str = "", **changes) -> dict[str, str]:
    return {
        "submission_token": page.hidden("submission_token"),
        **_date("session_date", day),
        "start_time": "10:00",
        "duration_minutes": "45",
        "stage": "assessment",
        "mode": "face_to_face_school",
        "location": "Room 12",
        "room_id": room_id,
        "pathway": "",
        **changes,
    }


def _contacts(case_ids: list[int]) -> list[tuple[int, object]]:
    return list(
        db.session.execute(
            select(CareContact.referral_id, CareContact.starts_at).where(
                CareContact.referral_id.in_(case_ids)
            )
        ).all()
    )


def test_two_bookings_of_one_practitioner_at_one_time_keep_one(live):
    cases = [_open_case(live, "Booking"), _open_case(live, "Clashing")]
    first, second = live.client(EMHP), live.client(EMHP)
    paths = [f"/casework/cases/{case}/sessions/book" for case in cases]
    pages = [first.get(paths[0]), second.get(paths[1])]
    day = school_day(30)
    # By video: only the practitioner's time is contended (rooms have their own test).
    replies = simultaneously(
        lambda: first.post(
            paths[0], _session_form(pages[0], day, mode="video"), token_from=pages[0]
        ),
        lambda: second.post(
            paths[1], _session_form(pages[1], day, mode="video"), token_from=pages[1]
        ),
    )
    assert sorted(reply.status for reply in replies) == [302, 400], [r.status for r in replies]
    refused = next(reply for reply in replies if reply.status == 400)
    assert "You already have a session from 10:00 to 10:45" in refused.text
    kept = live.run(_contacts, cases)
    assert len(kept) == 1  # one booking, at that time, for whichever case got there first
    booked = cases[0] if replies[0].status == 302 else cases[1]
    assert kept[0][0] == booked


def test_two_bookings_of_one_room_at_one_time_keep_one(live):
    """Two practitioners book one room for the same time: the room's row lock makes the
    second check wait for the first booking, then refuse."""
    cases = [_open_case(live, "Roomfirst"), _open_case(live, "Roomsecond")]
    emhp, senior = live.client(EMHP), live.client(SENIOR)
    paths = [f"/casework/cases/{case}/sessions/book" for case in cases]
    pages = [emhp.get(paths[0]), senior.get(paths[1])]
    day, room = school_day(30), _room_12(live)

    def form(page) -> dict[str, str]:
        return _session_form(page, day, room, start_time="13:00")

    replies = simultaneously(
        lambda: emhp.post(paths[0], form(pages[0]), token_from=pages[0]),
        lambda: senior.post(paths[1], form(pages[1]), token_from=pages[1]),
    )
    assert sorted(reply.status for reply in replies) == [302, 400], [r.status for r in replies]
    refused = next(reply for reply in replies if reply.status == 400)
    assert "Room 12 is already booked from 13:00 to 13:45" in refused.text
    winner = "Roomfirst" if replies[0].status == 302 else "Roomsecond"
    assert winner not in refused.text  # the other child is never named
    assert len(live.run(_contacts, cases)) == 1


def test_two_group_sessions_on_one_date_keep_one(live):
    group_id = live.run(lambda: live.world().group_a1.id)
    emhp, senior = live.client(EMHP), live.client(SENIOR)
    path = f"/groups/{group_id}/sessions/new"
    pages = [emhp.get(path), senior.get(path)]
    day = service_today() - timedelta(days=2)

    def form(page, topic: str) -> dict[str, str]:
        return {
            "submission_token": page.hidden("submission_token"),
            **_date("held_on", day),
            "topic": topic,
        }

    replies = simultaneously(
        lambda: emhp.post(path, form(pages[0], "By the EMHP"), token_from=pages[0]),
        lambda: senior.post(path, form(pages[1], "By the senior"), token_from=pages[1]),
    )
    assert sorted(reply.status for reply in replies) == [302, 400], [r.status for r in replies]
    refused = next(reply for reply in replies if reply.status == 400)
    assert "has already been recorded for this group" in refused.text
    topics = live.run(
        lambda: db.session.scalars(
            select(GroupSession.topic).where(
                GroupSession.group_id == group_id, GroupSession.held_on == day
            )
        ).all()
    )
    assert topics == ["By the EMHP" if replies[0].status == 302 else "By the senior"]


def test_a_log_form_sent_twice_at_the_same_moment_makes_one_session(live):
    case = _open_case(live, "Doubleclick")
    client = live.client(EMHP)
    path = f"/casework/cases/{case}/sessions/log"
    page = client.get(path)
    data = _session_form(
        page,
        service_today() - timedelta(days=1),
        start_time="15:00",
        attendance="attended",
        who_attended="child",
        clinical_notes="Worked on the worry ladder",
        new_risk="no",
        risk_update="",
    )
    replies = simultaneously(
        lambda: client.post(path, data, token_from=page),
        lambda: client.post(path, data, token_from=page),
    )
    assert [reply.status for reply in replies] == [302, 302]
    assert replies[0].location == replies[1].location  # both sent to the one session
    assert (
        live.run(
            lambda: db.session.scalar(
                select(func.count()).select_from(CareContact).where(CareContact.referral_id == case)
            )
        )
        == 1
    )
