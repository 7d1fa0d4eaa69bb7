"""Letters: the templates an administrator edits, producing a letter on a case, reading,
downloading and sharing it, and the school's lead's copy of the advice for the school.

A case is fetched through ``scoping.get_or_404`` as a ``Kind.CASE`` (scoped and
audit-logged), and a letter only through its case (``operations.letter_of``); the
school's lead reaches a letter only through their school's referral, and only the advice
for the school once it is shared.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record, render_audited
from mhst.core.forms import apply_rule_error, commit_operation, commit_unit, failed
from mhst.core.rules import RuleError
from mhst.core.submissions import REPEATED_MESSAGE, submit_once
from mhst.extensions import db
from mhst.letters import operations, texts
from mhst.letters.forms import LetterForm, TemplateForm
from mhst.letters.models import LetterKind
from mhst.referrals.models import Referral
from mhst.security import scoping
from mhst.security.permissions import Permission, has_permission, requires
from mhst.sessions.models import CareContact

bp = Blueprint("letters", __name__, url_prefix="/letters")


def _kind_or_404(value: str | None) -> LetterKind:
    try:
        return LetterKind(value)
    except ValueError:
        abort(404)


# ---- templates ----------------------------------------------------------------------------


@bp.get("/templates")
@requires(Permission.MANAGE_LETTERS)
def templates():
    saved = {t.kind: t for t in db.session.scalars(select(operations.LetterTemplate))}
    return render_audited("letters/templates.html", kinds=list(LetterKind), saved=saved)


@bp.route("/templates/<letter_kind>", methods=["GET", "POST"])
@requires(Permission.MANAGE_LETTERS)
def edit_template(letter_kind: str):
    letter_kind = _kind_or_404(letter_kind)
    saved = operations.saved_template(letter_kind)
    form = TemplateForm()
    if request.method == "GET":
        form.body.data = saved.body if saved else texts.DEFAULTS[letter_kind]
        form.version.data = str(saved.version if saved else 0)
    preview = None
    if form.validate_on_submit():
        if form.action.data == "preview":
            try:
                operations.check_template(form.body.data, letter_kind)
                preview = texts.fill(form.body.data, texts.SAMPLE)
            except RuleError as error:
                apply_rule_error(form, error)
        else:
            result = commit_operation(
                form,
                operations.save_template,
                letter_kind,
                form.body.data,
                by=current_user,
                read_version=form.read_version() or None,
            )
            if not failed(result):
                flash(f"Template saved: {letter_kind.label}", "success")
                return redirect(url_for(".edit_template", letter_kind=letter_kind.value))
    return render_audited(
        "letters/template_form.html",
        form=form,
        kind=letter_kind,
        saved=saved,
        preview=preview,
        placeholders=[
            (n, d) for n, d in texts.PLACEHOLDERS.items() if n in texts.allowed(letter_kind)
        ],
        revisions=operations.revisions(letter_kind),
    ), 400 if form.errors else 200


# ---- producing a letter -------------------------------------------------------------------


def _case(case_id: int) -> Referral:
    return scoping.get_or_404(current_user, Referral, case_id, kind=scoping.Kind.CASE)


def _sessions(referral: Referral) -> list[CareContact]:
    return list(
        db.session.scalars(
            select(CareContact)
            .where(
                CareContact.referral_id == referral.id, CareContact.entered_in_error_at.is_(None)
            )
            .order_by(CareContact.starts_at.desc(), CareContact.id.desc())
        )
    )


def _default_recipient(referral: Referral, kind: LetterKind) -> tuple[str, str]:
    if kind is LetterKind.DISCHARGE_GP:
        return "", ""
    if kind is LetterKind.SCHOOL_ADVICE:
        return "The Mental Health Lead", referral.school.name
    return referral.child.parent_carer_name or "", ""


@bp.route("/cases/<int:case_id>/new", methods=["GET", "POST"])
@requires(Permission.LOG_SESSIONS)
def new(case_id: int):
    referral = _case(case_id)
    kind_value = request.args.get("kind")
    if not kind_value:
        return render_audited("letters/choose.html", referral=referral, kinds=list(LetterKind))
    kind = _kind_or_404(kind_value)
    sessions = _sessions(referral) if kind.needs_session else []
    form = LetterForm().offer_sessions([(c.id, operations.session_label(c)) for c in sessions])
    if request.method == "GET":
        form.session.data = request.args.get("session", "")
        form.recipient_name.data, form.recipient_address.data = _default_recipient(referral, kind)
    preview = None
    if form.validate_on_submit():
        contact = next((c for c in sessions if str(c.id) == form.session.data), None)
        details = {
            "recipient_name": form.recipient_name.data,
            "recipient_address": form.recipient_address.data,
            "contact": contact,
        }
        if request.form.get("action") == "create":
            result = submit_once(
                form,
                _produce_timed,
                referral,
                kind,
                by=current_user,
                **details,
                result_url=lambda letter: url_for(
                    ".show", case_id=referral.id, letter_id=letter.id
                ),
                user=current_user,
            )
            if not failed(result):
                flash(REPEATED_MESSAGE if result.repeated else "Letter created", "success")
                return redirect(result.url)
            record(AuditAction.READ, AuditRecordType.REFERRAL, referral.id, user=current_user)
        else:
            try:
                preview = operations.draft(referral, kind, by=current_user, **details)
            except RuleError as error:
                apply_rule_error(form, error)
    return render_audited(
        "letters/new.html", referral=referral, kind=kind, form=form, preview=preview
    ), 400 if form.errors else 200


def _produce_timed(referral: Referral, kind: LetterKind, **kwargs):
    """Produce the letter, logging how long the PDF took (made in the request: see
    the README's letters section)."""
    started = time.perf_counter()
    letter = operations.produce(referral, kind, **kwargs)
    current_app.logger.info(
        "letter %s produced in %.2f s", letter.id, time.perf_counter() - started
    )
    return letter


# ---- reading, downloading and sharing ------------------------------------------------------


def _letter(referral: Referral, letter_id: int, *, with_pdf: bool = False):
    letter = operations.letter_of(referral, letter_id, with_pdf=with_pdf)
    if letter is None:
        abort(404)
    return letter


@bp.get("/cases/<int:case_id>/<int:letter_id>")
@requires(Permission.VIEW_CASE_NOTES)
def show(case_id: int, letter_id: int):
    referral = _case(case_id)
    letter = _letter(referral, letter_id)
    record(AuditAction.READ, AuditRecordType.LETTER, letter.id, user=current_user)
    return render_audited(
        "letters/show.html",
        referral=referral,
        letter=letter,
        can_share=letter.kind is LetterKind.SCHOOL_ADVICE
        and not letter.shared
        and has_permission(current_user, Permission.LOG_SESSIONS),
    )


def _pdf_response(letter) -> Response:
    return Response(
        letter.pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{letter.filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/cases/<int:case_id>/<int:letter_id>/letter.pdf")
@requires(Permission.VIEW_CASE_NOTES)
def download(case_id: int, letter_id: int):
    referral = _case(case_id)
    letter = _letter(referral, letter_id, with_pdf=True)
    if letter.pdf is None:  # emptied when the record was pseudonymised
        abort(404)
    commit_unit(operations.downloaded, letter, by=current_user)
    return _pdf_response(letter)


@bp.post("/cases/<int:case_id>/<int:letter_id>/share")
@requires(Permission.LOG_SESSIONS)
def share(case_id: int, letter_id: int):
    referral = _case(case_id)
    letter = _letter(referral, letter_id)
    try:
        commit_unit(operations.share_with_school, letter, by=current_user)
        flash("Shared with the school's Mental Health Lead", "success")
    except RuleError as error:
        flash(error.message, "warning")
    return redirect(url_for(".show", case_id=referral.id, letter_id=letter_id))


@bp.get("/referrals/<int:referral_id>/<int:shared_letter_id>/letter.pdf")
@requires(Permission.SUBMIT_REFERRAL)
def school_copy(referral_id: int, shared_letter_id: int):
    """The school's lead's copy of the advice for the school, once the team shared it."""
    referral = scoping.get_or_404(current_user, Referral, referral_id)
    letter = _letter(referral, shared_letter_id, with_pdf=True)
    if letter.kind is not LetterKind.SCHOOL_ADVICE or not letter.shared or letter.pdf is None:
        abort(404)
    commit_unit(operations.downloaded, letter, by=current_user)
    return _pdf_response(letter)
