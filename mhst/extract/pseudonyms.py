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
from collections.abc import Callable

from flask import current_app

HEX_LENGTH = 16
KINDS = {
    "person": "PER",
    "referral": "REF",
    "contact": "CON",
    "group_session": "GRP",
    "assessment": "ASM",
}


CACHED = 500_000  # pseudonyms kept per kind: a month's children and referrals nationally


class Pseudonymiser:
    def __init__(self, key: str | bytes):
        if not key:
            raise ValueError("the pseudonym key must not be empty")
        self._key = key.encode() if isinstance(key, str) else key
        # Keyed once: each pseudonym copies this and hashes its message (twice as fast as
        # keying a new HMAC every time, which counts in a national extract).
        self._keyed = hmac.new(self._key, digestmod=hashlib.sha256)
        # One function per kind, each with its own cache: the same child, referral and
        # contact recur on many rows and files (a dict costs less than functools' caches).
        self.person = self._maker("person")
        self.referral = self._maker("referral")
        self.contact = self._maker("contact")
        self.group_session = self._maker("group_session")
        self.assessment = self._maker("assessment")

    @classmethod
    def from_config(cls) -> Pseudonymiser:
        config = current_app.config
        return cls(config.get("EXTRACT_PSEUDONYM_KEY") or config["SECRET_KEY"])

    def pseudonym(self, kind: str, record_id: int | None) -> str:
        """``KIND-`` and 16 hex characters; empty for a missing id."""
        return getattr(self, kind)(record_id)

    def _maker(self, kind: str) -> Callable[[int | None], str]:
        prefix, tag, keyed, cache = f"{KINDS[kind]}-", f"{kind}:", self._keyed, {}

        def pseudonym(record_id: int | None) -> str:
            if record_id is None:
                return ""
            found = cache.get(record_id)
            if found is None:
                digest = keyed.copy()
                digest.update(f"{tag}{int(record_id)}".encode())
                found = prefix + digest.hexdigest()[:HEX_LENGTH]
                if len(cache) < CACHED:  # beyond, computed each time: memory stays bounded
                    cache[record_id] = found
            return found

        return pseudonym
