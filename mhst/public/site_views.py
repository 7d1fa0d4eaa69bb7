"""The public pages: no sign-in, nothing of any child's record, the same for everyone."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from mhst.public.footer import FOOTER_NAVIGATION
from mhst.referrals.signposting import URGENT_ROUTES
from mhst.security.permissions import public

bp = Blueprint("public_pages", __name__)
bp.add_app_template_global(FOOTER_NAVIGATION, "footer_navigation")

# When the accessibility statement was prepared and last reviewed (the statement must say).
STATEMENT_PREPARED = "4 December 2026"


def landing():
    """The home page of someone not signed in (``home.index`` calls it): what the team
    does and how families get help, urgent help first; "Sign in" for staff."""
    return render_template("public/landing.html", urgent_routes=URGENT_ROUTES)


@bp.get("/privacy-notice")
@public
def privacy_notice():
    config = current_app.config
    return render_template(
        "public/privacy_notice.html",
        controller={
            "name": config["SERVICE_CONTROLLER_NAME"],
            "address": config["SERVICE_CONTROLLER_ADDRESS"],
            "dpo_email": config["SERVICE_DPO_EMAIL"],
            "phone": config["SERVICE_CONTACT_PHONE"],
        },
        retention={
            "age": config["RETENTION_AGE"],
            "late_age": config["RETENTION_AGE_LATE"],
            "late_end_age": config["RETENTION_LATE_END_AGE"],
            "adult_years": config["ADULT_RETENTION_YEARS"],
        },
    )


@bp.get("/accessibility-statement")
@public
def accessibility_statement():
    return render_template(
        "public/accessibility_statement.html",
        prepared=STATEMENT_PREPARED,
        dpo_email=current_app.config["SERVICE_DPO_EMAIL"],
        phone=current_app.config["SERVICE_CONTACT_PHONE"],
    )


@bp.get("/cookies")
@public
def cookies():
    config = current_app.config
    return render_template(
        "public/cookies.html",
        cookie_name=config["SESSION_COOKIE_NAME"],
        idle_minutes=int(config["IDLE_TIMEOUT"].total_seconds() // 60),
        lifetime_hours=int(config["SESSION_ABSOLUTE_LIFETIME"].total_seconds() // 3600),
    )
