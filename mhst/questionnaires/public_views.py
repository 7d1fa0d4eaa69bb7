"""The family's page: ``/q/<token>``, answered without an account.

It shows the questionnaire and, at most, the first name the practitioner chose to show:
nothing else of the child's record (no surname, school, date of birth, case or service
detail). A used link says so; an expired or withdrawn one, or one on a case that can no
longer take a measure, says it has expired; a wrong one is a 404. The page and its form
are rate-limited per connection. A repeated submission (a double click) finds the link
used and, from the same browser, the thank-you page.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, session, url_for

from mhst.core.forms import commit_operation, commit_unit, failed
from mhst.extensions import limiter
from mhst.outcomes import recording
from mhst.questionnaires import links
from mhst.questionnaires.blueprint import bp
from mhst.questionnaires.forms import answer_form_class
from mhst.questionnaires.models import LinkState, QuestionnaireLink
from mhst.security.permissions import public

ANSWERED_KEY = "questionnaire_answered"  # the link ids this browser has answered


def _page_limit() -> str:
    return current_app.config["QUESTIONNAIRE_PAGE_RATE_LIMIT"]


def _answer_limit() -> str:
    return current_app.config["QUESTIONNAIRE_ANSWER_RATE_LIMIT"]


@bp.errorhandler(429)
def too_many(_error):
    """The shared 429 page talks about signing in; this one is about the questionnaire."""
    return render_template("questionnaires/public/too_many.html"), 429


def _gone(link: QuestionnaireLink | None, state: LinkState | None):
    """The page for a link that does not work (no detail of the link or case)."""
    if link is None:
        return render_template("questionnaires/public/not_found.html"), 404
    if state is LinkState.USED:
        if link.id in session.get(ANSWERED_KEY, []):
            return redirect(url_for(".answered"))
        return render_template("questionnaires/public/used.html"), 410
    return render_template("questionnaires/public/expired.html"), 410


def _form_class(link: QuestionnaireLink):
    definition = recording.measures().get(link.measure_code)
    goals = links.goals_of(link.baseline)
    return definition, answer_form_class(definition, goals) if definition else None


@bp.route("/q/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_page_limit, methods=["GET"])
@limiter.limit(_answer_limit, methods=["POST"])
def answer(token: str):
    link = links.find(token)
    state = links.public_state(link) if link is not None else None
    definition, form_class = _form_class(link) if link is not None else (None, None)
    if state is not LinkState.WAITING or form_class is None:
        return _gone(link, state if form_class is not None else LinkState.EXPIRED)
    form = form_class()
    if form.validate_on_submit():
        try:
            result = commit_operation(
                form, links.answer, link.id, form.answers(), form.item_texts()
            )
        except links.LinkGone as gone:
            return _gone(link, gone.state)
        if not failed(result):
            session[ANSWERED_KEY] = [*session.get(ANSWERED_KEY, [])[-9:], link.id]
            return redirect(url_for(".answered"))
    commit_unit(links.opened, link)
    return render_template(
        "questionnaires/public/answer.html",
        form=form,
        definition=definition,
        shown_name=link.shown_name,
        follow_up=bool(form.goals),
        for_parent=link.respondent.value == "parent_carer",
    ), 400 if form.errors else 200


@bp.get("/q/answered")
@public
def answered():
    return render_template("questionnaires/public/answered.html")
