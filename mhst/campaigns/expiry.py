"""When a campaign's links end.

A school's link (``/campaign/<token>``) works for ``CAMPAIGN_LINK_DAYS`` (180) days after
its email was sent, and never ends before the campaign's last day: a campaign sent in
good time still works throughout. It works to the end of that day (UK time); the day
after, the page says "This link has ended" (410) and points the school to the public
register-interest page, so a school that finds an old email is not stuck.

The day is worked out each time from the email's sending time and the campaign's last
day, not kept on the row: a longer ``CAMPAIGN_LINK_DAYS``, or a campaign's last day moved
later, lengthens links already sent. (A last day moved earlier may end a link before the
day its email gave, but never earlier than ``CAMPAIGN_LINK_DAYS`` after sending.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from mhst.campaigns.models import Campaign, CampaignRecipient
from mhst.core.time import service_today
from mhst.extensions import db


def link_days() -> int:
    return current_app.config["CAMPAIGN_LINK_DAYS"]


def ends_on(campaign: Campaign, sent_at: datetime | None) -> date:
    """The last day a link sent at ``sent_at`` (None: not sent yet, so today) works."""
    sent_on = service_today(sent_at) if sent_at is not None else service_today()
    return max(sent_on + timedelta(days=link_days()), campaign.last_day)


def recipient_ends_on(recipient: CampaignRecipient) -> date:
    # An email not (yet) recorded as sent counts from when it was queued.
    return ends_on(recipient.campaign, recipient.sent_at or recipient.queued_at)


def has_ended(recipient: CampaignRecipient, today: date | None = None) -> bool:
    return (today or service_today()) > recipient_ends_on(recipient)


@dataclass(frozen=True)
class CampaignLinks:
    """What the campaign's page tells its lead: how long links last, and the days the
    links already sent end (``first`` to ``last``; both None when none has been sent)."""

    days: int
    last_day: date
    first: date | None
    last: date | None
    ended: bool  # every link sent has ended

    @property
    def one_day(self) -> bool:
        return self.first == self.last


def campaign_links(campaign: Campaign, today: date | None = None) -> CampaignLinks:
    """When the links of ``campaign``'s emails end (one query: the first and last sent)."""
    earliest, latest = db.session.execute(
        select(func.min(CampaignRecipient.sent_at), func.max(CampaignRecipient.sent_at)).where(
            CampaignRecipient.campaign_id == campaign.id
        )
    ).one()
    first = ends_on(campaign, earliest) if earliest is not None else None
    last = ends_on(campaign, latest) if latest is not None else None
    return CampaignLinks(
        days=link_days(),
        last_day=campaign.last_day,
        first=first,
        last=last,
        ended=last is not None and (today or service_today()) > last,
    )
