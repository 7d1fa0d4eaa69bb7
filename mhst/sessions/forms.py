"""The forms for booking, logging and recording the outcome of a 1:1 session.

One page, few keystrokes: the date and the time are the only things that must be typed
(everything else has a sensible default or is a click). Times are typed in UK time
("14:30", "9.15", "2pm") and turned into an aware datetime here.
"""

from __future__ import annotations

import re
from datetime import datetime, time

from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from mhst.core.fields import DateInputField
from mhst.core.forms import BaseForm, RadioField, SelectField, choices
from mhst.core.rules import RuleError
from mhst.core.submissions import OnceForm
from mhst.core.time import SERVICE_TIME_ZONE
from mhst.core.versions import VersionedForm
from mhst.sessions import courses
from mhst.sessions import operations as sessions
from mhst.sessions.models import Attendance, ContactMode, ContactStage, Pathway, WhoAttended

_TIME = re.compile(
    r"(?P<hour>[0-9]{1,2})(?:(?:[:.h]|\s)?(?P<minute>[0-9]{2}))?\s*(?P<half>am|pm|a\.m\.|p\.m\.)?",
    re.IGNORECASE,
)
_MINUTES = re.compile(r"(?P<number>-?[0-9]{1,6})\s*(?:m|min|mins|minutes)?", re.IGNORECASE)
TIME_MESSAGE = "Enter a real time in the 24-hour clock, like 14:30"
NOT_DECIDED = ""


def parse_time(text: str) -> time | None:
    """A time as people type it: "14:30", "9.05", "0930", "2pm", "2:30 pm"; None if it
    is not a real time."""
    match = _TIME.fullmatch((text or "").strip())
    if not match:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    half = (match["half"] or "").replace(".", "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def parse_minutes(text: str) -> int | None:
    match = _MINUTES.fullmatch((text or "").strip())
    return int(match["number"]) if match else None


def _as_validation_error(check, *args) -> None:
    try:
        check(*args)
    except RuleError as error:
        raise ValidationError(error.message) from error


def _attendance_field(label: str = "What happened?") -> RadioField:
    return RadioField(
        label,
        choices=choices((a.value, a.label) for a in sessions.RECORDABLE),
        validators=[InputRequired("Select what happened at the session")],
        invalid_message="Select what happened at the session",
    )


def _who_field() -> RadioField:
    return RadioField(
        "Who attended?",
        choices=choices((w.value, w.label) for w in WhoAttended),
        # No Optional(): it would stop the check that an attended session names someone.
        invalid_message="Select who attended from the list",
    )


def _notes_field(label: str, what: str) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            Optional(),
            Length(
                max=sessions.NOTES_MAX,
                message=f"{what} must be {sessions.NOTES_MAX:,} characters or fewer",
            ),
        ],
    )


def _new_risk_field() -> RadioField:
    return RadioField(
        "Was a new risk raised?",
        choices=choices(
            [("yes", "Yes: flag the case for a senior clinician's review"), ("no", "No")]
        ),
        validators=[InputRequired("Select whether a new risk was raised at the session")],
        invalid_message="Select whether a new risk was raised at the session",
    )


class _OutcomeFields:
    """Who attended is needed when the session was attended, and only then."""

    def validate_who_attended(self, field):
        if self.attendance.data == Attendance.ATTENDED.value and not field.data:
            raise ValidationError("Select who attended: the child, a parent or carer, or both")

    def outcome(self) -> sessions.OutcomeDetails:
        attended = self.attendance.data == Attendance.ATTENDED.value
        return sessions.OutcomeDetails(
            attendance=Attendance(self.attendance.data),
            who_attended=WhoAttended(self.who_attended.data)
            if attended and self.who_attended.data
            else None,
            # A correction of the attendance carries no notes: they are amended.
            clinical_notes=self._text("clinical_notes"),
            risk_update=self._text("risk_update"),
            new_risk=self._text("new_risk") == "yes",
            reason=self._text("reason"),
        )

    def _text(self, name: str) -> str | None:
        field = getattr(self, name, None)
        return field.data if field is not None else None


class _TimeFields:
    """The date, start time and length of a session, typed in UK time."""

    session_date = DateInputField(
        "Date", what="the date of the session", required="Enter the date of the session"
    )
    start_time = StringField(
        "Start time",
        validators=[
            InputRequired("Enter the start time, like 14:30"),
            Length(max=20, message=TIME_MESSAGE),
        ],
    )
    duration_minutes = StringField(
        "Length in minutes",
        validators=[
            InputRequired("Enter how long the session lasts, in minutes"),
            Length(max=20, message="Enter the length in minutes as a whole number, like 45"),
        ],
    )

    def validate_start_time(self, field):
        if parse_time(field.data) is None:
            raise ValidationError(TIME_MESSAGE)

    def validate_duration_minutes(self, field):
        minutes = parse_minutes(field.data)
        if minutes is None:
            raise ValidationError("Enter the length in minutes as a whole number, like 45")
        _as_validation_error(sessions._check_duration, minutes)

    def starts_at(self) -> datetime:
        """The date and time typed, in UK time, as an aware datetime."""
        return datetime.combine(
            self.session_date.data, parse_time(self.start_time.data), tzinfo=SERVICE_TIME_ZONE
        )


class _SessionFields(_TimeFields, OnceForm):
    stage = RadioField(
        "Stage",
        choices=choices((s.value, s.label) for s in ContactStage),
        validators=[InputRequired("Select the stage of the session")],
        invalid_message="Select the stage of the session",
    )
    mode = RadioField(
        "How it is held",
        choices=choices((m.value, m.label) for m in ContactMode),
        validators=[InputRequired("Select how the session is held")],
        invalid_message="Select how the session is held",
    )
    location = StringField(
        "Place",
        validators=[
            Optional(),
            Length(
                max=sessions.LOCATION_MAX,
                message=f"The place must be {sessions.LOCATION_MAX} characters or fewer",
            ),
        ],
    )
    pathway = SelectField(
        "Pathway",
        choices=choices([(NOT_DECIDED, "Not decided yet"), *((p.value, p.label) for p in Pathway)]),
        validators=[Optional()],
        invalid_message="Select the pathway from the list",
    )

    def details(self) -> sessions.SessionDetails:
        return sessions.SessionDetails(
            starts_at=self.starts_at(),
            duration_minutes=parse_minutes(self.duration_minutes.data),
            stage=ContactStage(self.stage.data),
            mode=ContactMode(self.mode.data),
            location=self.location.data,
            pathway=Pathway(self.pathway.data) if self.pathway.data else None,
        )


class BookSessionForm(_SessionFields):
    """Book a session ahead: face to face in school in one of the school's rooms, and
    repeated weekly for a course if asked."""

    room_id = SelectField(
        "Room in school",
        choices=[],  # the child's school's rooms: set by the view
        validators=[Optional()],
        invalid_message="Select a room from the list",
    )
    repeat_weeks = StringField(
        "Repeat weekly: number of weeks",
        default="1",
        validators=[
            Length(max=4, message=f"Enter a number of weeks from 1 to {courses.MAX_WEEKS}")
        ],
    )

    skip_closed = BooleanField(
        "Skip the weeks when the school is closed, and add them at the end of the course",
        default=True,
    )

    def error_list(self) -> list[tuple[str, str]]:
        """Every message of each field: a course refused names each failing week."""
        return [(field.id, message) for field in self for message in field.errors]

    def validate_repeat_weeks(self, field):
        _as_validation_error(courses.check_weeks, self.weeks())

    def weeks(self) -> int | None:
        """The number of weeks typed: 1 if left empty, None if it is not a number."""
        text = (self.repeat_weeks.data or "").strip()
        if not text:
            return 1
        return int(text) if text.isdigit() else None

    def details(self) -> sessions.SessionDetails:
        details = super().details()
        details.room_id = self.room_id.data or None
        return details


class LogSessionForm(_OutcomeFields, _SessionFields):
    attendance = _attendance_field()
    who_attended = _who_field()
    clinical_notes = _notes_field("Clinical notes", "Clinical notes")
    new_risk = _new_risk_field()
    risk_update = _notes_field("Risk update", "The risk update")

    def details(self) -> sessions.SessionDetails:
        details = super().details()
        outcome = self.outcome()
        details.attendance = outcome.attendance
        details.who_attended = outcome.who_attended
        details.clinical_notes = outcome.clinical_notes
        details.risk_update = outcome.risk_update
        details.new_risk = outcome.new_risk
        return details


class OutcomeForm(_OutcomeFields, BaseForm):
    # Before the session starts: why it is cancelled (the operation checks it is given).
    reason = TextAreaField("Why is it cancelled?", validators=[Optional()])
    attendance = _attendance_field()
    who_attended = _who_field()
    clinical_notes = _notes_field("Clinical notes", "Clinical notes")
    new_risk = _new_risk_field()
    risk_update = _notes_field("Risk update", "The risk update")

    def offer_only_cancellations(self) -> None:
        """Before a session starts, it can only be cancelled."""
        self.attendance.choices = choices(
            (a.value, a.label) for a in Attendance if a in sessions.CANCELLATIONS
        )


# ---- corrections ----------------------------------------------------------------------


def reason_field(label: str = "Why are you making this change?") -> TextAreaField:
    # Whether a reason was given, and its length, are the operation's rules.
    return TextAreaField(label, validators=[Optional()])


class ChangeTimeForm(_TimeFields, VersionedForm):
    """Reschedule a booked session (in school, perhaps to another room), or correct a
    logged one's date and time."""

    room_id = SelectField(
        "Room in school",
        choices=[],  # the school's rooms, for a booked session in school: set by the view
        validators=[Optional()],
        invalid_message="Select a room from the list",
    )
    reason = reason_field()


class ChangeAttendanceForm(_OutcomeFields, VersionedForm):
    """Correct what happened at a logged session (the notes are amended separately)."""

    attendance = _attendance_field()
    who_attended = _who_field()
    reason = reason_field()


class DeleteSessionForm(VersionedForm):
    reason = reason_field("Why are you deleting this session?")
