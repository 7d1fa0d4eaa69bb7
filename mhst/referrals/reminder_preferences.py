"""How a family agreed to be reminded of sessions: recorded on the referral.

Who agreed (the parent or carer, or the young person), by text and/or by email, the
mobile number and email address to use, and whether they asked for discretion (the
reminder must not name the service). No row, or a row with neither channel, means no
reminders: the default. The reminder job (``mhst.sessions.reminders``, a higher layer)
reads it; nothing here sends anything.

Edits are versioned (a save on a version someone else has since changed is refused) and
audit-logged on the referral with what changed (never the number or the address).
Operations add to the session and flush; the caller commits once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Boolean, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core.rules import RuleError
from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.core.versions import ensure_current, version_column, versioned
from mhst.extensions import db
from mhst.referrals.models import Referral
from mhst.security.permissions import Permission, has_permission

EMAIL_MAX = 254
MOBILE_MESSAGE = "Enter a UK mobile number, like 07700 900123 or +44 7700 900123"
EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.org"


class ReminderContact(LabelledEnum):
    """Who agreed to be reminded."""

    PARENT_CARER = "parent_carer"
    YOUNG_PERSON = "young_person"

    @property
    def label(self) -> str:
        return {
            ReminderContact.PARENT_CARER: "The parent or carer",
            ReminderContact.YOUNG_PERSON: "The young person",
        }[self]


class ReminderPreference(db.Model):
    """A referral's agreement to session reminders (one row per referral)."""

    __tablename__ = "reminder_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = version_column()
    __mapper_args__ = versioned(version)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), unique=True)
    contact: Mapped[ReminderContact | None] = mapped_column(
        string_enum(ReminderContact, "reminder_contact", 20)
    )
    by_text: Mapped[bool] = mapped_column(Boolean, default=False)
    by_email: Mapped[bool] = mapped_column(Boolean, default=False)
    mobile_number: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    discreet: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    referral: Mapped[Referral] = relationship()
    updated_by: Mapped[User] = relationship()

    @property
    def any_channel(self) -> bool:
        return self.by_text or self.by_email

    def channels_text(self) -> str:
        """ "By text and email", "By text", "By email", or "No reminders"."""
        chosen = [name for name, on in (("text", self.by_text), ("email", self.by_email)) if on]
        return "By " + " and ".join(chosen) if chosen else "No reminders"


@dataclass
class PreferenceDetails:
    contact: ReminderContact | str | None
    by_text: bool
    by_email: bool
    mobile_number: str | None
    email: str | None
    discreet: bool


def uk_mobile(value: str | None) -> str:
    """A UK mobile number as 07xxxxxxxxx, from the ways people write one (spaces,
    dashes, brackets, +44 or 0044); anything else is refused."""
    digits = re.sub(r"[\s\-().]", "", value or "")
    if digits.startswith("+44"):
        digits = "0" + digits[3:]
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    if not re.fullmatch(r"07[0-9]{9}", digits):
        raise RuleError("mobile_number", MOBILE_MESSAGE)
    return digits


def checked_email(value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > EMAIL_MAX:
        raise RuleError("email", f"The email address must be {EMAIL_MAX} characters or fewer")
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise RuleError("email", EMAIL_MESSAGE) from None


def preference_of(referral_id: int) -> ReminderPreference | None:
    return db.session.scalars(
        select(ReminderPreference).where(ReminderPreference.referral_id == referral_id)
    ).one_or_none()


def page_values(referral: Referral, user) -> dict:
    """What the referral's page (staff view) shows of the agreement, and whether ``user``
    may change it."""
    return {
        "reminder_preference": preference_of(referral.id),
        "can_edit_reminders": has_permission(user, Permission.RECORD_CONSENT)
        and not referral.status.is_closed,
    }


def _checked(details: PreferenceDetails) -> dict:
    """The values to save: channels need who agreed and their number or address; what a
    channel not chosen would use is not kept."""
    try:
        contact = ReminderContact(details.contact) if details.contact else None
    except ValueError:
        raise RuleError("contact", "Select who agreed to be reminded") from None
    if (details.by_text or details.by_email) and contact is None:
        raise RuleError("contact", "Select who agreed to be reminded")
    return {
        "contact": contact if (details.by_text or details.by_email) else None,
        "by_text": bool(details.by_text),
        "by_email": bool(details.by_email),
        "mobile_number": uk_mobile(details.mobile_number) if details.by_text else None,
        "email": checked_email(details.email) if details.by_email else None,
        "discreet": bool(details.discreet),
    }


def _changes(preference: ReminderPreference | None, values: dict) -> list[str]:
    """The names of what changed, for the audit log (never the number or address)."""
    if preference is None:
        return [name for name, value in values.items() if value]
    return [name for name, value in values.items() if getattr(preference, name) != value]


def save_preferences(
    referral: Referral, details: PreferenceDetails, *, by: User, read_version: int | None
) -> ReminderPreference:
    """Record the family's agreement to reminders; refused if someone saved since the
    user read it (``read_version``: 0 when there was nothing saved yet)."""
    values = _checked(details)
    preference = preference_of(referral.id)
    if preference is None and read_version:
        raise RuleError("", "Someone else changed this record while you were editing it")
    ensure_current(
        preference,
        read_version,
        {
            "by_text": (preference.by_text if preference else None, values["by_text"]),
            "by_email": (preference.by_email if preference else None, values["by_email"]),
            "discreet": (preference.discreet if preference else None, values["discreet"]),
        },
    )
    changed = _changes(preference, values)
    if preference is None:
        preference = ReminderPreference(referral_id=referral.id, updated_by_id=by.id, **values)
        db.session.add(preference)
    else:
        for name, value in values.items():
            setattr(preference, name, value)
        preference.updated_by_id = by.id
        preference.updated_at = utcnow()
    detail = "Reminder preferences: " + (", ".join(changed) if changed else "saved unchanged")
    record(AuditAction.UPDATE, AuditRecordType.REFERRAL, referral.id, detail=detail, user=by)
    db.session.flush()
    return preference
