"""Words for a child's record: what each table's rows are called, counts in words
("1 referral, 2 consents"), column labels and values as a person reads them."""

from __future__ import annotations

import base64
import enum
from datetime import date, datetime
from decimal import Decimal

from mhst.core.formatting import format_date, format_datetime

# table: (one, many). A table missing here is named by its table name.
NOUNS: dict[str, tuple[str, str]] = {
    "child": ("child's record", "child's records"),
    "referral": ("referral", "referrals"),
    "referral_need": ("need", "needs"),
    "referral_risk": ("risk screen answer", "risk screen answers"),
    "referral_event": ("referral event", "referral events"),
    "consent": ("consent", "consents"),
    "referral_signpost": ("signposted service", "signposted services"),
    "allocation": ("allocation", "allocations"),
    "care_contact": ("1:1 session", "1:1 sessions"),
    "group_participant": ("place in a group", "places in groups"),
    "group_attendance": ("group attendance", "group attendances"),
    "measure_record": ("outcome measure", "outcome measures"),
    "measure_answer": ("measure answer", "measure answers"),
    "measure_score": ("measure score", "measure scores"),
    "questionnaire_link": ("questionnaire link", "questionnaire links"),
    "supervision_case": ("supervision decision", "supervision decisions"),
    "discharge": ("discharge", "discharges"),
    "letter": ("letter", "letters"),
    "case_risk_flag": ("risk flag", "risk flags"),
    "reminder_preference": ("agreement to session reminders", "agreements to session reminders"),
    "session_reminder": ("session reminder", "session reminders"),
    "retention_decision": ("retention decision", "retention decisions"),
    "text_version": ("version of an amended text", "versions of amended texts"),
    "notification": ("staff notification", "staff notifications"),
}


def noun(table_name: str, count: int = 1) -> str:
    one, many = NOUNS.get(table_name, (f"{table_name} row", f"{table_name} rows"))
    return one if count == 1 else many


TITLES = {"child": "The child and their parent or carer"}


def title(table_name: str) -> str:
    """A section's heading: the plural, capitalised."""
    text = TITLES.get(table_name) or noun(table_name, 2)
    return text[0].upper() + text[1:]


def counted(counts: dict[str, int]) -> str:
    """``{"referral": 1, "consent": 2}`` as "1 referral, 2 consents"."""
    return ", ".join(f"{n} {noun(name, n)}" for name, n in counts.items() if n) or "nothing"


def column_label(name: str) -> str:
    """``recorded_by_id`` as "Recorded by"."""
    words = name.removesuffix("_id").replace("_", " ")
    return words[0].upper() + words[1:] if words else name


def as_text(value: object) -> str:
    """A value as a person reads it: dates in words, enums by their label, yes or no."""
    if value is None:
        return "Not recorded"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, enum.Enum):
        return getattr(value, "label", str(value.value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bytes):  # a file kept on the record (a letter's PDF)
        return f"A file of {len(value):,} bytes, included in the JSON export"
    return str(value)


def as_json(value: object) -> object:
    """A value for the JSON export: ISO 8601 dates and times, enums by their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):  # a file kept on the record (a letter's PDF), in base64
        return base64.b64encode(value).decode("ascii")
    return value
