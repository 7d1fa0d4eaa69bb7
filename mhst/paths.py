"""Where the application's files are.

In a checkout (or an editable install) they are the repository's own folders:
``templates/``, ``static/``, ``migrations/`` with ``alembic.ini``, and nhsuk-frontend in
``node_modules/``. A built wheel carries copies of them in ``mhst/_bundled/`` (``setup.py``
puts them there), and then those copies are used.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
BUNDLED = PACKAGE / "_bundled"
#: True when running from a built wheel rather than from the repository.
INSTALLED = BUNDLED.is_dir()

_BASE = BUNDLED if INSTALLED else PACKAGE.parent
TEMPLATES = _BASE / "templates"
STATIC = _BASE / "static"
ALEMBIC_INI = _BASE / "alembic.ini"  # its script_location is the migrations/ folder beside it
MIGRATIONS = _BASE / "migrations"
NHSUK_FRONTEND_DIST = (
    BUNDLED / "nhsuk-frontend"
    if INSTALLED
    else PACKAGE.parent / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
)

#: The settings file a checkout uses unless MHST_SETTINGS names another.
CHECKOUT_SETTINGS = None if INSTALLED else PACKAGE.parent / "config.py"


def instance_path() -> str | None:
    """``MHST_INSTANCE_PATH``, else ``instance/`` in a checkout, else None: Flask's default
    for an installed package (``<sys.prefix>/var/mhst-instance``)."""
    if os.environ.get("MHST_INSTANCE_PATH"):
        return os.environ["MHST_INSTANCE_PATH"]
    return None if INSTALLED else str(PACKAGE.parent / "instance")
