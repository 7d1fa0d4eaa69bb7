"""The public campaign page, ``/campaign/<token>``: the link in a school's email.

It shows the campaign's message and resources (its files downloadable from here) and, to
a school not in the programme, the form to register interest in joining a future cohort,
filled in with the school's name, URN and area; the registration records the campaign it
came from. Opening the page marks the school's email received ("opened"). A wrong token
is a 404 that says nothing of any campaign or school; an old one (mhst/campaigns/expiry.py)
a 410 "This link has ended" that points to the public register-interest page.
Rate-limited per connection, like the questionnaires' page (a school's network is shared).
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from sqlalchemy import select

from mhst.campaigns import downloads, expiry, recipients
from mhst.campaigns.models import CampaignRecipient
from mhst.core.forms import commit_operation, commit_unit, failed
from mhst.extensions import db, limiter
from mhst.organisation.models import ServiceArea
from mhst.schools import interest
from mhst.schools.interest_forms import InterestForm, set_area_choices
from mhst.schools.interest_views import REGISTERED_KEY
from mhst.schools.models import ParticipationStatus
from mhst.security.permissions import public

bp = Blueprint("campaign_public", __name__)


def _page_limit() -> str:
    return current_app.config["QUESTIONNAIRE_PAGE_RATE_LIMIT"]


def _answer_limit() -> str:
    return current_app.config["QUESTIONNAIRE_ANSWER_RATE_LIMIT"]


@bp.errorhandler(429)
def too_many(_error):
    return render_template("campaigns/public/too_many.html"), 429


def _not_found():
    return render_template("campaigns/public/not_found.html"), 404


def _ended():
    """An old link: it says so (and nothing of the campaign or school), and sends the
    school to the public page where any school registers interest."""
    return render_template("campaigns/public/ended.html"), 410


def standing(recipient: CampaignRecipient) -> str:
    """Where the school stands, for the page's words when it shows no form: waiting (a
    registration waiting for a decision, or interest registered) or in the programme."""
    school = recipient.school
    if school.participation_status is ParticipationStatus.INTEREST_REGISTERED:
        return "waiting"
    if school.participation_status not in interest.MAY_REGISTER:
        return "in_programme"
    return "waiting" if interest.pending_registration_for(school.urn) else ""


def may_register(recipient: CampaignRecipient) -> bool:
    """A school not in the programme, with no registration waiting for a decision."""
    return standing(recipient) == ""


def _form(recipient: CampaignRecipient, areas) -> InterestForm:
    school = recipient.school
    form = InterestForm(
        data={"school_name": school.name, "urn": school.urn, "area_id": str(school.area_id)}
    )
    set_area_choices(form, areas)
    return form


def _register(form: InterestForm, recipient: CampaignRecipient, areas):
    return commit_operation(
        form,
        interest.register_interest,
        school_name=form.school_name.data,
        urn=form.urn.data,
        area=next(a for a in areas if str(a.id) == form.area_id.data),
        contact_name=form.contact_name.data,
        contact_role=form.contact_role.data,
        contact_email=form.contact_email.data,
        pupils_on_roll=form.pupils_on_roll.data,
        message=form.message.data,
        campaign_id=recipient.campaign_id,
    )


@bp.route("/campaign/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_page_limit, methods=["GET"])
@limiter.limit(_answer_limit, methods=["POST"])
def page(token: str):
    recipient = recipients.find(token)
    if recipient is None:
        return _not_found()
    if expiry.has_ended(recipient):
        return _ended()
    commit_unit(recipients.mark_opened, recipient)
    form = None
    if may_register(recipient):
        areas = db.session.scalars(select(ServiceArea).order_by(ServiceArea.name)).all()
        form = _form(recipient, areas)
        if form.validate_on_submit():
            registration = _register(form, recipient, areas)
            if not failed(registration):
                session[REGISTERED_KEY] = registration.id
                return redirect(url_for("interest.registered"))
    return render_template(
        "campaigns/public/page.html",
        campaign=recipient.campaign,
        token=token,
        form=form,
        standing=standing(recipient) if form is None else "",
    ), 400 if form is not None and form.errors else 200


@bp.get("/campaign/<token>/files/<int:resource_id>")
@public
@limiter.limit(_page_limit)
def download(token: str, resource_id: int):
    recipient = recipients.find(token)
    if recipient is None:
        return _not_found()
    if expiry.has_ended(recipient):
        return _ended()
    return downloads.file_response(downloads.file_of(recipient.campaign_id, resource_id))
