"""The forms of children's records: search, correction of details, merge and undo."""

from __future__ import annotations

from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from mhst.children.operations import Details
from mhst.children.queries import looks_like_nhs_number
from mhst.core import nhs_number
from mhst.core.fields import DateInputField
from mhst.core.forms import BaseForm, SelectField
from mhst.core.keyset import KeysetPage
from mhst.core.versions import VersionedForm
from mhst.referrals.forms import ChildFields
from mhst.referrals.models import Ethnicity, Gender, YearGroup

MAX_TEXT = 5000
REASON_LENGTH = Length(max=MAX_TEXT, message=f"The reason must be {MAX_TEXT} characters or fewer")


def _reason(label: str, required: str) -> TextAreaField:
    return TextAreaField(label, validators=[DataRequired(required), REASON_LENGTH])


class SearchForm(BaseForm):
    """Posted, never in the URL: an NHS number is personal data."""

    query = StringField(
        "Name or NHS number",
        validators=[Optional(), Length(max=200, message="Enter 200 characters or fewer")],
    )
    date_of_birth = DateInputField("Date of birth", what="the date of birth")
    # The page of results asked for, a button's value: "after:ID", "before:ID" or
    # "page:last" (mhst/core/keyset.py); anything else is the first page.
    page = StringField("Page")

    def validate_query(self, field):
        if field.data and looks_like_nhs_number(field.data):
            problem = nhs_number.problem(field.data)
            if problem:
                raise ValidationError(problem)

    def validate_date_of_birth(self, field):
        if not self.query.data and field.data is None and not field.errors:
            raise ValidationError("Enter a name, an NHS number or a date of birth")

    def cursor_args(self) -> dict[str, str]:
        """The page button's value as the arguments ``keyset.requested`` reads."""
        name, _, value = (self.page.data or "").partition(":")
        return {name: value} if name in CURSOR_ARGUMENTS else {}


CURSOR_ARGUMENTS = ("after", "before", "page")
# The search's page buttons (posted again with the search), in the order shown.
PAGE_BUTTONS = (("first", "First page"), ("prev", "Previous page"), ("next", "Next page"),
                ("last", "Last page"))  # fmt: skip


def page_buttons(page: KeysetPage) -> list[tuple[str, str]]:
    """(label, value) of each button a keyset page of results has: the value is one of
    its links' arguments as ``SearchForm.cursor_args`` reads it ("first" for none)."""
    buttons = []
    for link, label in PAGE_BUTTONS:
        arguments = page.links.get(link)
        if arguments is not None:
            value = ":".join(next(iter(arguments.items()))) if arguments else "first"
            buttons.append((label, value))
    return buttons


class CorrectDetailsForm(ChildFields, VersionedForm):
    """The child's and parent's details, the school among those in the user's reach (set
    ``school_id.choices`` before validating), and why they are corrected."""

    school_id = SelectField(
        "School",
        validators=[DataRequired("Select the child's school")],
        invalid_message="Select a school from the list",
    )
    reason = _reason("Why are you correcting these details?", "Enter why you are correcting them")

    def details(self, school) -> Details:
        return Details(
            given_name=self.given_name.data,
            family_name=self.family_name.data,
            date_of_birth=self.date_of_birth.data,
            nhs_number=self.nhs_number.data or None,
            gender=Gender(self.gender.data),
            ethnicity=Ethnicity(self.ethnicity.data) if self.ethnicity.data else None,
            school=school,
            year_group=YearGroup(self.year_group.data),
            parent_carer_name=self.parent_carer_name.data or None,
            parent_carer_relationship=self.parent_carer_relationship.data or None,
            parent_carer_phone=self.parent_carer_phone.data or None,
            parent_carer_email=self.parent_carer_email.data or None,
        )


class FindRecordForm(BaseForm):
    reference = StringField(
        "The other record's reference",
        validators=[
            DataRequired("Enter the other record's reference, like C000123"),
            Length(max=20, message="Enter a reference like C000123"),
        ],
    )

    def child_id(self) -> int | None:
        text = (self.reference.data or "").strip().upper().removeprefix("C")
        return int(text) if text.isdigit() and len(text) < 10 else None


class MergeForm(BaseForm):
    confirmed = BooleanField("I have checked that these two records are of the same child")
    reason = _reason("Why are you merging these records?", "Enter why you are merging them")

    def validate_confirmed(self, field):
        if not field.data:
            raise ValidationError("Confirm that you have checked they are the same child")


class UndoMergeForm(BaseForm):
    reason = _reason("Why are you undoing this merge?", "Enter why you are undoing it")
