"""Who a child is: the rule that says whether a new referral is about a child already known.

A child is identified by their **NHS number** where both records have one; otherwise by
their **name** (compared trimmed, case-insensitively, without accents and with runs of
spaces as one), **date of birth** and **school**. The rule is :func:`compare`; it needs
no database (``mhst.referrals.child_records`` finds the candidates and applies it).

The safer behaviour where the NHS numbers match but the name or date of birth do not
(:attr:`Verdict.CONFLICT`): the new referral is **not** linked to the known child, who
may be a different child with a mistyped NHS number. It gets a new record, flagged as a
possible duplicate of the known one, and staff see the flag on both pages: they merge
the two records if they are one child, or correct the wrong NHS number. Linking silently
could show one child's history, notes and contacts as another's; two records of one child
are a nuisance staff are told about.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

_SPACES = re.compile(r"\s+")


def name_part(text: str | None) -> str:
    """One name as the rule compares it: no accents, case folded, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.casefold()).strip()


def name_key(given_name: str | None, family_name: str | None) -> str:
    """The first and last names as one key ("alex|invented"): kept on every child so the
    lookup is one indexed query. The bar keeps "Mary Ann | Smith" apart from
    "Mary | Ann Smith"."""
    return f"{name_part(given_name)}|{name_part(family_name)}"


class Verdict(enum.Enum):
    SAME = "same"  # the same child: link the referral to the known record
    DIFFERENT = "different"  # another child
    CONFLICT = "conflict"  # the same NHS number, another name or date of birth


@dataclass(frozen=True)
class Identity:
    """What the rule reads of a child, on a referral form or a stored record."""

    given_name: str
    family_name: str
    date_of_birth: date
    school_id: int
    nhs_number: str | None = None  # ten digits, without spaces, or None

    @property
    def key(self) -> str:
        return name_key(self.given_name, self.family_name)


def compare(new: Identity, known: Identity) -> Verdict:
    """Whether ``new`` (a referral's child) is the ``known`` child.

    Both with an NHS number: it decides (another number is another child, whatever the
    name); the same number with another name or date of birth is a conflict for staff.
    Otherwise the name, date of birth and school must all be the same.
    """
    same_person = new.key == known.key and new.date_of_birth == known.date_of_birth
    if new.nhs_number and known.nhs_number:
        if new.nhs_number != known.nhs_number:
            return Verdict.DIFFERENT
        return Verdict.SAME if same_person else Verdict.CONFLICT
    if same_person and new.school_id == known.school_id:
        return Verdict.SAME
    return Verdict.DIFFERENT
