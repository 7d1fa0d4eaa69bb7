"""Group sessions are corrected leaving history: the date corrected, who came changed, a
session deleted as entered in error (kept, counted nowhere, its date free again); one
session per group per date, held by a rule and a partial unique index; stale corrections
refused; the create forms sent twice make one record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mhst.core.rules import RuleError
from mhst.core.time import service_today
from mhst.core.versions import StaleEdit
from mhst.extensions import db
from mhst.sessions import group_access
from mhst.sessions import group_corrections as corrections
from mhst.sessions import group_operations as operations
from mhst.sessions.change_models import ChangeKind, SessionChange
from mhst.sessions.group_models import (
    GroupAttendance,
    GroupKind,
    GroupParticipant,
    GroupProgramme,
    GroupSession,
)
from tests import test_groups
from tests.test_groups import details, group_form

# The group tests' fixtures: the EMHP, their group, its three participants, referrals.
emhp, group, three = test_groups.emhp, test_groups.group, test_groups.three
open_referral, senior, signed_in = (
    test_groups.open_referral,
    test_groups.senior,
    test_groups.signed_in,
)

TODAY = service_today()
YESTERDAY = TODAY - timedelta(days=1)


def text_of(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ", strip=True)


def _session(group, emhp, held_on=YESTERDAY, attended=()) -> GroupSession:
    session = operations.record_session(
        group, held_on=held_on, topic="Worry ladders", attended_ids=set(attended), by=emhp
    )
    db.session.commit()
    return session


def _changes(session) -> list[SessionChange]:
    return list(
        db.session.scalars(
            select(SessionChange)
            .where(SessionChange.group_session_id == session.id)
            .order_by(SessionChange.id)
        )
    )


def _came(session) -> dict[int, bool]:
    return dict(
        db.session.execute(
            select(GroupAttendance.participant_id, GroupAttendance.attended).where(
                GroupAttendance.session_id == session.id
            )
        ).all()
    )


def test_correcting_the_date_leaves_history_and_keeps_one_session_per_date(emhp, group, three):
    first = _session(group, emhp, held_on=YESTERDAY)
    other = _session(group, emhp, held_on=TODAY - timedelta(days=3))
    with pytest.raises(RuleError, match="already been recorded for this group"):
        corrections.correct_date(
            other, held_on=YESTERDAY, reason="Typo", by=emhp, read_version=other.version
        )
    db.session.rollback()
    with pytest.raises(RuleError, match="today or in the past"):
        corrections.correct_date(
            other, held_on=TODAY + timedelta(days=1), reason="x", by=emhp, read_version=1
        )
    db.session.rollback()
    corrections.correct_date(
        other,
        held_on=TODAY - timedelta(days=2),
        reason="Ran a day later",
        by=emhp,
        read_version=other.version,
    )
    db.session.commit()
    assert db.session.get(GroupSession, other.id).held_on == TODAY - timedelta(days=2)
    [change] = _changes(other)
    assert change.kind is ChangeKind.DATE_CORRECTED
    assert change.reason == "Ran a day later"
    assert first.held_on == YESTERDAY


def test_the_database_refuses_a_second_session_on_one_date(world, emhp, group):
    for _ in range(2):
        db.session.add(GroupSession(group=group, held_on=YESTERDAY, recorded_by_id=emhp.id))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_changing_who_came_needs_a_reason_and_leaves_history(emhp, group, three):
    session = _session(group, emhp, attended={three[0].id})
    with pytest.raises(RuleError, match="Change who came"):
        corrections.change_attendance(
            session,
            attended_ids={three[0].id},
            head_count=None,
            reason="Same",
            by=emhp,
            read_version=session.version,
        )
    db.session.rollback()
    with pytest.raises(RuleError, match="Enter why"):
        corrections.change_attendance(
            session,
            attended_ids={three[1].id},
            head_count=None,
            reason="",
            by=emhp,
            read_version=session.version,
        )
    db.session.rollback()
    read = session.version
    corrections.change_attendance(
        session,
        attended_ids={three[1].id, three[2].id},
        head_count=None,
        reason="Ticked the wrong name",
        by=emhp,
        read_version=read,
    )
    db.session.commit()
    assert _came(session) == {three[0].id: False, three[1].id: True, three[2].id: True}
    [change] = _changes(session)
    assert change.from_value == "Ada Invented"
    assert change.to_value == "Ben Invented, Casey Allocated"
    assert db.session.get(GroupSession, session.id).version == read + 1
    # A change made on the version read before is stale: refused, the first kept.
    with pytest.raises(StaleEdit) as refused:
        corrections.change_attendance(
            session,
            attended_ids={three[0].id},
            head_count=None,
            reason="Mine",
            by=emhp,
            read_version=read,
        )
    assert refused.value.changes[0].saved == "Ben Invented, Casey Allocated"


def test_a_universal_groups_head_count_is_corrected(world, emhp):
    universal = operations.create_group(
        details(world, title="Exam stress", kind=GroupKind.UNIVERSAL), by=emhp
    )
    session = operations.record_session(
        universal, held_on=YESTERDAY, topic=None, head_count=12, by=emhp
    )
    db.session.commit()
    corrections.change_attendance(
        session,
        attended_ids=(),
        head_count=21,
        reason="Counted one class twice",
        by=emhp,
        read_version=session.version,
    )
    db.session.commit()
    assert db.session.get(GroupSession, session.id).head_count == 21
    [change] = _changes(session)
    assert (change.from_value, change.to_value) == ("Head count 12", "Head count 21")


def test_a_session_entered_in_error_counts_nowhere_and_frees_its_date(emhp, group, three):
    everyone = {p.id for p in three}
    kept = _session(group, emhp, held_on=TODAY - timedelta(days=3), attended=everyone)
    wrong = _session(group, emhp, held_on=YESTERDAY, attended=everyone)
    assert group_access.counts_towards_access(group)
    corrections.enter_in_error(wrong, reason="Wrong group", by=emhp, read_version=wrong.version)
    db.session.commit()
    assert db.session.get(GroupSession, wrong.id).in_error  # kept, marked
    tally = group_access.group_tallies([group])[group.id]
    assert (tally.sessions_held, tally.sessions_counted) == (1, 1)
    assert not group_access.counts_towards_access(group)
    again = _session(group, emhp, held_on=YESTERDAY, attended=everyone)  # the date is free
    assert again.id != wrong.id
    assert kept.id
    with pytest.raises(RuleError, match="deleted as entered in error"):
        corrections.enter_in_error(wrong, reason="Again", by=emhp, read_version=wrong.version)


# ---- the pages -------------------------------------------------------------------------


def _date(prefix: str, value) -> dict[str, str]:
    return {
        f"{prefix}-day": str(value.day),
        f"{prefix}-month": str(value.month),
        f"{prefix}-year": str(value.year),
    }


def test_the_session_page_corrects_and_shows_its_history(
    emhp, group, three, signed_in, auth, client
):
    signed_in(emhp)
    session = _session(group, emhp, attended={three[0].id})
    page = client.get(f"/groups/{group.id}")
    assert f"/groups/{group.id}/sessions/{session.id}" in page.get_data(as_text=True)
    base = f"/groups/{group.id}/sessions/{session.id}"
    assert client.get(base).status_code == 200
    response = auth.post(
        f"{base}/attendance",
        {"attended": [str(three[1].id)], "reason": "Wrong name", "version": "1"},
    )
    assert response.status_code == 302
    stale = auth.post(
        f"{base}/date",
        {**_date("held_on", TODAY - timedelta(days=4)), "reason": "Typo", "version": "1"},
    )
    assert stale.status_code == 400
    assert "Someone else changed" in text_of(stale)
    response = auth.post(f"{base}/delete", {"reason": "Wrong group", "version": "2"})
    assert response.status_code == 302
    page = text_of(client.get(base))
    assert "Entered in error" in page
    for text in ("Wrong name", "Wrong group", "Attendance changed", "Deleted: entered in error"):
        assert text in page
    assert "Sessions entered in error" in text_of(client.get(f"/groups/{group.id}"))


def test_the_session_form_sent_twice_records_one_session(
    emhp, group, three, signed_in, auth, client
):
    signed_in(emhp)
    page = client.get(f"/groups/{group.id}/sessions/new")
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    token = soup.select_one("input[name=submission_token]")["value"]
    data = {**_date("held_on", YESTERDAY), "topic": "x", "submission_token": token}
    replies = [auth.post(f"/groups/{group.id}/sessions/new", data) for _ in range(2)]
    assert [r.status_code for r in replies] == [302, 302]
    assert db.session.scalar(select(func.count()).where(GroupSession.group_id == group.id)) == 1


def test_the_new_group_and_participant_forms_sent_twice_make_one_record(
    world, emhp, group, signed_in, auth, client
):
    signed_in(emhp)
    before = db.session.scalar(select(func.count()).select_from(GroupProgramme))
    data = {
        **group_form(world, title="Once only"),
        "submission_token": "5" * 8 + "-1111-4111-8111-" + "1" * 12,
    }
    first, second = (auth.post("/groups/new", data) for _ in range(2))
    assert (first.status_code, second.status_code) == (302, 302)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(GroupProgramme)) == before + 1
    referral = world.case_a1  # one the form offers
    token = {"submission_token": "6" * 8 + "-1111-4111-8111-" + "1" * 12}
    for _ in range(2):
        reply = auth.post(
            f"/groups/{group.id}/participants", {"referral_id": str(referral.id), **token}
        )
        assert reply.status_code == 302, text_of(reply)[-400:]
    assert db.session.scalar(select(func.count()).where(GroupParticipant.group_id == group.id)) == 1
