"""Participating, active schools by part of their name: the one search behind the public
list of schools (mhst.public) and the self-referral's school question (mhst.selfreferral).
"""

from __future__ import annotations

from sqlalchemy import Select, select

from mhst.schools.models import ParticipationStatus, School

ACTIVE = School.participation_status == ParticipationStatus.ACTIVE


def active_schools_named(text: str) -> Select:
    """The active schools whose name contains ``text`` in any case (wildcards are taken
    literally), unordered.

    The matches are found first (ILIKE, through ``ix_school_name_trgm`` on PostgreSQL)
    and only then ordered by the caller: left to itself, the planner read the A-to-Z index
    until it had a page of matches, every school before "Oak..." for "oak"
    (bench/README.md)."""
    matches = (
        select(School.id)
        .where(ACTIVE, School.name.icontains(text, autoescape=True))
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    return select(School).join(matches, matches.c.id == School.id)
