"""The demo's invented history, loaded once: every story's referral and casework, the
teams' groups, supervision and whole-school activities, played in the order they
happened (see :mod:`mhst.demo.plan`). Nothing is added if any referral exists."""

from __future__ import annotations

from sqlalchemy import func, select

from mhst.demo.casework import Diary, add_case_steps
from mhst.demo.online import add_online_self_referral_steps
from mhst.demo.plan import Plan
from mhst.demo.questionnaires import load_questionnaire_link
from mhst.demo.referrals import Cast, add_referral_steps
from mhst.demo.reminders import load_reminders
from mhst.demo.stories import CITY_NORTH
from mhst.demo.team_stories import TEAM_STORIES
from mhst.demo.teamwork import add_teamwork_steps
from mhst.demo.today import add_todays_sessions
from mhst.extensions import db
from mhst.referrals.models import Referral

STORIES = (*CITY_NORTH, *TEAM_STORIES)


def load_history() -> None:
    if db.session.scalar(select(func.count(Referral.id))):
        return
    cast = Cast.load()
    plan, diary = Plan(), Diary()
    for number, story in enumerate(STORIES):
        add_referral_steps(plan, cast, story)
        add_case_steps(plan, cast, story, diary, number)
    add_teamwork_steps(plan, cast)
    add_online_self_referral_steps(plan, cast)
    plan.play()
    add_todays_sessions(cast, diary)
    db.session.flush()
    load_reminders()
    load_questionnaire_link()
