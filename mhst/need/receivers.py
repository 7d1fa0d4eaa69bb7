"""What the need package adds to pages of the packages below it, through signals."""

from __future__ import annotations

from sqlalchemy import select

from mhst.core import signals
from mhst.extensions import db
from mhst.need.models import SchoolNeed, fsm_band
from mhst.security.permissions import Permission, has_permission


@signals.school_page.connect
def _need_card(school, *, user, **_) -> dict:
    """The school's page shows its indicators of need (one query): ``need_card``, which
    ``templates/schools/show.html`` renders with ``need/_school_card.html``."""
    need = db.session.scalars(select(SchoolNeed).where(SchoolNeed.school_id == school.id)).first()
    return {
        "need_card": {
            "need": need,
            "fsm_band": fsm_band(need.fsm_percent) if need else None,
            "can_import": has_permission(user, Permission.MANAGE_SCHOOLS),
            "can_list": has_permission(user, Permission.VIEW_ROLLOUT),
        }
    }
