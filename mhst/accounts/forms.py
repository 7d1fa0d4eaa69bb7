from __future__ import annotations

from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional

from mhst.core.forms import BaseForm, RadioField, SelectField, choices
from mhst.security.roles import ROLE_LABELS

EMAIL_MAX = 254
EMAIL_TOO_LONG = "Email address must be 254 characters or fewer"


class SignInForm(BaseForm):
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter your email address"),
            Length(max=EMAIL_MAX, message=EMAIL_TOO_LONG),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[
            InputRequired("Enter your password"),
            Length(max=1024, message="Password must be 1024 characters or fewer"),
        ],
    )


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(
        "Current password", validators=[InputRequired("Enter your current password")]
    )
    new_password = PasswordField("New password", validators=[InputRequired("Enter a new password")])


# Factories keep the two user forms' shared fields identical and in page order.
def _full_name():
    return StringField(
        "Full name",
        validators=[
            DataRequired("Enter the user's full name"),
            Length(max=120, message="Full name must be 120 characters or fewer"),
        ],
    )


def _role():
    return RadioField(
        "Role",
        choices=choices((role.value, label) for role, label in ROLE_LABELS.items()),
        validators=[InputRequired("Select the user's role")],
        invalid_message="Select the user's role",
    )


def _team():
    return SelectField(
        "Team", validators=[Optional()], invalid_message="Select a team from the list"
    )


def _school():
    return SelectField(
        "School", validators=[Optional()], invalid_message="Select a school from the list"
    )


class NewUserForm(BaseForm):
    full_name = _full_name()
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter the user's email address"),
            Length(max=EMAIL_MAX, message=EMAIL_TOO_LONG),
            Email("Enter an email address in the correct format, like name@example.org"),
        ],
    )
    role = _role()
    team_id = _team()
    school_id = _school()
    password = PasswordField(
        "Temporary password", validators=[InputRequired("Enter a temporary password")]
    )


class EditUserForm(BaseForm):
    full_name = _full_name()
    role = _role()
    team_id = _team()
    school_id = _school()


def set_team_choices(form: NewUserForm | EditUserForm, teams) -> None:
    """The teams; the schools are set by ``mhst.schools.choosing`` (narrowed when many)."""
    form.team_id.choices = choices(
        [("", "No team (works across the whole service)")] + [(t.id, t.name) for t in teams]
    )


NO_SCHOOL = ("", "No school (staff)")


def school_label(school) -> str:
    return f"{school.name} (URN {school.urn})"


class ForgottenPasswordForm(BaseForm):
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter your email address"),
            Length(max=EMAIL_MAX, message=EMAIL_TOO_LONG),
            Email("Enter an email address in the correct format, like name@example.org"),
        ],
    )


class ResetPasswordForm(BaseForm):
    new_password = PasswordField(
        "New password",
        validators=[
            InputRequired("Enter a new password"),
            Length(max=1024, message="Password must be 1024 characters or fewer"),
        ],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        validators=[
            InputRequired("Enter your new password again"),
            EqualTo("new_password", message="Enter the same password in both boxes"),
        ],
    )


class TemporaryPasswordForm(BaseForm):
    password = PasswordField(
        "Temporary password", validators=[InputRequired("Enter a temporary password")]
    )


class AuthenticatorCodeForm(BaseForm):
    code = StringField(
        "Code from your authenticator app",
        validators=[
            DataRequired("Enter the 6-digit code from your authenticator app"),
            Length(max=20, message="Enter the 6-digit code from your authenticator app"),
        ],
    )


class RecoveryCodeForm(BaseForm):
    code = StringField(
        "Recovery code",
        validators=[
            DataRequired("Enter one of your recovery codes"),
            Length(max=40, message="Enter a recovery code like abcde-23456"),
        ],
    )
