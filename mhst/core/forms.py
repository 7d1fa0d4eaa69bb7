"""The form base class every form in the service uses, and the one way to commit a unit
of work (:func:`commit_unit`, and :func:`commit_operation` for a form's operation)."""

from __future__ import annotations

import wtforms
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms.validators import StopValidation

from mhst.core.rules import RuleError
from mhst.extensions import db


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """Strips surrounding whitespace from every field but passwords and lists errors in field order.

    CSRF protection comes from FlaskForm; the NHS error summary reads
    :meth:`error_list` so its links follow the order of the page.
    """

    class Meta:
        # CSRFProtect checks every POST before any view runs, so forms need no token field
        # of their own; templates add the one hidden input with {{ csrf_input() }}.
        csrf = False

        def bind_field(self, form, unbound_field, options):
            if not issubclass(unbound_field.field_class, wtforms.PasswordField):
                filters = unbound_field.kwargs.get("filters", ())
                options.setdefault("filters", (_strip, *filters))
            return unbound_field.bind(form=form, **options)

    def error_list(self) -> list[tuple[str, str]]:
        """(field id, message) pairs, first error of each field, in the order of the form."""
        errors = []
        for field in self:
            if field.errors:
                message = field.errors[0]
                if isinstance(message, dict | list):  # nested FormField/FieldList
                    message = "Check this answer"
                errors.append((field.id, message))
        return errors


def choices(pairs) -> list[wtforms.SelectChoice]:
    """Options for a choice field from (value, label) pairs."""
    return [wtforms.SelectChoice(str(value), label) for value, label in pairs]


class _ChoiceMessageMixin:
    """A choice field whose message for a value not in the list is the caller's."""

    def __init__(self, *args, invalid_message: str = "Select an option from the list", **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form):
        if self.data in (None, ""):
            if self.flags.required and self.raw_data and self.raw_data[0]:
                # Spaces alone, stripped to nothing: unanswered. InputRequired reads the
                # answer before stripping and would let it through to the view.
                raise StopValidation(_required_message(self) or self.invalid_message)
            return
        if self.choices is not None and str(self.data) not in {c.value for c in self.choices}:
            raise StopValidation(self.invalid_message)


def _required_message(field) -> str | None:
    """The message of the field's InputRequired or DataRequired validator, if any."""
    return next(
        (
            validator.message
            for validator in field.validators
            if getattr(validator, "field_flags", {}).get("required") and validator.message
        ),
        None,
    )


class SelectField(_ChoiceMessageMixin, wtforms.SelectField):
    pass


class RadioField(_ChoiceMessageMixin, wtforms.RadioField):
    pass


_FAILED = object()
CHANGED_MEANWHILE = (
    "Someone else changed this at the same time, so nothing was saved: check the page and try again"
)


def commit_unit(operation, *args, **kwargs):
    """Run ``operation`` and commit what it did, once, as one unit of work; if it raises,
    roll the unit back and let the exception go on.

    The one place that commits (with :func:`commit_operation`, built on it): a view that
    changes something, or that only records audit events, commits through here. A view
    that renders records commits after rendering (``commit_unit(render_template, ...)``,
    as ``mhst.audit.operations.render_audited`` does), so the objects the template reads
    are not expired by the commit and loaded again row by row.
    """
    try:
        result = operation(*args, **kwargs)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def commit_operation(form: BaseForm, operation, *args, **kwargs):
    """Run a domain operation and commit it, once, as one unit of work.

    If it breaks a rule, roll back and show the message against the form field it names;
    :func:`failed` then tells the view to re-display the form with what the user typed.
    """
    try:
        return commit_unit(operation, *args, **kwargs)
    except RuleError as error:
        apply_rule_error(form, error)
    except (IntegrityError, StaleDataError):
        # Someone else's change got there first (two people allocating one case at the
        # same moment): the database's constraint, or the row's version, refused ours.
        apply_rule_error(form, RuleError("", CHANGED_MEANWHILE))
    return _FAILED


def failed(result) -> bool:
    return result is _FAILED


def apply_rule_error(form: BaseForm, error) -> None:
    """Show a domain rule's error (with ``field`` and ``message``) against its field; an
    error with ``field_messages()`` (a stale edit) has a message for several fields and
    may update the form (``refresh_form``) so that saving again is possible."""
    pairs = error.field_messages() if hasattr(error, "field_messages") else None
    for name, message in pairs or [(error.field, error.message)]:
        field = getattr(form, name, None)
        if field is None or field.type in ("HiddenField", "VersionField"):
            field = next(
                f
                for f in form
                if f.type not in ("HiddenField", "VersionField", "SubmissionTokenField")
            )
        field.errors = [*field.errors, message]
    if hasattr(error, "refresh_form"):
        error.refresh_form(form)
    form._errors = None  # WTForms caches form.errors; recompute with this one included
