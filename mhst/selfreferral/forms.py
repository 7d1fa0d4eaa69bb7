"""The self-referral's question pages, one small form each, and the check-your-answers
form (with the honeypot and the submission token). Messages speak to the person
referring: a young person about themselves, or a parent or carer about their child."""

from __future__ import annotations

from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from mhst.core.fields import CheckboxesField, DateInputField
from mhst.core.forms import BaseForm, RadioField, choices
from mhst.core.submissions import OnceForm
from mhst.referrals.forms import NO, NO_RISK, YES
from mhst.referrals.models import ChildAgrees, Duration, Gender, Impact, Need, RiskItem, YearGroup
from mhst.selfreferral.models import Referrer

MAX_TEXT = 5000


def _too_long(what: str, maximum: int) -> Length:
    return Length(max=maximum, message=f"{what} must be {maximum} characters or fewer")


def _radios(label: str, pairs, required: str) -> RadioField:
    return RadioField(
        label,
        choices=choices(pairs),
        validators=[DataRequired(required)],
        invalid_message=required,
    )


def _enum(enum) -> list[tuple[str, str]]:
    return [(item.value, item.label) for item in enum]


def _text(label: str, what: str, maximum: int, required: str | None = None) -> StringField:
    first = DataRequired(required) if required else Optional()
    return StringField(label, validators=[first, _too_long(what, maximum)])


def _long(label: str, what: str, required: str | None = None) -> TextAreaField:
    first = DataRequired(required) if required else Optional()
    return TextAreaField(label, validators=[first, _too_long(what, MAX_TEXT)])


def _email(label: str) -> EmailField:
    return EmailField(
        label,
        validators=[
            Optional(),
            _too_long("The email address", 254),
            Email("Enter an email address in the correct format, like name@example.org"),
        ],
    )


class WhoForm(BaseForm):
    referrer = _radios("Who is asking for help?", _enum(Referrer), "Select who is asking for help")


class SchoolSearchForm(BaseForm):
    """GET: the name typed to search for the school (a plain search, no JavaScript)."""

    class Meta:
        csrf = False

    q = _text("School name", "The school name", 100)


class SchoolForm(BaseForm):
    school_id = RadioField(
        "Select the school",
        validators=[DataRequired("Select the school from the list")],
        invalid_message="Select the school from the list",
    )


class NameForm(BaseForm):
    given_name = _text("First name", "First name", 100, "Enter a first name")
    family_name = _text("Last name", "Last name", 100, "Enter a last name")


class DateOfBirthForm(BaseForm):
    date_of_birth = DateInputField(
        "Date of birth", what="the date of birth", required="Enter a date of birth"
    )


class AboutForm(BaseForm):
    gender = _radios("Gender", _enum(Gender), "Select a gender")
    year_group = _radios("School year", _enum(YearGroup), "Select a school year")


class ParentsForm(BaseForm):
    keep_from_parents = _radios(
        "Do you want to be seen without your parents or carers being told?",
        [(NO, "No, my parents or carers can know"), (YES, "Yes, please do not tell them")],
        "Select whether your parents or carers can be told",
    )


class ParentForm(BaseForm):
    parent_carer_name = _text("Full name", "The name", 200, "Enter the parent or carer's full name")
    parent_carer_relationship = _text(
        "Relationship to the child (for example, mum, dad, carer)",
        "The relationship",
        100,
        "Enter the relationship to the child",
    )
    parent_carer_phone = _text("Phone number", "The phone number", 40)
    parent_carer_email = _email("Email address")

    def validate_parent_carer_email(self, field):
        if not (field.data or self.parent_carer_phone.data):
            raise ValidationError("Enter a phone number or an email address")


class ContactForm(BaseForm):
    contact_phone = _text("Your phone number", "The phone number", 40)
    contact_email = _email("Your email address")

    def validate_contact_email(self, field):
        if not (field.data or self.contact_phone.data):
            raise ValidationError("Enter a phone number or an email address")


class AgreesForm(BaseForm):
    child_agrees = _radios(
        "Does your child know about this and agree to it?",
        _enum(ChildAgrees),
        "Select whether your child agrees",
    )


class NeedsForm(BaseForm):
    needs = CheckboxesField(
        "What is the help for?",
        choices=choices(_enum(Need)),
        validators=[DataRequired("Select what the help is for")],
        invalid_message="Select what the help is for from the list",
    )
    need_other = _text("If other, what is it?", "The other need", 500)

    def validate_need_other(self, field):
        if Need.OTHER.value in (self.needs.data or []) and not field.data:
            raise ValidationError("Describe the other need")


class DetailForm(BaseForm):
    needs_detail = _long(
        "What has been happening?", "What has been happening", "Tell us what has been happening"
    )


class DurationForm(BaseForm):
    duration = _radios("How long has this been going on?", _enum(Duration), "Select how long")


class ImpactForm(BaseForm):
    impact = _radios(
        "How much does it get in the way of day-to-day life?",
        _enum(Impact),
        "Select how much it gets in the way",
    )


class TriedForm(BaseForm):
    already_tried = _long(
        "What has been tried already?",
        "What has been tried already",
        "Tell us what has been tried already, or write 'nothing yet'",
    )


class RisksForm(BaseForm):
    risks = CheckboxesField(
        "Has any of these happened?",
        choices=choices([*_enum(RiskItem), (NO_RISK, "None of these")]),
        validators=[DataRequired("Select any that have happened, or 'None of these'")],
        invalid_message="Select from the list, or select 'None of these'",
    )

    def validate_risks(self, field):
        if NO_RISK in (field.data or []) and len(field.data) > 1:
            raise ValidationError("Select either what has happened or 'None of these', not both")


class RiskDetailForm(BaseForm):
    risk_detail = _long("Tell us more (optional)", "What you tell us")


class CheckForm(OnceForm):
    """Sending the referral. ``website`` is the honeypot: hidden from people and from
    assistive technology, so only a robot fills it in."""

    website = StringField("Leave this empty")
