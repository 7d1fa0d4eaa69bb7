"""The forms for recording an outcome measure: choosing the measure and how to record
it, then one form built from the measure's definition (its items, or its scales).

The forms only turn what was typed into numbers: whether those numbers can be scored
(ranges, missing items, goal wording) is decided by ``mhst.outcomes.recording``, so the
same rules hold however a measure is recorded. Field names follow that module's
(``item_3``, ``item_text_3``, ``scale_2``), so its messages land on the right field.
"""

from __future__ import annotations

import re
from decimal import Decimal

from wtforms import StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from mhst.core.fields import DateInputField
from mhst.core.forms import BaseForm, RadioField, SelectField, choices
from mhst.core.submissions import OnceForm
from mhst.outcomes import recording
from mhst.outcomes.definitions import MeasureDefinition
from mhst.outcomes.scoring import scale_title

BY_ITEM, BY_TOTAL = "items", "totals"
METHODS = {
    BY_ITEM: "Answer by answer, as the questionnaire was completed",
    BY_TOTAL: "Scores only, as worked out on a paper form",
}
NOT_AT_A_SESSION = ""
RADIO_LIMIT = 5  # response scales with more points than this get a number field
_WHOLE = re.compile(r"-?[0-9]{1,6}")
_DECIMAL = re.compile(r"-?[0-9]{1,6}(?:\.[0-9]{1,2})?")


def measure_summary(definition: MeasureDefinition) -> str:
    """Who completes a measure, for the list of measures."""
    return f"Completed by {recording.who_completes(definition)}"


class ChooseMeasureForm(BaseForm):
    """Step 1, a GET form: which measure, and by item or by total."""

    measure = RadioField(
        "Which measure?",
        validators=[InputRequired("Select the measure")],
        invalid_message="There is no such measure: select one from the list",
    )
    method = RadioField(
        "How are you recording it?",
        choices=choices(METHODS.items()),
        validators=[InputRequired("Select how you are recording it")],
        invalid_message="Select how you are recording it from the list",
    )

    def offer(self, definitions: dict[str, MeasureDefinition]) -> None:
        self.measure.choices = choices(
            (code, definition.name) for code, definition in definitions.items()
        )


def scale_range(definition: MeasureDefinition, name: str) -> str:
    low, high = definition.possible_range(definition.scale(name))
    return f"From {low:g} to {high:g}"


def item_hint(definition: MeasureDefinition) -> str:
    """The response scale in words, for a number field's hint."""
    scale = definition.response_scale
    labels = "; ".join(f"{value} {label.lower()}" for value, label in scale.labels)
    hint = f"A whole number from {scale.minimum} to {scale.maximum}"
    return f"{hint} ({labels})" if labels else hint


class MeasureFormBase(OnceForm):
    """Fields every measure has; ``measure_form_class`` adds the measure's own."""

    definition: MeasureDefinition

    def answers(self) -> dict[int, int | None]:
        found = {}
        for item in self.definition.items:
            text = getattr(self, recording.item_field(item.number)).data
            found[item.number] = int(text) if text not in (None, "") else None
        return found

    def item_texts(self) -> dict[int, str | None]:
        if not recording.asks_item_text(self.definition):
            return {}
        return {
            item.number: getattr(self, recording.item_text_field(item.number)).data
            for item in self.definition.items
        }

    def totals(self) -> dict[str, float | None]:
        found = {}
        for position, name in enumerate(self.definition.scale_names, start=1):
            text = getattr(self, recording.scale_field(position)).data
            found[name] = float(Decimal(text)) if text else None
        return found

    def contact_id(self) -> int | None:
        value = self.care_contact_id.data
        return int(value) if value else None

    def item_fields(self) -> list[tuple]:
        """(item, wording field or None, answer field) in the definition's order."""
        rows = []
        for item in self.definition.items:
            text_field = None
            if recording.asks_item_text(self.definition):
                text_field = getattr(self, recording.item_text_field(item.number))
            rows.append((item, text_field, getattr(self, recording.item_field(item.number))))
        return rows

    def scale_fields(self) -> list[tuple[str, str, object]]:
        """(scale name, its possible range in words, field) in the definition's order."""
        return [
            (
                name,
                scale_range(self.definition, name),
                getattr(self, recording.scale_field(position)),
            )
            for position, name in enumerate(self.definition.scale_names, start=1)
        ]

    @property
    def uses_radios(self) -> bool:
        scale = self.definition.response_scale
        return scale.maximum - scale.minimum + 1 <= RADIO_LIMIT


def _item_label(definition: MeasureDefinition, item) -> str:
    if recording.asks_item_text(definition):
        return f"{item.label} rating"
    return f"{item.number}. {item.label}"


def _number_validator(label: str, low: int, high: int):
    message = f"{label} must be a whole number from {low} to {high}"

    def check(form, field):
        if not field.data:
            return
        if not _WHOLE.fullmatch(field.data) or not low <= int(field.data) <= high:
            raise ValidationError(message)

    return check


def _decimal_validator(title: str):
    def check(form, field):
        if field.data and not _DECIMAL.fullmatch(field.data):
            raise ValidationError(
                f"{title} must be a number, with at most 2 decimal places, like 6.5"
            )

    return check


def measure_form_class(
    definition: MeasureDefinition, method: str, sessions: list[tuple[int, str]]
) -> type[MeasureFormBase]:
    """A form for ``definition`` recorded by ``method`` (``BY_ITEM`` or ``BY_TOTAL``),
    offering ``sessions`` ((contact id, words) of the case's attended sessions)."""
    fields: dict[str, object] = {
        "definition": definition,
        recording.DATE: DateInputField(
            "Date completed",
            what="the date it was completed",
            required="Enter the date it was completed",
        ),
        recording.RESPONDENT: RadioField(
            "Who completed it?",
            choices=choices(
                (r.value, recording.RESPONDENT_LABELS[r]) for r in definition.completed_by
            ),
            validators=[InputRequired("Select who completed it")],
            invalid_message="Select who completed it from the list",
        ),
        recording.CONTACT: SelectField(
            "Session",
            choices=choices([(NOT_AT_A_SESSION, "Not at a session"), *sessions]),
            validators=[Optional()],
            invalid_message="Choose one of this case's sessions from the list",
        ),
    }
    scale = definition.response_scale
    if method == BY_ITEM:
        for item in definition.items:
            label = _item_label(definition, item)
            if recording.asks_item_text(definition):
                fields[recording.item_text_field(item.number)] = StringField(
                    f"{item.label}, in the family's words",
                    validators=[
                        Length(
                            max=recording.ITEM_TEXT_MAX,
                            message=f"{item.label} must be {recording.ITEM_TEXT_MAX} "
                            "characters or fewer",
                        )
                    ],
                )
            if scale.maximum - scale.minimum + 1 <= RADIO_LIMIT:
                options = []
                for value in range(scale.minimum, scale.maximum + 1):
                    words = scale.label_for(value)
                    options.append((value, f"{value}: {words}" if words else str(value)))
                fields[recording.item_field(item.number)] = RadioField(
                    label,
                    choices=choices(options),
                    invalid_message=f"Choose an answer to item {item.number} from the list",
                )
            else:
                fields[recording.item_field(item.number)] = StringField(
                    label,
                    validators=[
                        Length(max=10, message=f"{label} must be a whole number"),
                        _number_validator(label, scale.minimum, scale.maximum),
                    ],
                )
    else:
        for position, name in enumerate(definition.scale_names, start=1):
            title = f"{scale_title(name)} score"
            fields[recording.scale_field(position)] = StringField(
                title,
                validators=[
                    Length(max=12, message=f"{title} must be a number"),
                    _decimal_validator(title),
                ],
            )
    return type("MeasureForm", (MeasureFormBase,), fields)
