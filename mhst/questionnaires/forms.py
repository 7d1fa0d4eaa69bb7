"""The practitioner's form for sending a questionnaire link, and the family's form built
from the measure's definition (every item as radios, for a phone without JavaScript).

Field names follow :mod:`mhst.outcomes.recording` (``item_3``, ``item_text_3``) and
:mod:`mhst.questionnaires.links`, so the rules' messages land on the right field.
"""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import InputRequired, Length

from mhst.core.forms import BaseForm, RadioField, choices
from mhst.core.submissions import OnceForm
from mhst.outcomes import recording
from mhst.outcomes.definitions import MeasureDefinition, Respondent
from mhst.questionnaires.models import SHOWN_NAME_MAX, LinkChannel

WHO = {
    Respondent.CHILD: "The young person",
    Respondent.PARENT_CARER: "A parent or carer",
}


class SendForm(OnceForm):
    measure = RadioField(
        "Which questionnaire?",
        validators=[InputRequired("Select the questionnaire")],
        invalid_message="Select a questionnaire from the list",
    )
    respondent = RadioField(
        "Who is it for?",
        choices=choices((r.value, label) for r, label in WHO.items()),
        validators=[InputRequired("Select who it is for")],
        invalid_message="Select who it is for from the list",
    )
    channel = RadioField(
        "How will you send it?",
        choices=choices((c.value, c.label) for c in LinkChannel),
        validators=[InputRequired("Select how to send it")],
        invalid_message="Select how to send it from the list",
    )
    mobile_number = StringField(
        "Mobile number (for a text message)",
        validators=[Length(max=30, message="Enter a UK mobile number, like 07700 900123")],
    )
    email = StringField(
        "Email address (for an email)",
        validators=[Length(max=254, message="The email address must be 254 characters or fewer")],
    )
    shown_name = StringField(
        "First name to show on the questionnaire (optional)",
        validators=[
            Length(
                max=SHOWN_NAME_MAX,
                message=f"The name to show must be {SHOWN_NAME_MAX} characters or fewer",
            )
        ],
    )

    def offer(self, definitions: dict[str, MeasureDefinition]) -> None:
        self.measure.choices = choices((code, d.name) for code, d in definitions.items())

    def recipient(self) -> str | None:
        if self.channel.data == LinkChannel.TEXT.value:
            return self.mobile_number.data
        if self.channel.data == LinkChannel.EMAIL.value:
            return self.email.data
        return None


class AnswerFormBase(BaseForm):
    """The family's answers; ``answer_form_class`` adds the measure's items."""

    definition: MeasureDefinition
    goals: dict[int, str]

    def rows(self) -> list[tuple]:
        """(wording field or None, answer field) for each item asked, in order."""
        found = []
        for item in self.definition.items:
            answer = getattr(self, recording.item_field(item.number), None)
            if answer is None:
                continue
            wording = getattr(self, recording.item_text_field(item.number), None)
            found.append((wording, answer))
        return found

    def answers(self) -> dict[int, int | None]:
        return {
            item.number: int(field.data) if field.data not in (None, "") else None
            for item in self.definition.items
            if (field := getattr(self, recording.item_field(item.number), None)) is not None
        }

    def item_texts(self) -> dict[int, str | None]:
        return {
            item.number: field.data
            for item in self.definition.items
            if (field := getattr(self, recording.item_text_field(item.number), None)) is not None
        }


def _options(definition: MeasureDefinition):
    scale = definition.response_scale
    return choices(
        (value, f"{value}: {words}" if (words := scale.label_for(value)) else str(value))
        for value in range(scale.minimum, scale.maximum + 1)
    )


def answer_form_class(definition: MeasureDefinition, goals: dict[int, str]) -> type[AnswerFormBase]:
    """The family's form: a follow-up of the family's goals (``goals``, by item number)
    rates each of them; a first Goal Based Outcomes asks for each goal's wording too;
    any other measure asks its items in its own words."""
    fields: dict[str, object] = {"definition": definition, "goals": goals}
    own_goals = recording.asks_item_text(definition) and not goals
    for item in definition.items:
        if goals and item.number not in goals:
            continue
        label = goals.get(item.number) or (
            f"How close are you to {item.label.lower()}?" if own_goals else item.label
        )
        if own_goals:
            fields[recording.item_text_field(item.number)] = StringField(
                f"{item.label}: what would you like to change?",
                validators=[
                    Length(
                        max=recording.ITEM_TEXT_MAX,
                        message=f"{item.label} must be {recording.ITEM_TEXT_MAX} "
                        "characters or fewer",
                    )
                ],
            )
        fields[recording.item_field(item.number)] = RadioField(
            label,
            choices=_options(definition),
            invalid_message=f"Choose an answer from the list for {item.label.lower()}",
        )
    return type("AnswerForm", (AnswerFormBase,), fields)
