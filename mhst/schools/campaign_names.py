"""Campaigns as the register's pages name them, read by table: ``mhst.campaigns`` sits
above the schools and whole-school activities in the layers (it imports them), so they
see a campaign only as rows of the ``campaign`` table: its id, name and first day.

A lightweight ``table()`` rather than a relationship named by string: the dependency is
on the table's three columns, stated here once, and no import (hidden or not) points up.
"""

from __future__ import annotations

from sqlalchemy import column, select, table

from mhst.extensions import db

CAMPAIGN = table("campaign", column("id"), column("name"), column("first_day"))
CHOICES_SHOWN = 50  # the newest campaigns, for an activity's "Campaign (optional)"


def campaign_name(campaign_id: int | None) -> str | None:
    if campaign_id is None:
        return None
    return db.session.scalar(select(CAMPAIGN.c.name).where(CAMPAIGN.c.id == campaign_id))


def campaign_names(campaign_ids) -> dict[int, str]:
    """Names of the campaigns ``campaign_ids`` (one query)."""
    wanted = sorted({i for i in campaign_ids if i is not None})
    if not wanted:
        return {}
    return dict(
        db.session.execute(
            select(CAMPAIGN.c.id, CAMPAIGN.c.name).where(CAMPAIGN.c.id.in_(wanted))
        ).all()
    )


def campaign_choices(keep: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the newest campaigns, and of ``keep`` (an activity's own) if older."""
    rows = db.session.execute(
        select(CAMPAIGN.c.id, CAMPAIGN.c.name)
        .order_by(CAMPAIGN.c.first_day.desc(), CAMPAIGN.c.id.desc())
        .limit(CHOICES_SHOWN)
    ).all()
    found = [(row.id, row.name) for row in rows]
    if keep is not None and keep not in {i for i, _ in found}:
        name = campaign_name(keep)
        if name is not None:
            found.append((keep, name))
    return found
