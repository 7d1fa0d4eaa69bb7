"""One in-memory Jinja bytecode cache for every app a test process builds.

Each app has its own Jinja environment, so without it every app (SQLite and PostgreSQL,
with and without the world, the live servers) compiles each template again. The key of
a template's entry is its name and a checksum of its source, so an edited template is
compiled afresh; what the templates render is unchanged.
"""

from __future__ import annotations

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class InMemoryBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._code.clear()


TEMPLATE_BYTECODE = InMemoryBytecodeCache()


def share_compiled_templates(app: Flask) -> Flask:
    """Make ``app`` load compiled templates from (and add them to) the process's cache."""
    app.jinja_env.bytecode_cache = TEMPLATE_BYTECODE
    return app
