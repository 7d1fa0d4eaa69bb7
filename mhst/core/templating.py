"""Values every template can use: the navigation for the signed-in user's role."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user

from mhst.security.permissions import Permission, has_permission

# (label, endpoint, permission): shown only to roles that have the permission.
NAVIGATION = [
    ("Home", "core.home", Permission.SIGNED_IN),
    ("Schools", "schools.index", Permission.VIEW_SCHOOLS),
    ("Directory", "directory.index", Permission.VIEW_DIRECTORY),
    ("Cohorts", "cohorts.index", Permission.VIEW_COHORTS),
    ("Rollout", "rollout.index", Permission.VIEW_ROLLOUT),
    ("Joining requests", "interest.index", Permission.REVIEW_INTEREST),
    ("Teams and areas", "organisation.index", Permission.MANAGE_ORGANISATION),
    ("Users", "users_admin.index", Permission.MANAGE_USERS),
    ("Audit log", "audit.index", Permission.VIEW_AUDIT_LOG),
]


def navigation_items() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    from flask import url_for

    items = []
    current_blueprint = request.blueprint
    for label, endpoint, permission in NAVIGATION:
        if not has_permission(current_user, permission):
            continue
        blueprint = endpoint.split(".")[0]
        current = request.endpoint == endpoint or (
            blueprint != "core" and blueprint == current_blueprint
        )
        items.append({"text": label, "href": url_for(endpoint), "current": current})
    return items


def error_link(error: tuple[str, str]) -> dict:
    """An error-summary entry linking to the field with the error."""
    field_id, message = error
    return {"text": message, "href": f"#{field_id}"}


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(error_link, "error_link")

    @app.context_processor
    def inject_navigation():
        return {"navigation_items": navigation_items, "service_name": app.config["SERVICE_NAME"]}
