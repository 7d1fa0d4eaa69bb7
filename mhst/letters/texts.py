"""The letters' texts: plain text with placeholders such as ``{child_first_name}``.

A template is checked before it is saved (:func:`problems`): every placeholder must be
one this kind of letter fills in, written ``{name}``; a brace meant as a brace is doubled
(``{{`` and ``}}``). Filling one in (:func:`fill`) replaces names only: no attribute
access, no format specification, nothing of Python's ``str.format`` beyond the name.
The default texts ship here; an administrator's saved template overrides one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from mhst.letters.models import LetterKind

# Every placeholder, with what it is filled with (shown on the template's page).
PLACEHOLDERS: dict[str, str] = {
    "child_name": "The child's full name",
    "child_first_name": "The child's first name",
    "date_of_birth": "The child's date of birth, such as 4 March 2014",
    "case_reference": "The case's reference, such as R000123",
    "parent_name": "The parent or carer's name on the referral",
    "recipient_name": "Who the letter is to",
    "session_date": "The session's date, such as Tuesday 12 January 2027",
    "session_time": "The session's start time, such as 09:30",
    "place": "Where the session is: its room, or how it is held (video call, telephone)",
    "practitioner_name": "The name of whoever produces the letter",
    "school_name": "The child's school",
    "discharge_reason": "Why the case was closed, such as goals met",
    "service_name": "The service's name",
    "today": "The date the letter is produced",
}
SESSION_PLACEHOLDERS = frozenset({"session_date", "session_time", "place"})
DISCHARGE_PLACEHOLDERS = frozenset({"discharge_reason"})


def allowed(kind: LetterKind) -> frozenset[str]:
    """The placeholders a kind of letter can fill in: a session's only in a letter about
    a session, the discharge reason only in a discharge letter."""
    names = set(PLACEHOLDERS)
    if not kind.needs_session:
        names -= SESSION_PLACEHOLDERS
    if not kind.needs_discharge:
        names -= DISCHARGE_PLACEHOLDERS
    return frozenset(names)


# A doubled brace, a placeholder, or a brace on its own (malformed).
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"[a-z_]+")
_ESCAPED = {"{{": "{", "}}": "}"}


def problems(body: str, kind: LetterKind) -> list[str]:
    """What is wrong with a template's placeholders, each named; empty if nothing is."""
    unknown: list[str] = []
    elsewhere: list[str] = []
    malformed: list[str] = []
    for match in _TOKEN.finditer(body):
        token = match.group(0)
        if token in _ESCAPED:
            continue
        name = match.group(1)
        if name is None or not _NAME.fullmatch(name):
            malformed.append(token)
        elif name not in PLACEHOLDERS:
            unknown.append(token)
        elif name not in allowed(kind):
            elsewhere.append(token)
    found = []
    if unknown:
        found.append(f"Unknown placeholders: {_listed(unknown)}. Use only those listed")
    if elsewhere:
        found.append(
            f"{_listed(elsewhere)} cannot be filled in in a letter of this kind. "
            "Use only those listed"
        )
    if malformed:
        found.append(
            f"Placeholders written wrongly: {_listed(malformed)}. Write a placeholder as a "
            "name in braces, such as {child_first_name}; write a brace on its own as {{ or }}"
        )
    return found


def _listed(tokens: list[str]) -> str:
    return ", ".join(dict.fromkeys(tokens))


def fill(body: str, values: Mapping[str, str]) -> str:
    """The template with each placeholder replaced by its value (a checked template)."""

    def replace(match: re.Match) -> str:
        written = match.group(0)
        if written in _ESCAPED:
            return _ESCAPED[written]
        name = match.group(1)
        if name is None or name not in values:
            return written  # refused when saved; left as written if ever met
        return values[name]

    return _TOKEN.sub(replace, body)


# Invented details for the preview of a template.
SAMPLE: dict[str, str] = {
    "child_name": "Sam Example",
    "child_first_name": "Sam",
    "date_of_birth": "4 March 2014",
    "case_reference": "R000123",
    "parent_name": "Alex Example",
    "recipient_name": "Alex Example",
    "session_date": "Tuesday 12 January 2027",
    "session_time": "09:30",
    "place": "Meeting room 2",
    "practitioner_name": "Jo Practitioner",
    "school_name": "Example Primary School",
    "discharge_reason": "goals met",
    "service_name": "Mental Health Support Team",
    "today": "4 January 2027",
}

_SIGN_OFF = "\n\nIf you have any questions, please contact us using the details above."

DEFAULTS: dict[LetterKind, str] = {
    LetterKind.CONSENT_REQUEST: (
        "Dear {recipient_name},\n\n"
        "{school_name} has asked the {service_name} to offer some support to "
        "{child_first_name} (date of birth {date_of_birth}).\n\n"
        "Before we talk about {child_first_name} with the school or start any work, we "
        "need your consent. The support is early help for worries, low mood and similar "
        "difficulties, usually 6 to 8 short sessions in school or online.\n\n"
        "Please contact us to give or discuss your consent. You can withdraw it at any "
        "time, and then all work stops." + _SIGN_OFF
    ),
    LetterKind.APPOINTMENT: (
        "Dear {recipient_name},\n\n"
        "This letter confirms an appointment for {child_first_name} with "
        "{practitioner_name} of the {service_name}.\n\n"
        "Date: {session_date}\nTime: {session_time}\nPlace: {place}\n\n"
        "If you cannot come, please tell us as soon as you can so that we can offer the "
        "time to someone else and arrange another for you." + _SIGN_OFF
    ),
    LetterKind.DID_NOT_ATTEND: (
        "Dear {recipient_name},\n\n"
        "{child_first_name} had an appointment with {practitioner_name} on "
        "{session_date} at {session_time} ({place}), and we were sorry not to see you.\n\n"
        "Please contact us within two weeks to arrange another appointment. If we do not "
        "hear from you, we may close {child_first_name}'s case, and you can ask for help "
        "again at any time." + _SIGN_OFF
    ),
    LetterKind.DISCHARGE_PARENT: (
        "Dear {recipient_name},\n\n"
        "{child_first_name}'s support from the {service_name} has now finished "
        "(reason: {discharge_reason}).\n\n"
        "Thank you for working with us. If things become difficult again, please talk to "
        "{school_name}, who can ask for support again, or contact your GP. In an emergency "
        "call 999; for urgent mental health help call NHS 111 and choose option 2." + _SIGN_OFF
    ),
    LetterKind.DISCHARGE_GP: (
        "Dear {recipient_name},\n\n"
        "Re: {child_name}, date of birth {date_of_birth}, our reference {case_reference}\n\n"
        "We write to let you know that {child_first_name} has been discharged from the "
        "{service_name} (reason: {discharge_reason}). {child_first_name} was seen for "
        "low-intensity support at {school_name}.\n\n"
        "No further action is needed from you. The family knows how to ask for support "
        "again through the school." + _SIGN_OFF
    ),
    LetterKind.SCHOOL_ADVICE: (
        "Dear {recipient_name},\n\n"
        "Re: {child_name}, our reference {case_reference}\n\n"
        "Our work with {child_first_name} has now finished (reason: {discharge_reason}). "
        "To help {child_first_name} keep the progress made, the school may wish to:\n\n"
        "- keep a named adult {child_first_name} can go to when worried\n"
        "- give notice of changes to routine where possible\n"
        "- let {child_first_name} use the strategies practised in sessions\n\n"
        "If new concerns arise, please discuss them with the team and send a new request "
        "for support." + _SIGN_OFF
    ),
}
