"""A campaign's file as a download: its bytes from the database, as an attachment, with
its checked type and ``nosniff`` (the browser never renders it in the service's pages)."""

from __future__ import annotations

from flask import Response, abort
from sqlalchemy import select
from sqlalchemy.orm import undefer

from mhst.campaigns.models import CampaignResource
from mhst.extensions import db


def file_of(campaign_id: int, resource_id: int) -> CampaignResource:
    """The campaign's file ``resource_id`` with its bytes, or 404 (a link, or another
    campaign's file, is not there)."""
    resource = db.session.scalars(
        select(CampaignResource)
        .where(
            CampaignResource.id == resource_id,
            CampaignResource.campaign_id == campaign_id,
            CampaignResource.file_name.is_not(None),
        )
        .options(undefer(CampaignResource.content))
    ).one_or_none()
    if resource is None or resource.content is None:
        abort(404)
    return resource


def file_response(resource: CampaignResource) -> Response:
    response = Response(resource.content, mimetype=resource.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=resource.file_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
