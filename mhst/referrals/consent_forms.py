"""Forms for consent and withdrawal on a referral's page.

The domain (``consent.record_consent``, ``withdraw_consent``, ``operations.withdraw_referral``)
checks the rules: who may consent at what age, dates, the Gillick assessment. The forms
check what is required and how long text may be, so every such problem shows at once;
field names match :class:`mhst.referrals.consent.ConsentDetails` so a rule's error
lands on its field.
"""

from __future__ import annotations

from wtforms import StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from mhst.core.fields import DateInputField
from mhst.core.forms import BaseForm, RadioField, choices
from mhst.core.submissions import OnceForm
from mhst.referrals.consent import ConsentDetails
from mhst.referrals.eligibility import MAX_TEXT
from mhst.referrals.locks import SeenStatusField
from mhst.referrals.models import ConsentKind, ConsentMethod

NAME_MAX = 200  # Consent.given_by_name
RELATIONSHIP_MAX = 100  # Consent.relationship_to_child

# The fields shown only for one kind of consent (the radios' conditional reveal).
PARENT_ONLY = ("relationship_to_child",)
GILLICK_ONLY = ("gillick_assessed_on", "gillick_assessment")


class ConsentForm(OnceForm):
    seen = SeenStatusField()
    kind = RadioField(
        "Who gave consent?",
        choices=choices((kind.value, kind.label) for kind in ConsentKind),
        validators=[InputRequired("Select who gave consent")],
        invalid_message="Select who gave consent from the list",
    )
    relationship_to_child = StringField(
        "Their relationship to the child",
        validators=[
            Optional(),
            Length(
                max=RELATIONSHIP_MAX,
                message=f"The relationship must be {RELATIONSHIP_MAX} characters or fewer",
            ),
        ],
    )
    gillick_assessed_on = DateInputField(
        "Date of the Gillick competence assessment", what="the date of the Gillick assessment"
    )
    gillick_assessment = TextAreaField(
        "How did the young person show they understand what they are agreeing to?",
        validators=[
            Optional(),
            Length(
                max=MAX_TEXT,
                message=f"The assessment must be {MAX_TEXT:,} characters or fewer",
            ),
        ],
    )
    given_by_name = StringField(
        "Name of the person giving consent",
        validators=[
            DataRequired("Enter the name of the person who gave consent"),
            Length(max=NAME_MAX, message=f"The name must be {NAME_MAX} characters or fewer"),
        ],
    )
    given_on = DateInputField(
        "Date consent was given",
        what="the date consent was given",
        required="Enter the date consent was given",
    )
    method = RadioField(
        "How was consent given?",
        choices=choices((method.value, method.label) for method in ConsentMethod),
        validators=[InputRequired("Select how consent was given")],
        invalid_message="Select how consent was given from the list",
    )

    def chosen_kind(self) -> ConsentKind | None:
        try:
            return ConsentKind(self.kind.data)
        except ValueError:
            return None

    def validate_relationship_to_child(self, field):
        if self.chosen_kind() is ConsentKind.PARENT_CARER and not field.data:
            raise ValidationError("Enter their relationship to the child")

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        # A field revealed only for another kind of consent is ignored, whatever it holds:
        # without JavaScript every field shows, and what is typed there is not saved.
        kind = self.chosen_kind()
        hidden = [
            *(PARENT_ONLY if kind is not ConsentKind.PARENT_CARER else ()),
            *(GILLICK_ONLY if kind is not ConsentKind.GILLICK else ()),
        ]
        for name in hidden:
            self[name].errors = []
        self._errors = None
        return not self.errors

    def details(self) -> ConsentDetails:
        kind = ConsentKind(self.kind.data)
        gillick = kind is ConsentKind.GILLICK
        return ConsentDetails(
            kind=kind,
            given_by_name=self.given_by_name.data,
            given_on=self.given_on.data,
            method=ConsentMethod(self.method.data),
            relationship_to_child=(
                self.relationship_to_child.data or None
                if kind is ConsentKind.PARENT_CARER
                else None
            ),
            gillick_assessed_on=self.gillick_assessed_on.data if gillick else None,
            gillick_assessment=(self.gillick_assessment.data or None) if gillick else None,
        )


def _reason(label: str, required: str) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            DataRequired(required),
            Length(max=MAX_TEXT, message=f"The reason must be {MAX_TEXT:,} characters or fewer"),
        ],
    )


class WithdrawConsentForm(BaseForm):
    reason = _reason("Why was consent withdrawn?", "Enter why consent was withdrawn")


class WithdrawReferralForm(BaseForm):
    seen = SeenStatusField()
    reason = _reason("Why is the referral being withdrawn?", "Enter why the referral is withdrawn")
