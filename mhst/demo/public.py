"""Demo data for the public pages (mhst.public): each team's public contact route.

Phone numbers are from Ofcom's range kept for drama (0116 496 0000 to 0999), emails at
the reserved ``example`` domain: nobody's real line or inbox."""

from __future__ import annotations

import re

from sqlalchemy import select

from mhst.extensions import db
from mhst.organisation.models import Team


def load_team_contacts() -> None:
    """Give every team without a public contact an invented phone and email."""
    teams = db.session.scalars(select(Team).order_by(Team.id)).all()
    for number, team in enumerate(teams):
        if team.public_phone or team.public_email:
            continue
        slug = re.sub(r"[^a-z0-9]+", ".", team.name.lower()).strip(".")
        team.public_phone = f"0116 496 0{number % 1000:03d}"
        team.public_email = f"{slug}@mhst.example"
    db.session.flush()
