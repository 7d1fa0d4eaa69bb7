"""The public self-referral pages: the start page, one question a page, check your
answers and the confirmation. No account: the session holds only the draft's token."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from mhst.core.forms import choices, commit_unit, failed
from mhst.core.submissions import earlier_url, submit_once
from mhst.extensions import limiter
from mhst.referrals.signposting import URGENT_ROUTES
from mhst.security.permissions import public
from mhst.selfreferral import drafts, operations, steps
from mhst.selfreferral.answers_page import answer_rows, date_problem
from mhst.selfreferral.forms import CheckForm, SchoolSearchForm
from mhst.selfreferral.operations import Answers

bp = Blueprint("selfreferral", __name__)

# Enough for a family to go back and forth over every page, not for a flood.
ANSWER_LIMIT = "200 per hour"
SEND_LIMIT = "10 per hour"
DRAFT_KEY = "self_referral_draft"  # the draft's random token: no answer is in the cookie
SENT_KEY = "self_referral_sent"  # the reference shown on the confirmation
NOT_LISTED = "My school is not in this list"


@bp.errorhandler(429)
def too_many(_error):
    return render_template("selfreferral/too_many.html", urgent_routes=URGENT_ROUTES), 429


def _page(template: str, status: int = 200, **context):
    return render_template(template, urgent_routes=URGENT_ROUTES, **context), status


def _draft():
    """The session's draft (None if it has none, or it expired: deleted, committed)."""
    token = session.get(DRAFT_KEY)
    return commit_unit(drafts.open_draft, token) if token else None


@bp.get("/self-referral")
@public
def start():
    expired = DRAFT_KEY in session and _draft() is None
    if expired:
        session.pop(DRAFT_KEY)
    return _page("selfreferral/start.html", expired=expired, has_draft=DRAFT_KEY in session)


@bp.post("/self-referral/start-again")
@public
@limiter.limit(ANSWER_LIMIT)
def start_again():
    commit_unit(drafts.discard, session.pop(DRAFT_KEY, None))
    session.pop(SENT_KEY, None)
    return redirect(url_for(".start"))


@bp.get("/self-referral/school-not-listed")
@public
def not_listed():
    return _page("selfreferral/not_listed.html")


def _next_url(step: steps.Step, answers: Answers, changing: bool) -> str:
    if changing:
        nxt = steps.first_unanswered(answers)
    else:
        later = steps.applicable(answers)
        names = [s.name for s in later]
        index = names.index(step.name) + 1 if step.name in names else len(later)
        nxt = later[index] if index < len(later) else None
    if nxt is None:
        return url_for(".check")
    return url_for(".question", step_name=nxt.name, change=1 if changing else None)


def _save(draft, values: dict):
    if draft is None:
        token, draft = drafts.new_draft()
        session[DRAFT_KEY] = token
    drafts.save_answers(draft, values)
    return draft


@bp.route("/self-referral/questions/<step_name>", methods=["GET", "POST"])
@public
@limiter.limit(ANSWER_LIMIT, methods=["POST"])
def question(step_name: str):
    step = steps.BY_NAME.get(step_name) or abort(404)
    draft = _draft()
    if draft is None and step is not steps.STEPS[0]:
        return redirect(url_for(".start"))
    answers = Answers(draft.answers if draft else {})
    if not step.applies(answers):
        return redirect(_next_url(step, answers, changing=True))
    changing = request.args.get("change") == "1"
    # Shown: the answers given before; sent: only what was sent (an answer left out is
    # unanswered, not the old one).
    form = (
        step.form()
        if request.method == "POST"
        else step.form(data=steps.to_form_data(step, answers))
    )
    search = SchoolSearchForm(request.args if request.method == "GET" else request.form)
    schools = _school_choices(form, search) if step.name == "school" else []
    if form.validate_on_submit() and not _extra_problem(step, form, answers):
        if step.name == "school" and form.school_id.data == "none":
            return redirect(url_for(".not_listed"))
        saved = commit_unit(_save, draft, steps.from_form(form))
        return redirect(_next_url(step, Answers(saved.answers), changing))
    back = steps.previous(step, answers)
    return _page(
        "selfreferral/question.html",
        400 if form.errors else 200,
        step=step,
        title=step.title(answers),
        form=form,
        search=search,
        schools=schools,
        changing=changing,
        back_url=url_for(".check")
        if changing
        else (url_for(".question", step_name=back.name) if back else url_for(".start")),
        risks=answers.risks,
    )


def _school_choices(form, search) -> list:
    """Radios for the schools the search found (or the one chosen before), then 'not
    listed'. The search runs on GET (?q=) and again on POST, from a hidden copy."""
    search.validate()
    found = operations.search_schools(search.q.data or "") if not search.q.errors else []
    chosen = operations.participating_school(form.school_id.data)
    if chosen is not None and chosen not in found:
        found.insert(0, chosen)
    form.school_id.choices = choices(
        [*((str(school.id), school.name) for school in found), ("none", NOT_LISTED)]
    )
    return found


def _extra_problem(step: steps.Step, form, answers: Answers) -> bool:
    """Rules a page's form cannot check alone (a date of birth against who refers)."""
    if step.name != "date-of-birth":
        return False
    problem = date_problem(form.date_of_birth.data, answers)
    if problem:
        form.date_of_birth.errors = [*form.date_of_birth.errors, problem]
        form._errors = None
    return bool(problem)


def _send_and_discard(token: str, values: dict):
    referral = operations.send(values)
    drafts.discard(token)
    return referral


@bp.route("/self-referral/check", methods=["GET", "POST"])
@public
@limiter.limit(SEND_LIMIT, methods=["POST"])
def check():
    form = CheckForm()
    draft = _draft()
    if draft is None:
        earlier = earlier_url(form)
        return redirect(earlier or url_for(".start"))
    answers = Answers(draft.answers)
    missing = steps.first_unanswered(answers)
    if missing is not None:
        return redirect(url_for(".question", step_name=missing.name))
    errors = []
    if form.validate_on_submit():
        if form.website.data:  # the honeypot: quietly discarded, the usual confirmation
            commit_unit(drafts.discard, session.pop(DRAFT_KEY, None))
            session[SENT_KEY] = ""
            return redirect(url_for(".sent"))
        result = submit_once(
            form,
            _send_and_discard,
            session[DRAFT_KEY],
            dict(draft.answers),
            result_url=lambda _referral: url_for(".sent"),
        )
        if not failed(result):
            if result.record is not None:
                session[SENT_KEY] = result.record.reference
                session.pop(DRAFT_KEY, None)
            return redirect(result.url)
        errors = [("answers", message) for field in form for message in field.errors]
    return _page(
        "selfreferral/check.html",
        400 if errors else 200,
        form=form,
        rows=answer_rows(answers),
        error_list=errors,
        back_url=url_for(".question", step_name=steps.applicable(answers)[-1].name),
        risks=answers.risks,
    )


@bp.get("/self-referral/sent")
@public
def sent():
    if SENT_KEY not in session:
        return redirect(url_for(".start"))
    return _page("selfreferral/sent.html", reference=session[SENT_KEY])


@bp.app_context_processor
def staff_helpers():
    """For the staff pages of a referral (templates/selfreferral/_staff_panel.html)."""
    return {
        "self_referral_of": operations.self_referral_of,
        "self_referral_consent": operations.consent_needed,
    }
