"""Demo reminders: a few families who agreed to reminders of sessions (by text, by email,
one asking for discretion), and the reminders of their next sessions as the job leaves
them without a Notify key (logged: the development outbox), with one that Notify refused
so the demo EMHP's home page shows a reminder that could not be sent."""

from __future__ import annotations

from sqlalchemy import select

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.referrals.models import OPEN_CASE_STATUSES, Referral
from mhst.referrals.reminder_preferences import PreferenceDetails, save_preferences
from mhst.sessions.models import CareContact
from mhst.sessions.reminder_models import ReminderChannel, ReminderStatus, SessionReminder
from mhst.sessions.reminders import personalisation

DEMO_EMHP = "emhp@mhst.example"
# Ofcom's numbers for drama (07700 900000 to 900999) and example.org addresses.
AGREEMENTS = (
    PreferenceDetails("parent_carer", True, False, "07700 900301", None, False),
    PreferenceDetails("young_person", False, True, None, "young.person@example.org", True),
    PreferenceDetails("parent_carer", True, True, "07700 900302", "parent@example.org", False),
    PreferenceDetails("parent_carer", True, False, "07700 900303", None, True),
)
REFUSED = "Notify refused it (400): phone_number Not a UK mobile number"


def _next_sessions(limit: int) -> list[CareContact]:
    """The next booked session of each open case, the demo EMHP's first."""
    emhp = db.session.scalars(select(User).filter_by(email=DEMO_EMHP)).one_or_none()
    contacts = db.session.scalars(
        select(CareContact)
        .join(Referral, Referral.id == CareContact.referral_id)
        .where(
            CareContact.attendance.is_(None),
            CareContact.entered_in_error_at.is_(None),
            CareContact.starts_at > utcnow(),
            Referral.status.in_(OPEN_CASE_STATUSES),
        )
        .order_by(CareContact.starts_at, CareContact.id)
    ).all()
    firsts: dict[int, CareContact] = {}
    for contact in contacts:
        firsts.setdefault(contact.referral_id, contact)
    ordered = sorted(firsts.values(), key=lambda c: emhp is None or c.practitioner_id != emhp.id)
    return ordered[:limit]


def _reminder(contact: CareContact, channel: ReminderChannel, discreet: bool) -> SessionReminder:
    values = personalisation(contact, discreet=discreet)
    return SessionReminder(
        care_contact_id=contact.id,
        channel=channel,
        status=ReminderStatus.LOGGED,
        announced_starts_at=contact.starts_at,
        logged_text="; ".join(f"{key}: {value}" for key, value in values.items()),
        sent_at=utcnow(),
    )


def load_reminders() -> None:
    contacts = _next_sessions(len(AGREEMENTS))
    for number, (contact, agreement) in enumerate(zip(contacts, AGREEMENTS, strict=False)):
        save_preferences(contact.referral, agreement, by=contact.practitioner, read_version=0)
        channels = [ReminderChannel.TEXT] if agreement.by_text else []
        channels += [ReminderChannel.EMAIL] if agreement.by_email else []
        for channel in channels:
            reminder = _reminder(contact, channel, agreement.discreet)
            if number == 0:  # the demo EMHP's: refused by Notify
                reminder.status, reminder.error, reminder.logged_text = (
                    ReminderStatus.FAILED,
                    REFUSED,
                    None,
                )
            db.session.add(reminder)
    db.session.flush()
