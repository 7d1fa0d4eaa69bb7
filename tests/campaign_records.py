"""A campaign with one link and one (PDF) file, for the route tables: found or made, so
the campaign's and the file's ids in one URL belong together."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from mhst.campaigns.models import Campaign, CampaignResource
from mhst.extensions import db

NAME = "Route table campaign"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def the_campaign() -> tuple[int, int]:
    """(campaign id, its file's id)."""
    campaign = db.session.scalars(select(Campaign).where(Campaign.name == NAME)).first()
    if campaign is None:
        campaign = Campaign(
            name=NAME,
            theme="This is my place",
            first_day=date(2026, 2, 9),
            last_day=date(2026, 2, 15),
            message="A week of activities for every school.",
        )
        db.session.add(campaign)
        db.session.add_all(
            [
                CampaignResource(campaign=campaign, title="Toolkit", url="https://example.org/kit"),
                CampaignResource(
                    campaign=campaign,
                    title="Slides",
                    file_name="slides.pdf",
                    content_type="application/pdf",
                    size=len(PDF),
                    content=PDF,
                ),
            ]
        )
        db.session.commit()
    file_id = db.session.scalar(
        select(CampaignResource.id).where(
            CampaignResource.campaign_id == campaign.id, CampaignResource.file_name.is_not(None)
        )
    )
    return campaign.id, file_id
