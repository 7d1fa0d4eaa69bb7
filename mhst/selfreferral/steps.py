"""The question pages in order, each with its form, its question (worded for a young
person or for a parent) and when it is asked; and moving answers between a page's form
and the draft (JSON text)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from mhst.selfreferral import forms
from mhst.selfreferral.operations import Answers


@dataclass(frozen=True)
class Step:
    name: str  # in the URL
    form: type
    young: str  # the question asked of a young person
    parent: str  # and of a parent or carer
    applies: Callable[[Answers], bool] = lambda answers: True
    hint: str | None = None

    def title(self, answers: Answers) -> str:
        return self.parent if answers.referrer and not answers.young_person else self.young

    def fields(self) -> list[str]:
        return [field.name for field in self.form(formdata=None, meta={"csrf": False})]


STEPS = [
    Step("who", forms.WhoForm, "Who is asking for help?", "Who is asking for help?"),
    Step(
        "school",
        forms.SchoolForm,
        "Which school do you go to?",
        "Which school does your child go to?",
    ),
    Step("name", forms.NameForm, "What is your name?", "What is your child's name?"),
    Step(
        "date-of-birth",
        forms.DateOfBirthForm,
        "What is your date of birth?",
        "What is your child's date of birth?",
        hint="For example, 27 3 2012",
    ),
    Step("about", forms.AboutForm, "About you", "About your child"),
    Step(
        "parents",
        forms.ParentsForm,
        "Can we tell your parents or carers?",
        "Can we tell your parents or carers?",
        lambda a: a.may_ask_not_to_tell,
        hint="If you are 12 to 15, you can ask to be seen without your parents or carers "
        "being told. A clinician will talk with you first to check you understand what "
        "the help involves (this is called a Gillick assessment).",
    ),
    Step(
        "parent",
        forms.ParentForm,
        "Your parent or carer's details",
        "Your details",
        lambda a: a.parent_needed,
        hint="Give a phone number or an email address, or both.",
    ),
    Step(
        "contact",
        forms.ContactForm,
        "How can the team contact you?",
        "How can the team contact you?",
        lambda a: a.young_person,
        hint="Give a phone number or an email address, or both.",
    ),
    Step(
        "agrees",
        forms.AgreesForm,
        "Does your child agree?",
        "Does your child know and agree?",
        lambda a: not a.young_person,
    ),
    Step(
        "needs",
        forms.NeedsForm,
        "What would you like help with?",
        "What would you like help with for your child?",
        hint="Select all that apply.",
    ),
    Step(
        "what-happened",
        forms.DetailForm,
        "What has been happening?",
        "What has been happening?",
        hint="What you notice, feel or find hard, and when it happens.",
    ),
    Step(
        "how-long",
        forms.DurationForm,
        "How long has this been going on?",
        "How long has this been going on?",
    ),
    Step(
        "impact",
        forms.ImpactForm,
        "How much does it get in the way?",
        "How much does it get in the way?",
    ),
    Step(
        "tried",
        forms.TriedForm,
        "What has been tried already?",
        "What has been tried already?",
        hint="For example, talking to a teacher. If nothing yet, say so.",
    ),
    Step(
        "risks",
        forms.RisksForm,
        "Has any of these happened?",
        "Has any of these happened?",
        hint="Select all that apply. We ask so that we can get the right help quickly.",
    ),
    Step(
        "risk-detail",
        forms.RiskDetailForm,
        "Get help now if you need it",
        "Get help now if you need it",
        lambda a: bool(a.risks),
    ),
]
BY_NAME = {step.name: step for step in STEPS}


def applicable(answers: Answers) -> list[Step]:
    return [step for step in STEPS if step.applies(answers)]


def answered(step: Step, answers: Answers) -> bool:
    return all(name in answers.values for name in step.fields())


def first_unanswered(answers: Answers) -> Step | None:
    return next((step for step in applicable(answers) if not answered(step, answers)), None)


def previous(step: Step, answers: Answers) -> Step | None:
    earlier = None
    for candidate in applicable(answers):
        if candidate.name == step.name:
            return earlier
        earlier = candidate
    return earlier


def from_form(form) -> dict:
    """A page's answers as JSON values (a date as its ISO text)."""
    return {
        field.name: field.data.isoformat() if isinstance(field.data, date) else field.data
        for field in form
    }


def to_form_data(step: Step, answers: Answers) -> dict:
    """The stored answers for ``step`` as its form's data (a date as a date)."""
    data = {name: answers.values.get(name) for name in step.fields()}
    if "date_of_birth" in data:
        data["date_of_birth"] = answers.date_of_birth
    return data
