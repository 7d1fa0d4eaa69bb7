"""NHS.UK components rendered once per distinct set of options.

The NHS.UK macros (``nhsuk_frontend_jinja``) are pure: their HTML depends on their
``params`` only. Rendering one is slow, though (a date input is three inputs, each
with its label, hint and attributes, indented line by line: several milliseconds), and
the report filters and the service's forms render the same few over and over. So
``component(name, params)`` returns the macro's HTML from a bounded cache keyed by the
options, rendering it only when they are new. Markup and plain text are told apart in
the key (one is escaped, the other not); options the key cannot hold are rendered
every time.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from flask import current_app
from markupsafe import Markup

# The macros that may be cached: name to the template defining it.
MACROS = {
    "dateInput": "nhsuk/components/date-input/macro.jinja",
    "select": "nhsuk/components/select/macro.jinja",
    "checkboxes": "nhsuk/components/checkboxes/macro.jinja",
    "button": "nhsuk/components/button/macro.jinja",
    "header": "nhsuk/components/header/macro.jinja",
    "footer": "nhsuk/components/footer/macro.jinja",
}
CACHE_SIZE = 512


class _Unkeyable(Exception):
    pass


def _key(value):
    """A hashable copy of ``value`` keeping what the HTML depends on: types, order."""
    if isinstance(value, Markup):
        return ("markup", str(value))
    if isinstance(value, str):
        return ("text", value)
    if value is None or isinstance(value, bool | int | float):
        return (type(value).__name__, value)
    if isinstance(value, dict):
        return ("dict", tuple((name, _key(item)) for name, item in value.items()))
    if isinstance(value, list | tuple):
        return ("list", tuple(_key(item) for item in value))
    raise _Unkeyable(type(value).__name__)


class ComponentCache:
    """At most ``size`` rendered components, the least recently used dropped first."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size = size
        self.rendered: OrderedDict[tuple, Markup] = OrderedDict()
        self.lock = Lock()

    def render(self, environment, name: str, params: dict) -> Markup:
        macro = getattr(environment.get_template(MACROS[name]).module, name)
        try:
            key = (name, _key(params))
        except _Unkeyable:
            return macro(params)
        with self.lock:
            if key in self.rendered:
                self.rendered.move_to_end(key)
                return self.rendered[key]
        html = macro(params)
        with self.lock:
            self.rendered[key] = html
            while len(self.rendered) > self.size:
                self.rendered.popitem(last=False)
        return html


def component(name: str, params: dict) -> Markup:
    """The HTML of the NHS.UK macro ``name`` (one of :data:`MACROS`) for ``params``."""
    cache = current_app.extensions["mhst_components"]
    return cache.render(current_app.jinja_env, name, params)
