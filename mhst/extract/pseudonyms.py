"""Pseudonyms for the national extract: keyed, stable, not reversible.

Each identifier is an HMAC-SHA256 of the record's kind and id under a secret key
(``EXTRACT_PSEUDONYM_KEY``, or ``SECRET_KEY`` when that is unset), cut to 16 hex
characters and prefixed by the kind: ``PER-`` a child, ``REF-`` a referral, ``CON-`` a
1:1 care contact, ``GRP-`` a group session, ``ASM-`` a completed outcome measure.

The same key gives the same pseudonym every month, so files from different months link
up; without the key nobody can go from a pseudonym back to the record, nor make the
pseudonym of a known id. Changing the key breaks the link with earlier extracts.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from flask import current_app

HEX_LENGTH = 16
KINDS = {
    "person": "PER",
    "referral": "REF",
    "contact": "CON",
    "group_session": "GRP",
    "assessment": "ASM",
}


class Pseudonymiser:
    def __init__(self, key: str | bytes):
        if not key:
            raise ValueError("the pseudonym key must not be empty")
        self._key = key.encode() if isinstance(key, str) else key
        # Keyed once: each pseudonym copies this and hashes its message (twice as fast as
        # keying a new HMAC every time, which counts in a national extract).
        self._keyed = hmac.new(self._key, digestmod=hashlib.sha256)
        # The same child and referral recur on many rows of a file.
        self.pseudonym = lru_cache(maxsize=200_000)(self._pseudonym)

    @classmethod
    def from_config(cls) -> Pseudonymiser:
        config = current_app.config
        return cls(config.get("EXTRACT_PSEUDONYM_KEY") or config["SECRET_KEY"])

    def _pseudonym(self, kind: str, record_id: int | None) -> str:
        """``KIND-`` and 16 hex characters; empty for a missing id."""
        if record_id is None:
            return ""
        prefix = KINDS[kind]
        keyed = self._keyed.copy()
        keyed.update(f"{kind}:{int(record_id)}".encode())
        return f"{prefix}-{keyed.hexdigest()[:HEX_LENGTH]}"

    def person(self, child_id: int | None) -> str:
        return self.pseudonym("person", child_id)

    def referral(self, referral_id: int | None) -> str:
        return self.pseudonym("referral", referral_id)

    def contact(self, contact_id: int | None) -> str:
        return self.pseudonym("contact", contact_id)

    def group_session(self, session_id: int | None) -> str:
        return self.pseudonym("group_session", session_id)

    def assessment(self, record_id: int | None) -> str:
        return self.pseudonym("assessment", record_id)
