"""The self-referral's rules about who may refer and which consent the team will need:
who refers (a young person from the service's minimum age, or a parent or carer), and
the request of a young person of 12 to 15 to be seen without their parents being told."""

from __future__ import annotations

from flask import current_app, has_app_context

from mhst.referrals.eligibility import GILLICK_AGES, SELF_CONSENT_AGE
from mhst.referrals.models import ConsentKind
from mhst.selfreferral.models import Referrer


def min_age() -> int:
    """The youngest a young person may be to refer themselves (a setting; 11 if unset)."""
    if has_app_context():
        return current_app.config.get("SELF_REFERRAL_MIN_AGE", 11)
    return 11


def age_problem(referrer: Referrer, age: int, youngest: int | None = None) -> str | None:
    """Why a young person of ``age`` cannot refer themselves online, or None."""
    youngest = min_age() if youngest is None else youngest
    if referrer is Referrer.YOUNG_PERSON and age < youngest:
        return (
            f"You need to be {youngest} or older to refer yourself online. Ask a parent or "
            "carer to refer you, or speak to your school's mental health lead"
        )
    return None


def may_ask_not_to_tell(referrer: Referrer, age: int) -> bool:
    """Whether the referral may ask for the parents not to be told: only a young person
    referring themselves, of an age a Gillick assessment is for (12 to 15)."""
    return referrer is Referrer.YOUNG_PERSON and age in GILLICK_AGES


def parent_needed(referrer: Referrer, age: int, keep_from_parents: bool) -> bool:
    """Whether a parent's or carer's contact is asked for: always when a parent refers;
    for a young person under 16 unless they asked that their parents not be told."""
    if referrer is Referrer.PARENT_CARER:
        return True
    return age < SELF_CONSENT_AGE and not (keep_from_parents and may_ask_not_to_tell(referrer, age))


def consent_route(referrer: Referrer, age: int, keep_from_parents: bool) -> ConsentKind:
    """The consent the team will need: their own from 16, a Gillick assessment for a
    young person of 12 to 15 who asked that their parents not be told, else a parent's."""
    if age >= SELF_CONSENT_AGE:
        return ConsentKind.YOUNG_PERSON
    if keep_from_parents and may_ask_not_to_tell(referrer, age):
        return ConsentKind.GILLICK
    return ConsentKind.PARENT_CARER
