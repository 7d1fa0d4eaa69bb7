"""nhsuk-frontend's CSS served without its fonts from the NHS asset host.

The compiled CSS in the npm package declares ``@font-face`` rules that load the licensed
Frutiger font from https://assets.nhs.uk. On locked-down NHS networks that host is
blocked and pages stall while the browser waits for it; Frutiger's licence also forbids
shipping the font ourselves. So every CSS file of the package is served with its
``@font-face`` rules removed and "Frutiger W01" taken out of its font stacks, leaving the
NHS's documented fallback, Arial then sans-serif (the NHS.UK service manual's "Typography"
page). Nothing is built: the package's own files are changed as they are served (once per
file per process), so ``make run`` and a wheel work with nothing but ``npm ci``.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request
from werkzeug.security import safe_join

FONT_FACE = re.compile(r"@font-face\s*\{[^{}]*\}")
FRUTIGER = re.compile(r"""(["']?)Frutiger W01\1\s*,\s*""")
# The source map describes the file before the fonts were taken out: not referenced.
SOURCE_MAP = re.compile(r"/\*# sourceMappingURL=[^*]*\*/")


def without_font_host(css: str) -> str:
    """``css`` without ``@font-face`` rules, Frutiger in its font stacks or a source map."""
    return SOURCE_MAP.sub("", FRUTIGER.sub("", FONT_FACE.sub("", css)))


@lru_cache(maxsize=16)
def _served_css(path: str) -> tuple[bytes, str]:
    body = without_font_host(Path(path).read_text(encoding="utf-8")).encode("utf-8")
    return body, hashlib.sha256(body).hexdigest()[:32]


class LocalFontsBlueprint(Blueprint):
    """A static folder (nhsuk-frontend's ``dist``) whose CSS files are served through
    :func:`without_font_host`; its other files as usual."""

    def send_static_file(self, filename: str) -> Response:
        if not filename.endswith(".css"):
            return super().send_static_file(filename)
        path = safe_join(str(self.static_folder), filename)
        if path is None or not Path(path).is_file():
            abort(404)
        body, etag = _served_css(path)
        response = Response(body, mimetype="text/css")
        response.set_etag(etag)
        max_age = current_app.get_send_file_max_age(filename)
        if max_age is not None:
            response.cache_control.max_age = max_age
            response.cache_control.public = True
        return response.make_conditional(request)
