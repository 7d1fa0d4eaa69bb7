"""Walking the online self-referral with the test client: the answers of each page, for
a parent or a young person (shared by the self-referral tests)."""

from __future__ import annotations

import re
from datetime import date

from mhst.core.time import service_today
from mhst.extensions import db
from mhst.schools.models import ParticipationStatus, School
from tests.conftest import csrf_token_from

BASE = "/self-referral"


def active_school_a1(world) -> School:
    """School A1 made a participating, active school: the only kind the form offers."""
    world.school_a1.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    return world.school_a1


def born_aged(age: int, today: date | None = None) -> date:
    """Born on 1 January: ``age`` whole years old whatever today is."""
    return date((today or service_today()).year - age, 1, 1)


def dob_fields(born: date) -> dict:
    return {
        "date_of_birth-day": str(born.day),
        "date_of_birth-month": str(born.month),
        "date_of_birth-year": str(born.year),
    }


def answers_for(
    school_id: int,
    *,
    referrer: str = "parent_carer",
    age: int = 9,
    keep_from_parents: str = "no",
    risks=("none",),
) -> list[tuple[str, dict]]:
    """Each page's name and the answers typed on it, in order, for this referral."""
    pages = [
        ("who", {"referrer": referrer}),
        ("school", {"school_id": str(school_id), "q": "School"}),
        ("name", {"given_name": "Robin", "family_name": "Selfref"}),
        ("date-of-birth", dob_fields(born_aged(age))),
        ("about", {"gender": "not_stated", "year_group": "year_9"}),
    ]
    young = referrer == "young_person"
    if young and 12 <= age <= 15:
        pages.append(("parents", {"keep_from_parents": keep_from_parents}))
    if not young or (age < 16 and keep_from_parents != "yes"):
        pages.append(
            (
                "parent",
                {
                    "parent_carer_name": "Jo Selfref",
                    "parent_carer_relationship": "Mum",
                    "parent_carer_phone": "01632 960111",
                },
            )
        )
    if young:
        pages.append(("contact", {"contact_phone": "07700 900111"}))
    else:
        pages.append(("agrees", {"child_agrees": "yes"}))
    pages += [
        ("needs", {"needs": ["worry"]}),
        ("what-happened", {"needs_detail": "Worries every morning before school."}),
        ("how-long", {"duration": "one_to_three_months"}),
        ("impact", {"impact": "quite_a_lot"}),
        ("tried", {"already_tried": "Talking to a teacher."}),
        ("risks", {"risks": list(risks)}),
    ]
    if "none" not in risks:
        pages.append(("risk-detail", {"risk_detail": ""}))
    return pages


def post_page(client, name: str, data: dict, query: str = ""):
    path = f"{BASE}/questions/{name}{query}"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def answer_all(client, school_id: int, **kwargs):
    """Answer every page; the last answer's response (a redirect to check your answers)."""
    response = None
    for name, data in answers_for(school_id, **kwargs):
        response = post_page(client, name, data)
        assert response.status_code == 302, (name, response.get_data(as_text=True)[:3000])
    return response


def send(client, **extra):
    page = client.get(f"{BASE}/check").get_data(as_text=True)
    token = csrf_token_from(page)
    submission = re.search(r'name="submission_token"[^>]*value="([^"]+)"', page)
    data = {"csrf_token": token, "submission_token": submission[1] if submission else "", **extra}
    return client.post(f"{BASE}/check", data=data), data
