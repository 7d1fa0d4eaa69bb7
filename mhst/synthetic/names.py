"""Invented names (syllables, not real people), NHS numbers from the 999 test range,
and the canned text the records carry."""

from __future__ import annotations

import random

FIRST = (
    "Al",
    "Bri",
    "Cor",
    "Da",
    "El",
    "Fen",
    "Gil",
    "Ha",
    "Is",
    "Jo",
    "Ka",
    "Lor",
    "Mi",
    "No",
    "Or",
    "Pe",
    "Quin",
    "Ro",
    "Sa",
    "Ta",
    "Ul",
    "Ve",
    "Wyn",
    "Xan",
    "Ya",
    "Zo",
)
MIDDLE = ("ba", "de", "li", "mo", "ra", "sy", "ve", "ne", "to", "ki", "")
END = ("n", "ra", "lie", "th", "ko", "na", "bel", "x", "s", "mi", "lo", "ris")
FAMILY_START = (
    "Ash",
    "Bram",
    "Cray",
    "Dun",
    "Elm",
    "Fair",
    "Glen",
    "Holt",
    "Ivy",
    "Kest",
    "Lark",
    "Moss",
    "Nor",
    "Oak",
    "Pen",
    "Quar",
    "Rook",
    "Stan",
    "Thorn",
    "Wick",
)
FAMILY_END = (
    "by",
    "combe",
    "dale",
    "field",
    "ford",
    "gate",
    "ham",
    "hurst",
    "ley",
    "mere",
    "ridge",
    "stead",
    "ton",
    "well",
    "worth",
    "wick",
)
PLACES = (
    "Amberley",
    "Brackenholt",
    "Cinderford",
    "Dovecote",
    "Eskdale",
    "Foxmoor",
    "Greywell",
    "Hartwood",
    "Ivybridge",
    "Juniper",
    "Kingsmere",
    "Larkrise",
    "Millbrook",
    "Nettlebed",
    "Oakhanger",
    "Pebblecombe",
    "Quayside",
    "Rushmere",
    "Saltash",
    "Thornbury",
    "Upwood",
    "Valeview",
    "Willowmere",
    "Yarrow",
)
SCHOOL_KINDS = {
    "primary": ("Primary School", "Infant and Junior School", "Primary Academy"),
    "secondary": ("Academy", "High School", "Community College"),
    "all_through": ("All-Through School",),
    "special": ("Special School",),
    "alternative_provision": ("Learning Centre",),
    "college": ("Sixth Form College",),
}  # fmt: skip
NEEDS_DETAIL = (
    "has been worrying a lot and avoiding lessons.",
    "has seemed low and withdrawn since the autumn.",
    "finds it hard to settle to sleep and is tired in school.",
    "has angry outbursts at home and in class.",
    "is anxious about being away from home.",
)
TRIED = "Check-ins with the pastoral team."
GOALS = (
    "Go to school every day",
    "Worry less at bedtime",
    "Talk to friends at lunch",
    "Stay calm when angry",
    "Sleep through the night",
    "Join a club",
)
NOTES = "Worked through the plan together; practice agreed for the week."


def person(rng: random.Random) -> tuple[str, str]:
    """An invented given and family name."""
    given = rng.choice(FIRST) + rng.choice(MIDDLE) + rng.choice(END)
    return given, rng.choice(FAMILY_START) + rng.choice(FAMILY_END)


def school_name(rng: random.Random, phase: str) -> str:
    return f"{rng.choice(PLACES)} {rng.choice(FAMILY_START)} {rng.choice(SCHOOL_KINDS[phase])}"


def nhs_number(child_id: int) -> str | None:
    """A number in the 999 range (never issued to a person) with a valid check digit,
    or None when the check digit would be 10 (no valid number)."""
    digits = f"999{child_id % 1_000_000:06d}"
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits))
    check = 11 - total % 11
    if check == 10:
        return None
    return digits + str(0 if check == 11 else check)
