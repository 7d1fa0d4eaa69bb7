"""Domain rules for recording a campaign and its resources. These functions add to the
session and flush; the view commits (``mhst.core.forms.commit_operation``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from mhst.accounts.models import User
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.campaigns import files
from mhst.campaigns.models import Campaign, CampaignResource
from mhst.core.rules import RuleError
from mhst.core.time import utcnow
from mhst.core.versions import ensure_current
from mhst.extensions import db

URL_MAX = 2000
LONGEST_DAYS = 366


@dataclass(frozen=True)
class CampaignDetails:
    name: str
    theme: str | None
    first_day: date
    last_day: date
    message: str


def _checked(details: CampaignDetails) -> dict:
    name, message = details.name.strip(), details.message.strip()
    if not name:
        raise RuleError("name", "Enter the campaign's name")
    if not message:
        raise RuleError("message", "Enter the message to schools")
    if details.last_day < details.first_day:
        raise RuleError("last_day", "The last day must be the same as or after the first day")
    if (details.last_day - details.first_day).days >= LONGEST_DAYS:
        raise RuleError("last_day", "A campaign must last a year or less")
    return {
        "name": name,
        "theme": (details.theme or "").strip() or None,
        "first_day": details.first_day,
        "last_day": details.last_day,
        "message": message,
    }


def save_campaign(
    campaign: Campaign | None,
    details: CampaignDetails,
    *,
    by: User,
    read_version: int | None = None,
) -> Campaign:
    """Record a campaign (``campaign`` None) or change one; an edit made on
    ``read_version`` is refused if someone has saved the campaign since."""
    if campaign is not None:
        ensure_current(
            campaign,
            read_version,
            {
                "name": (campaign.name, details.name),
                "theme": (campaign.theme, details.theme),
                "first_day": (campaign.first_day, details.first_day),
                "last_day": (campaign.last_day, details.last_day),
                "message": (campaign.message, details.message),
            },
        )
    values = _checked(details)
    creating = campaign is None
    if creating:
        campaign = Campaign(created_by_id=by.id, created_at=utcnow())
        db.session.add(campaign)
    for key, value in values.items():
        setattr(campaign, key, value)
    db.session.flush()
    audit.record(
        AuditAction.CREATE if creating else AuditAction.UPDATE,
        AuditRecordType.CAMPAIGN,
        campaign.id,
        user=by,
    )
    return campaign


def check_url(url: str) -> str:
    """An https address with a host, as typed (trimmed), or a :class:`RuleError`."""
    url = (url or "").strip()
    if not url:
        raise RuleError("url", "Enter the link's address")
    if len(url) > URL_MAX:
        raise RuleError("url", f"The address must be {URL_MAX:,} characters or fewer")
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme != "https"
        or not parts.hostname
        or "." not in parts.hostname
        or any(c.isspace() for c in url)
    ):
        raise RuleError(
            "url", "Enter an address that starts with https://, like https://example.org"
        )
    return url


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise RuleError("title", "Enter the resource's title")
    if len(title) > 200:
        raise RuleError("title", "The title must be 200 characters or fewer")
    return title


def _added(campaign: Campaign, resource: CampaignResource, by: User) -> CampaignResource:
    db.session.add(resource)
    db.session.flush()
    audit.record(
        AuditAction.UPDATE,
        AuditRecordType.CAMPAIGN,
        campaign.id,
        user=by,
        detail=f"resource {resource.id} added",
    )
    return resource


def add_link(campaign: Campaign, *, title: str, url: str, by: User) -> CampaignResource:
    resource = CampaignResource(
        campaign=campaign, title=_title(title), url=check_url(url), added_by_id=by.id
    )
    return _added(campaign, resource, by)


def add_file(
    campaign: Campaign, *, title: str, file_name: str, data: bytes, by: User
) -> CampaignResource:
    """Keep an uploaded file in the database, once its name and content agree."""
    title = _title(title)
    kind = files.check_file(file_name, data)
    resource = CampaignResource(
        campaign=campaign,
        title=title,
        file_name=files.safe_name(file_name),
        content_type=kind.content_type,
        size=len(data),
        content=data,
        added_by_id=by.id,
    )
    return _added(campaign, resource, by)
