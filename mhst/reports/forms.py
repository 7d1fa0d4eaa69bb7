"""The report filters: a GET form (no CSRF token: it changes nothing), read from the URL.

Every report page and the reports index read the same query string, so the filters carry
over from one report to the next. A date left out of the URL altogether takes its default
(this financial year to date); a date sent blank must be filled in. Anything the URL holds
that the viewer cannot use (an impossible date, letters, an id that does not exist or is
outside their team) is an error on its field, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from werkzeug.datastructures import MultiDict

from mhst.core.fields import DATE_PARTS, DateInputField
from mhst.core.formatting import format_date
from mhst.core.forms import BaseForm, SelectField, apply_rule_error, choices
from mhst.reports.filters import (
    FilterError,
    ReportAccess,
    ReportFilters,
    default_filters,
    filter_choices,
    resolve_filters,
)

SHARED = "shared"
ID_FIELDS = ("area_id", "team_id", "school_id")
ALL = {"area_id": "All areas", "team_id": "All teams", "school_id": "All schools"}


class ReportFilterForm(BaseForm):
    date_from = DateInputField("Start date", what="the start date", required="Enter the start date")
    date_to = DateInputField("End date", what="the end date", required="Enter the end date")
    area_id = SelectField("Area", invalid_message="Select an area from the list")
    team_id = SelectField("Team", invalid_message="Select a team from the list")
    school_id = SelectField("School", invalid_message="Select a school from the list")


@dataclass
class FilterState:
    """The filter form as read from the URL, and, when it is usable, the filters."""

    form: ReportFilterForm
    access: ReportAccess
    today: date
    filters: ReportFilters | None
    shared_requested: bool
    names: dict[str, str]

    @property
    def suppressed(self) -> bool:
        """A commissioner's figures are always suppressed; others' when they ask."""
        return self.access.always_suppressed or self.shared_requested

    @property
    def errors(self) -> list[tuple[str, str]]:
        return self.form.error_list()

    def query(self) -> dict[str, str]:
        """The query string that shows these filters again (for links to other reports
        and to the CSV); empty when the filters are not usable."""
        if self.filters is None:
            return {}
        args = {}
        for name in ("date_from", "date_to"):
            value = getattr(self.filters, name)
            args.update({f"{name}-{part}": str(getattr(value, part)) for part in DATE_PARTS})
        for name in ID_FIELDS:
            if name == "team_id" and self.access.team_id is not None:
                continue  # a senior clinician's team goes without saying
            if getattr(self.form, name).data:
                args[name] = getattr(self.form, name).data
        if self.shared_requested and not self.access.always_suppressed:
            args[SHARED] = "1"
        return args

    def describe(self) -> list[tuple[str, str]]:
        """(what, value) for each filter, for the page and the first lines of a CSV."""
        filters = self.filters
        if filters is None:  # only a valid form is described
            raise ValueError("describe() needs valid filters: call it after validating")
        return [
            ("Start date", format_date(filters.date_from)),
            ("End date", format_date(filters.date_to)),
            ("Area", self.names["area_id"]),
            ("Team", self.names["team_id"]),
            ("School", self.names["school_id"]),
        ]


def _with_default_dates(args: MultiDict, defaults: ReportFilters) -> MultiDict:
    """``args`` with the default for each date none of whose three boxes is in it."""
    data = MultiDict(args)
    for name in ("date_from", "date_to"):
        if not any(f"{name}-{part}" in args for part in DATE_PARTS):
            default = getattr(defaults, name)
            for part in DATE_PARTS:
                data[f"{name}-{part}"] = str(getattr(default, part))
    return data


def read_filters(args: MultiDict, access: ReportAccess, today: date) -> FilterState:
    """Read and check the filters in ``args`` (three queries for the choices, and one
    for each area, team or school chosen)."""
    options = filter_choices(access, **{name: _given_id(args.get(name)) for name in ID_FIELDS})
    form = ReportFilterForm(formdata=_with_default_dates(args, default_filters(access, today)))
    form.area_id.choices = choices([("", ALL["area_id"]), *options["area_id"]])
    if access.team_id is None:
        form.team_id.choices = choices([("", ALL["team_id"]), *options["team_id"]])
    else:
        # A senior clinician's reports cover their own team only: it is the one choice.
        form.team_id.choices = choices(options["team_id"])
    form.school_id.choices = choices([("", ALL["school_id"]), *options["school_id"]])

    filters = None
    if form.validate():
        try:
            filters = resolve_filters(
                access,
                date_from=form.date_from.data,
                date_to=form.date_to.data,
                **{name: _id(getattr(form, name).data) for name in ID_FIELDS},
            )
        except FilterError as error:
            apply_rule_error(form, error)
    if access.team_id is not None and not form.team_id.errors:
        form.team_id.data = str(access.team_id)

    names = {}
    for name in ID_FIELDS:
        chosen = getattr(form, name).data
        labels = {str(value): label for value, label in options[name]}
        names[name] = labels.get(chosen or "", ALL[name])
    return FilterState(
        form=form,
        access=access,
        today=today,
        filters=filters,
        shared_requested=args.get(SHARED) == "1",
        names=names,
    )


def _given_id(value: str | None) -> int | None:
    """An id as typed in the URL, to narrow the choices (anything else narrows nothing,
    and the form then says it is not one of them)."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _id(value: str | None) -> int | None:
    """A chosen id (already checked to be one of the choices), or None for all."""
    return int(value) if value else None
