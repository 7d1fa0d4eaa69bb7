"""Sending a campaign to schools, and its recipients' list.

The send page filters the register (area, participating or not) and offers: every
school, every school matching the filters, or the schools ticked on the page. Sending
queues one recipient per school not yet sent the campaign (:mod:`.recipients`) and asks
for the background job that sends the emails (:mod:`.sending`); its page shows progress.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from mhst.campaigns import recipients, sending
from mhst.campaigns.blueprint import bp
from mhst.campaigns.forms import ALL, TICKED, SendForm
from mhst.campaigns.models import CampaignRecipient, RecipientState
from mhst.campaigns.views import campaign_or_404
from mhst.core import keyset
from mhst.core.forms import apply_rule_error, choices, commit_operation, failed
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.jobs import operations as jobs
from mhst.organisation.models import ServiceArea
from mhst.schools.models import School
from mhst.security.permissions import Permission, requires

A_TO_Z = [keyset.Key(School.name), keyset.Key(School.id)]
BY_ID = [keyset.Key(CampaignRecipient.id)]
PARTICIPATION = dict(recipients.participation_options())
STATES = {state.value: state for state in RecipientState}


def _filters(args) -> tuple[recipients.SchoolFilter, dict[str, str], list[tuple[str, str]]]:
    """The school filter from ``args`` (the query, or the form's hidden copies), the
    values to carry on, and (field, message) for each value not offered."""
    errors = []
    areas = {str(a.id): a.id for a in db.session.scalars(select(ServiceArea))}
    area, participation = args.get("area", ""), args.get("participation", "")
    if area and area not in areas:
        errors.append(("area", "Select an area from the list"))
        area = ""
    if participation and participation not in PARTICIPATION:
        errors.append(("participation", "Select a participation status from the list"))
        participation = ""
    chosen = recipients.SchoolFilter(areas.get(area), participation)
    return chosen, {"area": area, "participation": participation}, errors


def _ticked_choices(form: SendForm, chosen: recipients.SchoolFilter) -> None:
    """On a POST the ticked schools are offered if they exist and match the filters."""
    wanted = [v for v in request.form.getlist("school_ids") if v.isdigit()][:1000]
    rows = db.session.execute(
        recipients.schools_matching(chosen)
        .with_only_columns(School.id, School.name)
        .where(School.id.in_([int(v) for v in wanted]))
    ).all()
    form.school_ids.choices = choices(rows)


def _queue(form: SendForm, campaign, chosen: recipients.SchoolFilter):
    audience = form.audience.data
    if audience == TICKED and not form.ticked():
        apply_rule_error(form, RuleError("school_ids", "Tick at least one school"))
        return None
    return commit_operation(
        form,
        recipients.add_recipients,
        campaign,
        by=current_user,
        chosen=None if audience == ALL else chosen,
        school_ids=form.ticked() if audience == TICKED else None,
    )


@bp.route("/<int:campaign_id>/send", methods=["GET", "POST"])
@requires(Permission.MANAGE_CAMPAIGNS)
def send(campaign_id: int):
    campaign = campaign_or_404(campaign_id)
    args = request.form if request.method == "POST" else request.args
    chosen, filters, filter_errors = _filters(args)
    form = SendForm()
    if request.method == "POST":
        _ticked_choices(form, chosen)
    if not filter_errors and form.validate_on_submit():
        added = _queue(form, campaign, chosen)
        if added is not None and not failed(added):
            job_id = jobs.enqueue(sending.KIND, sending.parameters(campaign), current_user)
            flash(
                f"{campaign.name} queued for {added:,} "
                f"{'school' if added == 1 else 'schools'} not sent it before.",
                "success",
            )
            return redirect(url_for("jobs.show", job_id=job_id))
    page = keyset.paginate(recipients.schools_matching(chosen), A_TO_Z, request.args)
    if request.method == "GET":
        form.school_ids.choices = choices((s.id, s.name) for s in page.items)
    return render_template(
        "campaigns/send.html",
        campaign=campaign,
        form=form,
        page=page,
        filters=filters,
        filter_errors=filter_errors,
        matching=recipients.count_matching(chosen),
        everyone=recipients.count_matching(recipients.SchoolFilter()),
        areas=[
            (a.id, a.name)
            for a in db.session.scalars(select(ServiceArea).order_by(ServiceArea.name))
        ],
        participation_options=list(PARTICIPATION.items()),
        already=set(
            db.session.scalars(
                select(CampaignRecipient.school_id).where(
                    CampaignRecipient.campaign_id == campaign.id,
                    CampaignRecipient.school_id.in_([s.id for s in page.items]),
                )
            )
        ),
    ), 400 if (form.errors or filter_errors) else 200


@bp.get("/<int:campaign_id>/recipients")
@requires(Permission.MANAGE_CAMPAIGNS)
def recipients_list(campaign_id: int):
    campaign = campaign_or_404(campaign_id)
    state = request.args.get("state", "")
    errors = []
    stmt = select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)
    if state in STATES:
        stmt = stmt.where(CampaignRecipient.state == STATES[state])
    elif state:
        errors.append(("state", "Select a state from the list"))
    return render_template(
        "campaigns/recipients.html",
        campaign=campaign,
        page=keyset.paginate(
            stmt, BY_ID, request.args, options=[db.joinedload(CampaignRecipient.school)]
        ),
        filters={"state": state},
        filter_errors=errors,
        state_options=[(s.value, s.label) for s in RecipientState],
    ), 400 if errors else 200
