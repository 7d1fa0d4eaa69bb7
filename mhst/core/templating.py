"""Values every template can use: the service's name, the error-summary filter, the
formatters of ``mhst.core.formatting`` as filters, and ``component`` (NHS.UK macros
rendered once per set of options: ``mhst.core.components``).

The menu and ``can()`` need the permissions, so they are ``mhst.home.navigation``'s."""

from __future__ import annotations

from flask import Flask

from mhst.core import formatting
from mhst.core.components import ComponentCache, component


def error_link(error: tuple[str, str]) -> dict:
    """An error-summary entry linking to the field with the error."""
    field_id, message = error
    return {"text": message, "href": f"#{field_id}"}


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(error_link, "error_link")
    app.extensions["mhst_components"] = ComponentCache()
    app.add_template_global(component, "component")
    for formatter in formatting.FILTERS:
        app.add_template_filter(formatter)

    @app.context_processor
    def inject_service_name():
        return {"service_name": app.config["SERVICE_NAME"]}
