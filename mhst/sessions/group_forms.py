"""The forms for setting a group up, adding a participant and recording a session.

Choices (schools, facilitators, referrals, participants) are set by the view from the
group's team; a value not offered gets a "from the list" message. The operations check
every rule again, so a crafted POST meets the same rules as the form.
"""

from __future__ import annotations

from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from mhst.core.fields import CheckboxesField, DateInputField, WholeNumberField
from mhst.core.forms import RadioField, SelectField, choices
from mhst.core.rules import RuleError
from mhst.core.submissions import OnceForm
from mhst.core.versions import VersionedForm
from mhst.sessions import group_operations as operations
from mhst.sessions import operations as rules
from mhst.sessions.forms import TIME_MESSAGE, parse_minutes, parse_time, reason_field
from mhst.sessions.group_models import GroupAudience, GroupKind
from mhst.sessions.group_times import GroupTiming

KIND_HINTS = {
    GroupKind.TARGETED.value: "Up to about 8 referred children or young people, or their parents.",
    GroupKind.UNIVERSAL.value: "8 to 30 children or young people who have not been referred.",
}
PLANNED_MESSAGE = (
    f"Enter the number of planned sessions, from 1 to {operations.MAX_PLANNED_SESSIONS}"
)
HEAD_COUNT_MESSAGE = (
    f"Enter how many children or young people came, from 0 to {operations.MAX_HEAD_COUNT}"
)
MINUTES_MESSAGE = "Enter the length in minutes as a whole number, like 45"
NEEDS_TIME = "Enter the start time of the session, so the room can be kept"
NOT_IN_GROUP = (
    "Someone marked as attended is not in this group: tick only this group's participants"
)


class GroupForm(OnceForm):
    title = StringField(
        "Name of the group",
        validators=[
            DataRequired("Enter the name of the group"),
            Length(
                max=operations.MAX_TITLE,
                message=f"The name of the group must be {operations.MAX_TITLE} characters or fewer",
            ),
        ],
    )
    kind = RadioField(
        "What kind of group is it?",
        choices=choices((kind.value, kind.label) for kind in GroupKind),
        validators=[InputRequired("Select whether the group is targeted or universal")],
        invalid_message="Select whether the group is targeted or universal",
    )
    audience = RadioField(
        "Who is the group for?",
        choices=choices((audience.value, audience.label) for audience in GroupAudience),
        validators=[InputRequired("Select who the group is for")],
        invalid_message="Select who the group is for",
    )
    school_id = SelectField(
        "School",
        validators=[Optional()],
        invalid_message="Select one of your team's schools from the list",
    )
    is_virtual = BooleanField("The group meets online (virtual)")
    facilitator_ids = CheckboxesField(
        "Facilitators",
        validators=[InputRequired("Select at least one facilitator")],
        invalid_message="Select facilitators from your team's EMHPs and senior clinicians",
    )
    planned_sessions = WholeNumberField(
        "How many sessions are planned?",
        validators=[InputRequired(PLANNED_MESSAGE)],
        invalid_message=PLANNED_MESSAGE,
        too_large_message=PLANNED_MESSAGE,
        maximum=operations.MAX_PLANNED_SESSIONS,
    )
    description = TextAreaField(
        "Description (optional)",
        validators=[
            Optional(),
            Length(
                max=operations.MAX_DESCRIPTION,
                message=(
                    f"The description must be {operations.MAX_DESCRIPTION:,} characters or fewer"
                ),
            ),
        ],
    )

    def set_choices(self, facilitators) -> None:
        """The facilitators; the schools are set by ``mhst.schools.choosing``."""
        self.facilitator_ids.choices = choices(
            (user.id, f"{user.full_name}, {user.role.label}") for user in facilitators
        )

    def validate_planned_sessions(self, field):
        if field.data is not None and field.data < 1:
            raise ValidationError(PLANNED_MESSAGE)

    def details(self) -> operations.GroupDetails:
        return operations.GroupDetails(
            title=self.title.data or "",
            kind=GroupKind(self.kind.data),
            audience=GroupAudience(self.audience.data),
            planned_sessions=self.planned_sessions.data,
            facilitator_ids=[int(value) for value in self.facilitator_ids.data or []],
            school_id=int(self.school_id.data) if self.school_id.data else None,
            is_virtual=bool(self.is_virtual.data),
            description=self.description.data,
        )


class ParticipantForm(OnceForm):
    referral_id = SelectField(
        "Child or young person",
        validators=[DataRequired("Select the child or young person to add")],
        invalid_message="Select a child or young person from the list",
    )
    as_parent = BooleanField("Add their parent or carer instead (parents' group)")

    def set_choices(self, referrals) -> None:
        self.referral_id.choices = choices(
            [("", "Select a child or young person")]
            + [(r.id, f"{r.child.full_name}, {r.school.name}, {r.reference}") for r in referrals]
        )


def _held_on_field() -> DateInputField:
    return DateInputField(
        "Date of the session",
        what="the date of the session",
        required="Enter the date of the session",
    )


class SessionForm(OnceForm):
    held_on = _held_on_field()
    topic = StringField(
        "Topic (optional)",
        validators=[
            Optional(),
            Length(
                max=operations.MAX_TOPIC,
                message=f"The topic must be {operations.MAX_TOPIC} characters or fewer",
            ),
        ],
    )
    attended = CheckboxesField("Who came to the session?", invalid_message=NOT_IN_GROUP)
    head_count = WholeNumberField(
        "How many children or young people came?",
        validators=[Optional()],
        invalid_message=HEAD_COUNT_MESSAGE,
        too_large_message=HEAD_COUNT_MESSAGE,
        maximum=operations.MAX_HEAD_COUNT,
    )

    start_time = StringField(
        "Start time (optional)",
        validators=[Optional(), Length(max=20, message=TIME_MESSAGE)],
    )
    duration_minutes = StringField(
        "Length in minutes",
        default=str(rules.DEFAULT_MINUTES),
        validators=[Length(max=20, message=MINUTES_MESSAGE)],
    )
    room_id = SelectField(
        "Room in school (optional)",
        choices=[],  # the group's school's rooms: set by the view
        validators=[Optional()],
        invalid_message="Select a room from the list",
    )

    def set_group(self, group, participants, rooms=()) -> None:
        self.universal = group.kind is GroupKind.UNIVERSAL
        self.attended.choices = choices(
            (p.id, operations.participant_name(p)) for p in participants
        )
        if self.room_id is not None:
            self.room_id.choices = choices(
                [("", "No room recorded")] + [(room.id, room.name) for room in rooms]
            )

    def validate_head_count(self, field):
        if getattr(self, "universal", False) and field.data is None:
            raise ValidationError(HEAD_COUNT_MESSAGE)

    def _timed(self) -> bool:
        return bool((self.start_time.data or "").strip())

    def validate_start_time(self, field):
        if parse_time(field.data) is None:
            raise ValidationError(TIME_MESSAGE)

    def validate_duration_minutes(self, field):
        if not self._timed():
            return  # no start time: the length is not kept
        if not (field.data or "").strip():
            raise ValidationError("Enter how long the session lasted, in minutes")
        minutes = parse_minutes(field.data)
        if minutes is None:
            raise ValidationError(MINUTES_MESSAGE)
        try:
            rules._check_duration(minutes)
        except RuleError as error:
            raise ValidationError(error.message) from error

    def validate_room_id(self, field):
        if field.data and not self._timed():
            raise ValidationError(NEEDS_TIME)

    def timing(self) -> GroupTiming | None:
        """The start time, length and room typed; None when no start time was given."""
        if not self._timed():
            return None
        return GroupTiming(
            start_time=parse_time(self.start_time.data),
            duration_minutes=parse_minutes(self.duration_minutes.data),
            room_id=self.room_id.data or None,
        )

    def attended_ids(self) -> set[int]:
        return {int(value) for value in self.attended.data or []}


# ---- corrections ----------------------------------------------------------------------


class GroupSessionDateForm(VersionedForm):
    held_on = _held_on_field()
    reason = reason_field()


class GroupAttendanceForm(VersionedForm, SessionForm):
    """Who came to a recorded session (a universal group: how many)."""

    held_on = None
    topic = None
    start_time = duration_minutes = room_id = None
    submission_token = None
    reason = reason_field()


class DeleteGroupSessionForm(VersionedForm):
    reason = reason_field("Why are you deleting this session?")
