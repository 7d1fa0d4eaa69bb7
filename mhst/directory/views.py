"""The signposting directory: search and filter services; administrators edit entries."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from mhst.core.forms import commit_operation, failed
from mhst.directory import operations
from mhst.directory.forms import ServiceForm
from mhst.directory.models import Concern, DirectoryService, DirectoryTable
from mhst.extensions import db
from mhst.security.permissions import Permission, has_permission, requires

bp = Blueprint("directory", __name__, url_prefix="/directory")

MAX_FILTER_AGE = 25


def _get_service_or_404(service_id: int) -> DirectoryService:
    service = db.session.get(DirectoryService, service_id)
    if service is None:
        abort(404)
    return service


@bp.get("/")
@requires(Permission.VIEW_DIRECTORY)
def index():
    args = {
        name: request.args.get(name, "").strip()[:100]
        for name in ("q", "need", "concern", "area", "age", "table")
    }
    levels = operations.levels()
    errors = []
    criteria: dict = {"text": args["q"] or None}
    if args["need"]:
        if args["need"] in levels:
            criteria["level"] = args["need"]
        else:
            errors.append(("need", "Select a level of need from the list"))
    if args["concern"]:
        if args["concern"] in {concern.value for concern in Concern}:
            criteria["concern"] = Concern(args["concern"])
        else:
            errors.append(("concern", "Select a concern from the list"))
    if args["area"]:
        if args["area"] in operations.AREAS:
            criteria["area"] = args["area"]
        else:
            errors.append(("area", "Select an area from the list"))
    if args["age"]:
        age = operations.typed_age(args["age"], MAX_FILTER_AGE)
        if age is not None:
            criteria["age"] = age
        else:
            errors.append(
                ("age", f"Age must be a whole number from 0 to {MAX_FILTER_AGE}, like 14")
            )
    if args["table"]:
        if args["table"] in {table.value for table in DirectoryTable}:
            criteria["table"] = DirectoryTable(args["table"])
        else:
            errors.append(("table", "Select children and young people or adults"))
    services = [] if errors else operations.search_services(**criteria)
    groups: list[tuple[str, list[DirectoryService]]] = []
    for service in services:
        if not groups or groups[-1][0] != service.level_of_need:
            groups.append((service.level_of_need, []))
        groups[-1][1].append(service)
    return render_template(
        "directory/index.html",
        groups=groups,
        total=len(services),
        filters=args,
        filter_errors=errors,
        need_options=[(level, level) for level in levels],
        concern_options=[(concern.value, concern.label) for concern in Concern],
        area_options=list(operations.AREA_LABELS.items()),
        table_options=[(table.value, table.label) for table in DirectoryTable],
    ), 400 if errors else 200


@bp.get("/<int:service_id>")
@requires(Permission.VIEW_DIRECTORY)
def show(service_id: int):
    service = _get_service_or_404(service_id)
    return render_template(
        "directory/show.html",
        service=service,
        can_edit=has_permission(current_user, Permission.MANAGE_DIRECTORY),
    )


@bp.route("/<int:service_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_DIRECTORY)
def edit(service_id: int):
    service = _get_service_or_404(service_id)
    if request.method == "POST":
        form = ServiceForm()
    else:
        form = ServiceForm(
            data={
                "name": service.name,
                "level_of_need": service.level_of_need,
                "provider": service.provider,
                "description": service.description,
                "area_text": service.area_text,
                "areas": [
                    key for key, column in operations.AREAS.items() if getattr(service, column)
                ],
                "age_text": service.age_text,
                "min_age": service.min_age,
                "max_age": service.max_age,
                "concerns": [concern.value for concern in service.concerns],
            }
        )
    if form.validate_on_submit():
        result = commit_operation(
            form,
            operations.update_service,
            service,
            user=current_user,
            level_of_need=form.level_of_need.data,
            name=form.name.data,
            provider=form.provider.data,
            description=form.description.data,
            area_text=form.area_text.data,
            areas=list(form.areas.data or []),
            age_text=form.age_text.data,
            min_age=form.min_age.data,
            max_age=form.max_age.data,
            concerns=[Concern(value) for value in form.concerns.data or []],
        )
        if not failed(result):
            flash(f"Changes to {service.name} saved.", "success")
            return redirect(url_for(".show", service_id=service.id))
    return render_template("directory/edit.html", form=form, service=service), (
        400 if form.errors else 200
    )
