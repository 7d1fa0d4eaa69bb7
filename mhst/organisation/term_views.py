"""Administrator pages for an area's term dates: the closures of an academic year,
listed, added and removed, and the English default copied in one step."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from mhst.core.academic_year import academic_year_label, academic_year_of
from mhst.core.forms import commit_operation, commit_unit, failed
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.organisation import term_dates
from mhst.organisation.forms import ButtonForm, ClosureForm
from mhst.organisation.models import ServiceArea, TermClosure
from mhst.organisation.views import bp
from mhst.security.permissions import Permission, requires

TERM_DATES = "/areas/<int:area_id>/term-dates"
YEARS_SHOWN = 3  # this academic year and the next two


def _year() -> int:
    """The academic year asked for (``?year=2026``), else this one; others are ignored."""
    this_year = academic_year_of(service_today())
    text = request.values.get("year", "")
    year = int(text) if text.isdigit() else this_year
    return year if this_year - 1 <= year <= this_year + YEARS_SHOWN else this_year


def _area(area_id: int) -> ServiceArea:
    area = db.session.get(ServiceArea, area_id)
    if area is None:
        abort(404)
    return area


def _render(area: ServiceArea, year: int, form: ClosureForm, status: int = 200):
    entered = term_dates.entered_closures(area.id, year)  # one query, entered or not
    default = not entered
    closures = term_dates.default_closures(year) if default else term_dates.as_closures(entered)
    this_year = academic_year_of(service_today())
    return render_template(
        "admin/organisation/term_dates.html",
        area=area,
        year=year,
        year_label=academic_year_label(year),
        years=[(y, academic_year_label(y)) for y in range(this_year, this_year + YEARS_SHOWN)],
        closures=closures,
        entered=entered,
        default=default,
        form=form,
        button=ButtonForm(),
    ), status


@bp.route(TERM_DATES, methods=["GET", "POST"])
@requires(Permission.MANAGE_ORGANISATION)
def term_dates_page(area_id: int):
    area, year = _area(area_id), _year()
    form = ClosureForm()
    if form.validate_on_submit():
        closure = commit_operation(
            form,
            term_dates.add_closure,
            area,
            year,
            first_day=form.first_day.data,
            last_day=form.last_day.data,
            label=form.label.data,
            kind=form.kind.data,
            by=current_user,
        )
        if not failed(closure):
            flash(f"{closure.label} added to {area.name}'s term dates", "success")
            return redirect(url_for(".term_dates_page", area_id=area.id, year=year))
    elif request.method == "GET":
        form = ClosureForm(formdata=None, data={"kind": "holiday"})
    return _render(area, year, form, 400 if form.errors else 200)


@bp.post(f"{TERM_DATES}/copy-default")
@requires(Permission.MANAGE_ORGANISATION)
def copy_default_term_dates(area_id: int):
    area, year = _area(area_id), _year()
    button = ButtonForm()
    form = ClosureForm(formdata=None, data={"kind": "holiday"})
    if button.validate_on_submit():
        count = commit_operation(form, term_dates.copy_default, area, year, by=current_user)
        if not failed(count):
            flash(
                f"{count} default closures copied for {academic_year_label(year)}: check them "
                "against the local authority's published dates",
                "success",
            )
            return redirect(url_for(".term_dates_page", area_id=area.id, year=year))
    return _render(area, year, form, 400)


@bp.post(f"{TERM_DATES}/<int:closure_id>/remove")
@requires(Permission.MANAGE_ORGANISATION)
def remove_term_closure(area_id: int, closure_id: int):
    area = _area(area_id)
    closure = db.session.get(TermClosure, closure_id)
    if closure is None or closure.area_id != area.id:
        abort(404)
    year = academic_year_of(closure.first_day)
    if not ButtonForm().validate_on_submit():
        return _render(area, year, ClosureForm(formdata=None), 400)
    label = closure.label
    commit_unit(term_dates.remove_closure, closure, by=current_user)
    flash(f"{label} removed from {area.name}'s term dates", "success")
    return redirect(url_for(".term_dates_page", area_id=area.id, year=year))
