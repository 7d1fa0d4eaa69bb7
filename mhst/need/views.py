"""Need data per school: the list (schools with their indicators, by area, in keyset
pages) and the CSV import with its row-by-row report.

Viewing needs VIEW_ROLLOUT (the figures serve the rollout: clinical leads and
administrators); importing needs MANAGE_SCHOOLS, as the register's import does.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from mhst.core import keyset
from mhst.core.forms import apply_rule_error, commit_operation, commit_unit, failed
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.need import import_file, importer, lookups
from mhst.need.forms import ImportNeedForm, LoadDeprivationForm
from mhst.need.models import FSM_BANDS, LsoaDeprivation, PostcodeLsoa, SchoolNeed
from mhst.organisation.models import ServiceArea
from mhst.schools.models import School
from mhst.security import scoping
from mhst.security.http import allows_large_body
from mhst.security.permissions import Permission, has_permission, requires

bp = Blueprint("need", __name__, url_prefix="/need")

A_TO_Z = [keyset.Key(School.name), keyset.Key(School.id)]
UPLOAD_SLACK_BYTES = 64 * 1024
PROBLEMS_SHOWN = 500
AREA_MESSAGE = "Select an area from the list"


@bp.get("/")
@requires(Permission.VIEW_ROLLOUT)
def index():
    """Every school in reach, A to Z, with its indicators (three queries a page: the
    areas, the page of schools with their area, and those schools' indicators)."""
    areas = db.session.scalars(select(ServiceArea).order_by(ServiceArea.name)).all()
    raw = request.args.get("area", "").strip()[:20]
    errors = []
    stmt = select(School).where(scoping.scope(current_user, School))
    if raw:
        if raw in {str(area.id) for area in areas}:
            stmt = stmt.where(School.area_id == int(raw))
        else:
            errors.append(("area", AREA_MESSAGE))
    page = keyset.paginate(stmt, A_TO_Z, request.args, options=[db.joinedload(School.area)])
    ids = [school.id for school in page.items]
    need = (
        {
            row.school_id: row
            for row in db.session.scalars(select(SchoolNeed).where(SchoolNeed.school_id.in_(ids)))
        }
        if ids
        else {}
    )
    return render_template(
        "need/index.html",
        page=page,
        need=need,
        area_options=[(area.id, area.name) for area in areas],
        filters={"area": raw},
        filter_args={"area": raw} if raw and not errors else {},
        filter_errors=errors,
        fsm_bands=FSM_BANDS,
        can_import=has_permission(current_user, Permission.MANAGE_SCHOOLS),
    ), 400 if errors else 200


def _upload_problem(form: ImportNeedForm | LoadDeprivationForm, message: str) -> None:
    apply_rule_error(form, RuleError("file", message))


def _read_upload(form: ImportNeedForm | LoadDeprivationForm) -> bytes | None:
    """The uploaded bytes, or None with the reason on the file field."""
    too_big = f"The selected file must be smaller than {import_file.MAX_FILE_BYTES // 2**20} MB"
    if (request.content_length or 0) > import_file.MAX_FILE_BYTES + UPLOAD_SLACK_BYTES:
        _upload_problem(form, too_big)
        return None
    upload = form.file.data
    if not (upload.filename or "").lower().endswith(".csv"):
        _upload_problem(form, "The selected file must be a CSV")
        return None
    data = upload.read(import_file.MAX_FILE_BYTES + 1)
    if len(data) > import_file.MAX_FILE_BYTES:
        _upload_problem(form, too_big)
        return None
    return data


def _render_import(form: ImportNeedForm, problems=(), status: int = 200):
    rows = [p for p in problems if p.row is not None]
    return render_template(
        "need/import.html",
        form=form,
        row_problems=rows[:PROBLEMS_SHOWN],
        row_problem_total=len(rows),
        row_problem_count=len({p.row for p in rows}),
        columns=import_file.COLUMNS,
        pupil_headers=import_file.PUPIL_LEVEL_HEADERS,
        max_rows=import_file.MAX_ROWS,
        max_megabytes=import_file.MAX_FILE_BYTES // 2**20,
    ), status


def _checked_rows(form: ImportNeedForm):
    """(rows ready to write, problems), the file's problems already on the file field;
    None when the upload itself was refused."""
    data = _read_upload(form)
    if data is None:
        return None
    try:
        text = import_file.decode_upload(data)
    except import_file.UnreadableFile as error:
        _upload_problem(form, str(error))
        return None
    rows, problems = import_file.parse_need_csv(text, keep_good_rows=True)
    if rows:  # the register's checks of the rows that were read, so every problem is listed
        rows, found = importer.resolve(rows, import_file.file_headers(text))
        problems = sorted([*problems, *found], key=lambda problem: problem.row or 0)
    if problems:
        rows = []
    for problem in problems:
        if problem.row is None:
            _upload_problem(form, problem.message)
    return rows, problems


@bp.route("/import", methods=["GET", "POST"])
@allows_large_body
@requires(Permission.MANAGE_SCHOOLS)
def import_need():
    form = ImportNeedForm()
    if not form.validate_on_submit():
        return _render_import(form, status=400 if form.errors else 200)
    checked = _checked_rows(form)
    if checked is None:
        return _render_import(form, status=400)
    rows, problems = checked
    if problems:
        return _render_import(form, problems, status=400)
    source = (form.file.data.filename or "upload.csv")[: importer.SOURCE_MAX]
    result = commit_operation(form, importer.import_need, rows, source=source, by=current_user)
    if failed(result):
        return _render_import(form, status=400)
    flash(
        f"Indicators of need imported for {result.added + result.replaced:,} "
        f"{'school' if result.added + result.replaced == 1 else 'schools'}: "
        f"{result.added:,} new, {result.replaced:,} replaced.",
        "success",
    )
    return redirect(url_for("need.index"))


def _render_deprivation(form: LoadDeprivationForm, report=None, status: int = 200):
    return render_template(
        "need/deprivation.html",
        form=form,
        report=report,
        lsoas=db.session.scalar(select(func.count()).select_from(LsoaDeprivation)),
        postcodes=db.session.scalar(select(func.count()).select_from(PostcodeLsoa)),
        max_megabytes=import_file.MAX_FILE_BYTES // 2**20,
    ), status


@bp.route("/deprivation", methods=["GET", "POST"])
@allows_large_body
@requires(Permission.MANAGE_SCHOOLS)
def load_deprivation():
    """Replace the LSOA deprivation deciles from the English Indices of Deprivation File 1
    (about 33,800 rows): all of it, or nothing with its bad rows listed."""
    form = LoadDeprivationForm()
    if not form.validate_on_submit():
        return _render_deprivation(form, status=400 if form.errors else 200)
    data = _read_upload(form)
    if data is None:
        return _render_deprivation(form, status=400)
    try:
        text = import_file.decode_upload(data)
        source = form.file.data.filename or "upload.csv"
        report = commit_unit(
            lookups.replace_deprivation,
            text.splitlines(keepends=True),
            source=source,
            by=current_user,
        )
    except import_file.UnreadableFile as error:
        _upload_problem(form, str(error))
        return _render_deprivation(form, status=400)
    except lookups.LoadRefused as refused:
        _upload_problem(form, refused.report.lines()[0].removesuffix("."))
        return _render_deprivation(form, refused.report, status=400)
    flash(f"Deprivation deciles loaded for {report.loaded:,} areas (LSOAs).", "success")
    return redirect(url_for("need.load_deprivation"))
