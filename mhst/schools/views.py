"""The school register: the schools each user works with (scoped), search and filters,
creating and editing schools, CSV import, and asking for the CSV export (a job)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from mhst.cohorts.models import Cohort
from mhst.core import keyset
from mhst.core.forms import apply_rule_error, commit_operation, failed
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.jobs import operations as jobs
from mhst.organisation.models import ServiceArea, Team
from mhst.schools import import_file, importer, operations, register_download
from mhst.schools.blueprint import bp
from mhst.schools.forms import ImportSchoolsForm, SchoolForm, set_choices
from mhst.schools.models import ParticipationStatus, School, SchoolPhase
from mhst.security import scoping
from mhst.security.http import allows_large_body
from mhst.security.permissions import Permission, has_permission, requires

NONE = "none"  # the filter value for "no team" and "no cohort"
SEARCH_MAX = 100
# The register A to Z by keyset (ix_school_name_id): 24,000 schools, the last page as
# cheap as the first.
A_TO_Z = [keyset.Key(School.name), keyset.Key(School.id)]
UPLOAD_SLACK_BYTES = 64 * 1024  # room for the other form fields around the file
PROBLEMS_SHOWN = 500  # a file that is wrong throughout needs only the first few to fix it


def _areas():
    return db.session.scalars(select(ServiceArea).order_by(ServiceArea.name)).all()


def _teams():
    return db.session.scalars(select(Team).order_by(Team.name)).all()


def _by_id(model, raw: str | None):
    return db.session.get(model, int(raw)) if raw else None


def _filtered(stmt, filters: dict[str, str], areas, teams, cohorts):
    """Apply the list's search and filters; unknown values become (field, message) errors."""
    if filters["q"]:
        stmt = stmt.where(
            or_(
                db.func.lower(School.name).contains(filters["q"].lower(), autoescape=True),
                School.urn.contains(filters["q"], autoescape=True),
            )
        )
    # For each filter: the condition each allowed value selects, and the message otherwise.
    allowed = {
        "area": ({str(a.id): School.area_id == a.id for a in areas}, "Select an area"),
        "team": (
            {NONE: School.team_id.is_(None)} | {str(t.id): School.team_id == t.id for t in teams},
            "Select a team",
        ),
        "phase": ({p.value: School.phase == p for p in SchoolPhase}, "Select a phase"),
        "status": (
            {s.value: School.participation_status == s for s in ParticipationStatus},
            "Select a participation status",
        ),
        "cohort": (
            {NONE: School.cohort_id.is_(None)}
            | {str(c.id): School.cohort_id == c.id for c in cohorts},
            "Select a cohort",
        ),
    }
    errors = []
    for name, (conditions, message) in allowed.items():
        value = filters[name]
        if not value:
            continue
        if value in conditions:
            stmt = stmt.where(conditions[value])
        else:
            errors.append((name, f"{message} from the list"))
    return stmt, errors


@bp.get("/")
@requires(Permission.VIEW_SCHOOLS)
def index():
    areas, teams = _areas(), _teams()
    cohorts = db.session.scalars(
        select(Cohort).order_by(Cohort.academic_year.desc(), Cohort.name)
    ).all()
    filters = {
        "q": request.args.get("q", "").strip()[:SEARCH_MAX],
        **{
            name: request.args.get(name, "").strip()
            for name in ("area", "team", "phase", "status", "cohort")
        },
    }
    stmt = select(School).where(scoping.scope(current_user, School))
    stmt, errors = _filtered(stmt, filters, areas, teams, cohorts)
    page = keyset.paginate(
        stmt,
        A_TO_Z,
        request.args,
        options=[
            db.joinedload(School.area),
            db.joinedload(School.team),
            db.joinedload(School.cohort),
        ],
    )
    return render_template(
        "schools/index.html",
        page=page,
        filters=filters,
        filter_args={name: value for name, value in filters.items() if value},
        filter_errors=errors,
        area_options=[(area.id, area.name) for area in areas],
        team_options=[(NONE, "Not assigned")] + [(team.id, team.name) for team in teams],
        phase_options=[(phase.value, phase.label) for phase in SchoolPhase],
        status_options=[(status.value, status.label) for status in ParticipationStatus],
        cohort_options=[(NONE, "Not in a cohort")] + [(c.id, c.name) for c in cohorts],
        can_manage=has_permission(current_user, Permission.MANAGE_SCHOOLS),
    ), 400 if errors else 200


def _save(form: SchoolForm, school: School | None):
    return commit_operation(
        form,
        operations.save_school,
        school,
        name=form.name.data,
        urn=form.urn.data,
        phase=SchoolPhase(form.phase.data),
        area=_by_id(ServiceArea, form.area_id.data),
        local_authority=form.local_authority.data or None,
        pupils_on_roll=form.pupils(),
        team=_by_id(Team, form.team_id.data),
        by=current_user,
        read_version=form.read_version() if school else None,
        contact_email=form.contact_email.data or None,
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_SCHOOLS)
def new():
    form = SchoolForm()
    set_choices(form, _areas(), _teams(), no_team="No team yet")
    if form.validate_on_submit():
        school = _save(form, None)
        if not failed(school):
            flash(f"{school.name} added to the register.", "success")
            return redirect(url_for("schools.show", school_id=school.id))
    return render_template("schools/form.html", form=form, school=None), (
        400 if form.errors else 200
    )


@bp.route("/<int:school_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_SCHOOLS)
def edit(school_id: int):
    school = scoping.get_or_404(current_user, School, school_id)
    if request.method == "POST":
        form = SchoolForm()
    else:
        form = SchoolForm(
            formdata=None,
            data={
                "name": school.name,
                "urn": school.urn,
                "phase": school.phase.value if school.phase else None,
                "area_id": str(school.area_id),
                "local_authority": school.local_authority or "",
                "pupils_on_roll": ""
                if school.pupils_on_roll is None
                else str(school.pupils_on_roll),
                "team_id": str(school.team_id or ""),
                "contact_email": school.contact_email or "",
                "version": str(school.version),
            },
        )
    set_choices(form, _areas(), _teams(), no_team="No team yet")
    if form.validate_on_submit():
        result = _save(form, school)
        if not failed(result):
            flash(f"Changes to {school.name} saved.", "success")
            return redirect(url_for("schools.show", school_id=school.id))
    return render_template("schools/form.html", form=form, school=school), (
        400 if form.errors else 200
    )


def _upload_problem(form: ImportSchoolsForm, message: str) -> None:
    apply_rule_error(form, RuleError("file", message))


def _read_upload(form: ImportSchoolsForm) -> bytes | None:
    """The uploaded bytes, or None with the reason on the file field."""
    if (request.content_length or 0) > import_file.MAX_FILE_BYTES + UPLOAD_SLACK_BYTES:
        _upload_problem(form, "The selected file must be smaller than 2 MB")
        return None
    upload = form.file.data
    if not (upload.filename or "").lower().endswith(".csv"):
        _upload_problem(form, "The selected file must be a CSV")
        return None
    data = upload.read(import_file.MAX_FILE_BYTES + 1)
    if len(data) > import_file.MAX_FILE_BYTES:
        _upload_problem(form, "The selected file must be smaller than 2 MB")
        return None
    return data


def _render_import(form: ImportSchoolsForm, problems=(), status: int = 200):
    return render_template(
        "schools/import.html",
        form=form,
        row_problems=[p for p in problems if p.row is not None][:PROBLEMS_SHOWN],
        row_problem_total=sum(1 for p in problems if p.row is not None),
        row_problem_count=len({p.row for p in problems if p.row is not None}),
        columns=import_file.COLUMNS,
        phase_mapping=import_file.PHASE_MAPPING_TABLE,
        max_rows=import_file.MAX_ROWS,
    ), status


@bp.route("/import", methods=["GET", "POST"])
@allows_large_body
@requires(Permission.MANAGE_SCHOOLS)
def import_schools():
    form = ImportSchoolsForm()
    set_choices(form, _areas(), _teams(), no_team="No change (new schools have no team)")
    if not form.validate_on_submit():
        return _render_import(form, status=400 if form.errors else 200)
    data = _read_upload(form)
    if data is None:
        return _render_import(form, status=400)
    try:
        text = import_file.decode_upload(data)
    except import_file.UnreadableFile as error:
        _upload_problem(form, str(error))
        return _render_import(form, status=400)
    rows, problems = import_file.parse_schools_csv(text)
    if problems:
        for problem in problems:
            if problem.row is None:  # the file as a whole: shown against the file field
                _upload_problem(form, problem.message)
        return _render_import(form, problems, status=400)
    result = commit_operation(
        form,
        importer.import_schools,
        rows,
        area=_by_id(ServiceArea, form.area_id.data),
        team=_by_id(Team, form.team_id.data),
        by=current_user,
    )
    if failed(result):
        return _render_import(form, status=400)
    message = (
        f"{result.added} {'school' if result.added == 1 else 'schools'} added, "
        f"{result.updated} updated"
    )
    if result.unchanged:
        message += f", {result.unchanged} unchanged"
    flash(message + ".", "success")
    return redirect(url_for("schools.index"))


@bp.post("/download")
@requires(Permission.MANAGE_SCHOOLS)
def download():
    """Ask for the register as CSV: a background job (24,000 schools nationally), whose
    page shows its progress and then the file."""
    job_id = jobs.enqueue(register_download.KIND, register_download.parameters(), current_user)
    return redirect(url_for("jobs.show", job_id=job_id))
