"""Forms for the school register: a school's details and the CSV import."""

from __future__ import annotations

import re

from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from mhst.core.forms import BaseForm, RadioField, SelectField, choices
from mhst.core.versions import VersionedForm
from mhst.schools.import_file import MAX_PUPILS
from mhst.schools.models import SchoolPhase

PHASE_CHOICES = choices((phase.value, phase.label) for phase in SchoolPhase)


def _whole_number_of_pupils(form, field) -> None:
    text = (field.data or "").strip()
    if not text:
        return
    if not re.fullmatch(r"\d{1,9}", text):
        raise ValidationError("Pupils on roll must be a whole number, 0 or more, like 420")
    if int(text) > MAX_PUPILS:
        raise ValidationError(f"Pupils on roll must be {MAX_PUPILS:,} or fewer")


def _area():
    return SelectField(
        "Area",
        validators=[InputRequired("Select the school's area")],
        invalid_message="Select an area from the list",
    )


def _team():
    return SelectField(
        "MHST team", validators=[Optional()], invalid_message="Select a team from the list"
    )


class SchoolForm(VersionedForm):
    name = StringField(
        "Name",
        validators=[
            DataRequired("Enter the school's name"),
            Length(max=200, message="The name must be 200 characters or fewer"),
        ],
    )
    urn = StringField(
        "DfE URN (unique reference number)",
        validators=[
            DataRequired("Enter the school's URN"),
            Regexp(r"^\d{6}$", message="Enter the URN as 6 digits, like 120345"),
        ],
    )
    phase = RadioField(
        "Phase",
        choices=PHASE_CHOICES,
        validators=[InputRequired("Select the school's phase")],
        invalid_message="Select the school's phase",
    )
    area_id = _area()
    local_authority = StringField(
        "Local authority (optional)",
        validators=[
            Optional(),
            Length(max=120, message="The local authority must be 120 characters or fewer"),
        ],
    )
    pupils_on_roll = StringField(
        "Pupils on roll (optional)", validators=[Optional(), _whole_number_of_pupils]
    )
    team_id = _team()
    contact_email = EmailField(
        "School office email address (optional)",
        validators=[
            Optional(),
            Length(max=254, message="The email address must be 254 characters or fewer"),
        ],
    )

    def pupils(self) -> int | None:
        return int(self.pupils_on_roll.data) if self.pupils_on_roll.data else None


class ImportSchoolsForm(BaseForm):
    file = FileField("Upload a CSV file", validators=[FileRequired("Select a CSV file of schools")])
    area_id = SelectField(
        "Area for new schools",
        validators=[InputRequired("Select the area new schools belong to")],
        invalid_message="Select an area from the list",
    )
    team_id = _team()


def set_choices(form: SchoolForm | ImportSchoolsForm, areas, teams, *, no_team: str) -> None:
    form.area_id.choices = choices([("", "Select an area")] + [(a.id, a.name) for a in areas])
    form.team_id.choices = choices([("", no_team)] + [(t.id, t.name) for t in teams])
