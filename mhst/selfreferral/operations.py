"""Sending an online self-referral: the draft's answers become a referral through the
same domain code as a staff referral (``submit_referral``, source "Self-referral
received online", no staff member), with the self-referral's own details beside it."""

from __future__ import annotations

from datetime import date

from mhst.core.rules import RuleError
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals.eligibility import age_on
from mhst.referrals.forms import NO_RISK, YES
from mhst.referrals.models import (
    ChildAgrees,
    Duration,
    Gender,
    Impact,
    Need,
    Referral,
    ReferralSource,
    RiskItem,
    YearGroup,
)
from mhst.referrals.submission import ChildDetails, ReferralDetails, submit_referral
from mhst.schools.models import ParticipationStatus, School
from mhst.schools.name_search import active_schools_named
from mhst.selfreferral import rules
from mhst.selfreferral.models import Referrer, SelfReferral

SEARCH_LIMIT = 20


def search_schools(text: str) -> list[School]:
    """Participating, active schools whose name contains ``text``, first 20 by name."""
    words = (text or "").strip()
    if not words:
        return []
    stmt = active_schools_named(words).order_by(School.name, School.id).limit(SEARCH_LIMIT)
    return list(db.session.scalars(stmt))


def participating_school(school_id: object) -> School | None:
    """The school if ``school_id`` names a participating, active one, else None."""
    try:
        school = db.session.get(School, int(str(school_id)))
    except (TypeError, ValueError, OverflowError):
        return None
    if school is None or school.participation_status is not ParticipationStatus.ACTIVE:
        return None
    return school


class Answers:
    """The draft's answers read as the domain's values (stored as text in JSON)."""

    def __init__(self, values: dict, today: date | None = None):
        self.values = values
        self.today = today or service_today()

    def get(self, name: str, default=None):
        return self.values.get(name, default)

    @property
    def referrer(self) -> Referrer | None:
        value = self.values.get("referrer")
        return Referrer(value) if value in {r.value for r in Referrer} else None

    @property
    def young_person(self) -> bool:
        return self.referrer is Referrer.YOUNG_PERSON

    @property
    def date_of_birth(self) -> date | None:
        try:
            return date.fromisoformat(self.values.get("date_of_birth") or "")
        except ValueError:
            return None

    @property
    def age(self) -> int | None:
        born = self.date_of_birth
        return age_on(born, self.today) if born else None

    @property
    def may_ask_not_to_tell(self) -> bool:
        age = self.age
        return (
            self.referrer is not None
            and age is not None
            and rules.may_ask_not_to_tell(self.referrer, age)
        )

    @property
    def keep_from_parents(self) -> bool:
        return self.may_ask_not_to_tell and self.values.get("keep_from_parents") == YES

    @property
    def parent_needed(self) -> bool:
        age = self.age
        if self.referrer is None or age is None:
            return True
        return rules.parent_needed(self.referrer, age, self.keep_from_parents)

    @property
    def risks(self) -> list[RiskItem]:
        values = {risk.value for risk in RiskItem}
        return [RiskItem(v) for v in self.values.get("risks") or [] if v in values and v != NO_RISK]

    def child_details(self) -> ChildDetails:
        parent = self.parent_needed
        return ChildDetails(
            given_name=self.get("given_name", ""),
            family_name=self.get("family_name", ""),
            date_of_birth=self.date_of_birth or self.today,
            gender=Gender(self.get("gender")),
            year_group=YearGroup(self.get("year_group")),
            **{
                name: (self.get(name) or None) if parent else None
                for name in (
                    "parent_carer_name",
                    "parent_carer_relationship",
                    "parent_carer_phone",
                    "parent_carer_email",
                )
            },
        )

    def referrer_name(self) -> str:
        if self.young_person:
            return f"{self.get('given_name', '')} {self.get('family_name', '')}".strip()
        return self.get("parent_carer_name") or ""

    def contact(self) -> tuple[str | None, str | None]:
        prefix = "contact" if self.young_person else "parent_carer"
        return self.get(f"{prefix}_phone") or None, self.get(f"{prefix}_email") or None

    def referral_details(self) -> ReferralDetails:
        needs = [Need(value) for value in self.get("needs") or []]
        phone, email = self.contact()
        agrees = ChildAgrees.YES if self.young_person else ChildAgrees(self.get("child_agrees"))
        return ReferralDetails(
            needs=needs,
            duration=Duration(self.get("duration")),
            impact=Impact(self.get("impact")),
            needs_detail=self.get("needs_detail", ""),
            already_tried=self.get("already_tried", ""),
            risks=self.risks,
            discussed_with_team=False,
            child_agrees=agrees,
            source=ReferralSource.SELF_REFERRAL_ONLINE,
            need_other=(self.get("need_other") or None) if Need.OTHER in needs else None,
            risk_detail=(self.get("risk_detail") or None) if self.risks else None,
            referrer_name=self.referrer_name(),
            referrer_contact=" / ".join(value for value in (phone, email) if value) or None,
            parents_not_told=self.keep_from_parents,
        )


def check_answers(answers: Answers) -> School:
    """The rules checked again before sending (the answers may be old): the school, and
    the age of a young person referring themselves. Returns the school."""
    school = participating_school(answers.get("school_id"))
    if school is None:
        raise RuleError("school_id", "Select a participating school")
    if answers.referrer is None or answers.age is None:
        raise RuleError("referrer", "Answer every question before you send the referral")
    problem = rules.age_problem(answers.referrer, answers.age)
    if problem:
        raise RuleError("date_of_birth", problem)
    return school


def send(values: dict, *, today: date | None = None) -> Referral:
    """Make the referral the answers describe: the same checks, duplicate-child check,
    risk flag (a risk answered yes: same-day review) and audit as a staff referral."""
    answers = Answers(values, today)
    school = check_answers(answers)
    try:
        child, details = answers.child_details(), answers.referral_details()
    except ValueError as error:  # an answer missing or not one of the choices
        raise RuleError("referrer", "Answer every question before you send the referral") from error
    referral = submit_referral(school, child, details, by=None, today=answers.today)
    phone, email = answers.contact()
    db.session.add(
        SelfReferral(
            referral_id=referral.id,
            referred_by=answers.referrer,
            keep_from_parents=answers.keep_from_parents,
            contact_phone=phone,
            contact_email=email,
        )
    )
    db.session.flush()
    return referral


def self_referral_of(referral: Referral) -> SelfReferral | None:
    """The self-referral's details of an online referral (one query), else None."""
    if referral.source is not ReferralSource.SELF_REFERRAL_ONLINE:
        return None
    return db.session.get(SelfReferral, referral.id)


def consent_needed(referral: Referral, self_referral: SelfReferral) -> str:
    """What consent the team should ask for, in words for the staff pages."""
    age = age_on(referral.child.date_of_birth, service_today())
    kind = rules.consent_route(self_referral.referred_by, age, self_referral.keep_from_parents)
    return kind.label
