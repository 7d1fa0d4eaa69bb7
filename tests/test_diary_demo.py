"""The demo data shows a working day: the demo EMHP (Jordan Patel) has sessions today,
whatever the time the demo is loaded (``mhst.demo.today``), and their group's sessions
were recorded at their time and room, so the diaries place them."""

from __future__ import annotations

from sqlalchemy import select

from mhst.accounts.models import User
from mhst.diary.today import todays_sessions
from mhst.extensions import db
from mhst.sessions.group_models import GroupProgramme, GroupSession


def test_the_demo_emhp_has_sessions_today(app, demo_data):
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        jordan = db.session.scalars(select(User).where(User.email == "emhp@mhst.example")).one()
        today = todays_sessions(jordan)
        names = [row.contact.referral.child.full_name for row in today.sessions]
        assert "Zara Quennell" in names
        assert all(row.named for row in today.sessions)

        worry = (
            select(GroupSession).join(GroupProgramme).where(GroupProgramme.title == "Worry busters")
        )
        sessions = db.session.scalars(worry).all()
        assert len(sessions) == 2
        assert {(s.duration_minutes, s.room.name) for s in sessions} == {(45, "Wellbeing room")}
        assert all(s.timed for s in sessions)
