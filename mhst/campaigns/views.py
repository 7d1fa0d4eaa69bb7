"""A campaign's own pages: the list (newest first, by keyset), recording and changing a
campaign (its version carried by the form), and its page with what became of it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from mhst.campaigns import expiry, figures, operations
from mhst.campaigns.blueprint import bp
from mhst.campaigns.forms import CampaignForm
from mhst.campaigns.models import Campaign, RecipientState
from mhst.core import keyset
from mhst.core.forms import commit_operation, failed
from mhst.extensions import db
from mhst.security.permissions import Permission, requires

NEWEST_FIRST = [
    keyset.Key(Campaign.first_day, descending=True),
    keyset.Key(Campaign.id, descending=True),
]


def campaign_or_404(campaign_id: int) -> Campaign:
    """Campaigns are the service's, not a team's: anyone who may manage them sees all."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


@bp.get("")
@requires(Permission.MANAGE_CAMPAIGNS)
def index():
    return render_template(
        "campaigns/index.html",
        page=keyset.paginate(db.select(Campaign), NEWEST_FIRST, request.args),
    )


def _details(form: CampaignForm) -> operations.CampaignDetails:
    return operations.CampaignDetails(
        name=form.name.data or "",
        theme=form.theme.data,
        first_day=form.first_day.data,
        last_day=form.last_day.data,
        message=form.message.data or "",
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_CAMPAIGNS)
def new():
    form = CampaignForm()
    if form.validate_on_submit():
        campaign = commit_operation(
            form, operations.save_campaign, None, _details(form), by=current_user
        )
        if not failed(campaign):
            flash(f"{campaign.name} recorded. Add its resources, then send it.", "success")
            return redirect(url_for(".show", campaign_id=campaign.id))
    return render_template("campaigns/form.html", form=form, campaign=None), (
        400 if form.errors else 200
    )


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_CAMPAIGNS)
def edit(campaign_id: int):
    campaign = campaign_or_404(campaign_id)
    if request.method == "POST":
        form = CampaignForm()
    else:
        form = CampaignForm(
            formdata=None,
            data={
                "name": campaign.name,
                "theme": campaign.theme or "",
                "first_day": campaign.first_day,
                "last_day": campaign.last_day,
                "message": campaign.message,
                "version": str(campaign.version),
            },
        )
    if form.validate_on_submit():
        result = commit_operation(
            form,
            operations.save_campaign,
            campaign,
            _details(form),
            by=current_user,
            read_version=form.read_version(),
        )
        if not failed(result):
            flash(f"Changes to {campaign.name} saved.", "success")
            return redirect(url_for(".show", campaign_id=campaign.id))
    return render_template("campaigns/form.html", form=form, campaign=campaign), (
        400 if form.errors else 200
    )


@bp.get("/<int:campaign_id>")
@requires(Permission.MANAGE_CAMPAIGNS)
def show(campaign_id: int):
    campaign = campaign_or_404(campaign_id)
    return render_template(
        "campaigns/show.html",
        campaign=campaign,
        figures=figures.figures(campaign.id),
        links=expiry.campaign_links(campaign),
        states=RecipientState,
    )
