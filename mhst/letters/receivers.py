"""What letters adds to pages of packages below it (``mhst.core.signals``): the letters
on a child's timeline, and the letter links on the referral's page."""

from __future__ import annotations

from flask import url_for

from mhst.casework.timeline_entry import TimelineEntry, joined, name_of
from mhst.core import signals
from mhst.core.formatting import format_date
from mhst.letters import operations
from mhst.referrals.models import Referral
from mhst.security.permissions import Permission, has_permission


@signals.timeline_entries.connect
def _letter_entries(_sender, *, referral_ids, notes_for, **_) -> list[TimelineEntry]:
    """Each letter produced, linked to its PDF where the viewer may open the case."""
    return [
        TimelineEntry(
            letter.produced_at,
            "letter",
            f"Letter: {letter.kind.label}",
            joined(
                f"To {letter.recipient_name}",
                f"Shared with the school on {format_date(letter.shared_with_school_at)}"
                if letter.shared
                else None,
            ),
            name_of(letter.produced_by),
            record_id=letter.id,
            referral_id=letter.referral_id,
            **_links(letter) if letter.referral_id in notes_for else {},
        )
        for letter in operations.letters_of(referral_ids)
    ]


def _links(letter) -> dict:
    ids = {"case_id": letter.referral_id, "letter_id": letter.id}
    return {
        "link_url": url_for("letters.show", **ids),
        "download_url": url_for("letters.download", **ids),
    }


@signals.referral_page.connect
def _referral_page(
    referral: Referral, *, user, lead_view: bool, case_view: bool = False, **_
) -> dict:
    if lead_view:
        return {"shared_letters": operations.shared_letters(referral)}
    return {
        "can_write_letter": case_view and has_permission(user, Permission.LOG_SESSIONS),
    }
