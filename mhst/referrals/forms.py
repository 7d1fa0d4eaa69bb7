"""The referral forms: a school's lead refers a pupil; staff record a referral from
another source. Both share every field of :class:`ReferralForm`; staff add who referred,
when, and for which school. The domain (``submission.submit_referral``) checks the rules
again: the form checks what it can so every problem shows at once, on its field.
"""

from __future__ import annotations

from wtforms import BooleanField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from mhst.core import nhs_number
from mhst.core.fields import CheckboxesField, DateInputField
from mhst.core.forms import RadioField, SelectField, choices
from mhst.core.submissions import OnceForm
from mhst.core.time import service_today
from mhst.referrals.models import (
    ChildAgrees,
    Duration,
    Ethnicity,
    Gender,
    Impact,
    Need,
    ReferralSource,
    RiskItem,
    YearGroup,
)
from mhst.referrals.submission import ChildDetails, ReferralDetails

MAX_TEXT = 5000
NO_RISK = "none"  # the risk screen's exclusive "None of these"
YES, NO = "yes", "no"


def _too_long(what: str, maximum: int) -> Length:
    return Length(max=maximum, message=f"{what} must be {maximum} characters or fewer")


def _long_text(label: str, what: str, required: str | None = None) -> TextAreaField:
    validators = [DataRequired(required)] if required else [Optional()]
    return TextAreaField(label, validators=[*validators, _too_long(what, MAX_TEXT)])


def _enum_radios(label: str, enum, required: str, invalid: str | None = None) -> RadioField:
    return RadioField(
        label,
        choices=choices((item.value, item.label) for item in enum),
        validators=[DataRequired(required)],
        invalid_message=invalid or required,
    )


def _checked(form_field) -> list[str]:
    return [value for value in (form_field.data or []) if value]


class _ReferralSourceFields:
    """Who referred, when and for which school: staff record these first. Declared before
    :class:`ReferralForm` so that, in the staff form, they come first in the error summary
    as on the page (WTForms orders fields by when they were declared)."""

    source = _enum_radios(
        "Who made the referral?",
        ReferralSource,
        "Select who made the referral",
        "Select who made the referral from the list",
    )
    referrer_name = StringField(
        "Referrer's name", validators=[_too_long("The referrer's name", 200)]
    )
    referrer_contact = StringField(
        "Referrer's phone number or email (optional)",
        validators=[Optional(), _too_long("The referrer's phone number or email", 254)],
    )
    received_on = DateInputField(
        "Date the referral was received",
        what="the date the referral was received",
        required="Enter the date the referral was received",
        default=service_today,
    )
    school_id = SelectField(
        "School",
        validators=[DataRequired("Select the school the child attends")],
        invalid_message="Select a school from the list",
    )
    in_education = RadioField(
        "Is the child in education?",
        choices=choices([(YES, "Yes"), (NO, "No")]),
        validators=[DataRequired("Select whether the child is in education")],
        invalid_message="Select whether the child is in education",
    )

    def validate_referrer_name(self, field):
        if self.referral_source() not in (None, ReferralSource.SCHOOL) and not field.data:
            raise ValidationError("Enter who made the referral")

    def validate_received_on(self, field):
        if field.data is not None and field.data > service_today():
            raise ValidationError("The date the referral was received must not be in the future")


class ChildFields:
    """The child's and the parent's or carer's details: the referral forms ask for them,
    and staff correct them later (``mhst.children.forms``)."""

    given_name = StringField(
        "First name",
        validators=[
            DataRequired("Enter the child's first name"),
            _too_long("First name", 100),
        ],
    )
    family_name = StringField(
        "Last name",
        validators=[
            DataRequired("Enter the child's last name"),
            _too_long("Last name", 100),
        ],
    )
    date_of_birth = DateInputField(
        "Date of birth",
        what="the child's date of birth",
        required="Enter the child's date of birth",
    )
    year_group = SelectField(
        "Year group",
        choices=choices([("", "Select a year group")])
        + choices((year.value, year.label) for year in YearGroup),
        validators=[DataRequired("Select the child's year group")],
        invalid_message="Select the child's year group from the list",
    )
    gender = _enum_radios(
        "Gender", Gender, "Select the child's gender", "Select the child's gender from the list"
    )
    ethnicity = SelectField(
        "Ethnicity (optional)",
        choices=choices([("", "Not given")])
        + choices((item.value, item.label) for item in Ethnicity),
        invalid_message="Select the child's ethnicity from the list",
    )
    nhs_number = StringField("NHS number (optional)", validators=[Optional()])

    # Parent or carer: the domain requires them for a child under 16
    parent_carer_name = StringField(
        "Parent or carer's full name", validators=[_too_long("The parent or carer's name", 200)]
    )
    parent_carer_relationship = StringField(
        "Their relationship to the child",
        validators=[_too_long("Their relationship to the child", 100)],
    )
    parent_carer_phone = StringField("Phone number", validators=[_too_long("The phone number", 40)])
    parent_carer_email = EmailField(
        "Email address",
        validators=[
            Optional(),
            _too_long("The email address", 254),
            Email("Enter an email address in the correct format, like name@example.org"),
        ],
    )

    def validate_nhs_number(self, field):
        problem = nhs_number.problem(field.data)
        if problem:
            raise ValidationError(problem)


class ReferralForm(ChildFields, OnceForm):
    """The referral form a school's Mental Health Lead fills in (source: the school)."""

    # What the child needs help with
    needs = CheckboxesField(
        "What does the child need help with?",
        choices=choices((need.value, need.label) for need in Need),
        validators=[DataRequired("Select what the child needs help with")],
        invalid_message="Select what the child needs help with from the list",
    )
    need_other = StringField(
        "Describe the other need", validators=[_too_long("The other need", 500)]
    )
    needs_detail = _long_text(
        "What have you noticed?", "What you have noticed", "Describe what you have noticed"
    )
    duration = _enum_radios(
        "How long has this been going on?",
        Duration,
        "Select how long this has been going on",
        "Select how long this has been going on from the list",
    )
    impact = _enum_radios(
        "How much does it affect the child's day-to-day life?",
        Impact,
        "Select how much it affects the child's day-to-day life",
        "Select how much it affects the child from the list",
    )
    already_tried = _long_text(
        "What has been tried already?",
        "What has been tried already",
        "Enter what has been tried already, or 'nothing yet'",
    )

    # Risk screen
    risks = CheckboxesField(
        "Has the child shown any of these?",
        choices=choices((risk.value, risk.label) for risk in RiskItem)
        + choices([(NO_RISK, "None of these")]),
        validators=[DataRequired("Select any risks, or select 'None of these'")],
        invalid_message="Select risks from the list, or select 'None of these'",
    )
    risk_detail = _long_text(
        "Tell us more about any risk (optional)", "What you tell us about risk"
    )

    # Agreement
    discussed_with_team = BooleanField(
        "I have discussed this child with the Mental Health Support Team"
    )
    child_agrees = _enum_radios(
        "Does the child agree to the referral?",
        ChildAgrees,
        "Select whether the child agrees to the referral",
        "Select whether the child agrees to the referral from the list",
    )

    def referral_source(self) -> ReferralSource | None:
        """Who made the referral (None while the answer is missing or not in the list)."""
        return ReferralSource.SCHOOL

    def validate_need_other(self, field):
        if Need.OTHER.value in _checked(self.needs) and not field.data:
            raise ValidationError("Describe the other need")

    def validate_risks(self, field):
        ticked = _checked(field)
        if NO_RISK in ticked and len(ticked) > 1:
            raise ValidationError("Select either risks or 'None of these', not both")

    def validate_discussed_with_team(self, field):
        if self.referral_source() is ReferralSource.SCHOOL and not field.data:
            raise ValidationError(
                "Discuss the child with the Mental Health Support Team before you refer"
            )

    # ---- what the domain needs ----

    def child_details(self) -> ChildDetails:
        return ChildDetails(
            given_name=self.given_name.data,
            family_name=self.family_name.data,
            date_of_birth=self.date_of_birth.data,
            gender=Gender(self.gender.data),
            year_group=YearGroup(self.year_group.data),
            ethnicity=Ethnicity(self.ethnicity.data) if self.ethnicity.data else None,
            nhs_number=self.nhs_number.data or None,
            parent_carer_name=self.parent_carer_name.data or None,
            parent_carer_relationship=self.parent_carer_relationship.data or None,
            parent_carer_phone=self.parent_carer_phone.data or None,
            parent_carer_email=self.parent_carer_email.data or None,
        )

    def referral_details(self) -> ReferralDetails:
        return ReferralDetails(
            needs=[Need(value) for value in _checked(self.needs)],
            duration=Duration(self.duration.data),
            impact=Impact(self.impact.data),
            needs_detail=self.needs_detail.data,
            already_tried=self.already_tried.data,
            risks=[RiskItem(value) for value in _checked(self.risks) if value != NO_RISK],
            discussed_with_team=bool(self.discussed_with_team.data),
            child_agrees=ChildAgrees(self.child_agrees.data),
            need_other=self.need_other.data or None,
            risk_detail=self.risk_detail.data or None,
            **self._source_details(),
        )

    def _source_details(self) -> dict:
        return {"source": ReferralSource.SCHOOL}


class RecordReferralForm(_ReferralSourceFields, ReferralForm):
    """Staff record a referral from another source (or a school's, received another way).

    Set ``school_id.choices`` to the schools in the user's scope before validating.
    """

    def referral_source(self) -> ReferralSource | None:
        values = {source.value for source in ReferralSource}
        return ReferralSource(self.source.data) if self.source.data in values else None

    def _source_details(self) -> dict:
        return {
            "source": ReferralSource(self.source.data),
            "referrer_name": self.referrer_name.data or None,
            "referrer_contact": self.referrer_contact.data or None,
            "received_on": self.received_on.data,
            "in_education": self.in_education.data == YES,
        }
