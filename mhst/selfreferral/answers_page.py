"""The check-your-answers rows, and the date of birth's rules that need the other
answers (who refers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for

from mhst.core.formatting import format_date
from mhst.referrals.eligibility import OLDEST_PLAUSIBLE_AGE, age_on
from mhst.selfreferral import rules
from mhst.selfreferral.operations import Answers, participating_school
from mhst.selfreferral.steps import Step, applicable


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    change_url: str


def _shown(step: Step, field, value) -> str:
    if value in (None, "", []):
        return "Not given"
    if field.name == "school_id":
        school = participating_school(value)
        return school.name if school else "Not given"
    if field.name == "date_of_birth":
        return format_date(date.fromisoformat(value))
    labels = {choice.value: choice.label for choice in getattr(field, "choices", None) or []}
    if isinstance(value, list):
        return ", ".join(labels.get(item, item) for item in value)
    return labels.get(value, str(value))


def answer_rows(answers: Answers) -> list[Row]:
    rows = []
    for step in applicable(answers):
        form = step.form(formdata=None, meta={"csrf": False})
        url = url_for("selfreferral.question", step_name=step.name, change=1)
        for field in form:
            if field.name == "school_id":
                field.choices = []
            label = step.title(answers) if len(form._fields) == 1 else field.label.text
            rows.append(Row(label, _shown(step, field, answers.values.get(field.name)), url))
    return rows


def date_problem(born: date | None, answers: Answers) -> str | None:
    """Why this date of birth cannot be right for this referral, or None."""
    if born is None:
        return None
    if born > answers.today:
        return "The date of birth must be in the past"
    age = age_on(born, answers.today)
    if age >= OLDEST_PLAUSIBLE_AGE:
        years = OLDEST_PLAUSIBLE_AGE
        return f"The date of birth must be within the last {years} years: check the year"
    if answers.referrer is not None:
        return rules.age_problem(answers.referrer, age)
    return None
