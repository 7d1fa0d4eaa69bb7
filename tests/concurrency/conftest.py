"""Two real requests at the same moment: the app served by a threaded werkzeug server on
its own PostgreSQL database (built by the migrations, its data committed), and clients
that sign in as the world's users.

The tests run on PostgreSQL only: there, two requests really run at once and row locks,
constraints and versions decide. (SQLite takes one writer at a time.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from config import TestConfig
from mhst import create_app
from mhst.accounts.models import User
from mhst.extensions import db
from mhst.migrate import upgrade
from tests.concurrency.client import LiveClient
from tests.conftest import (
    PASSWORD,
    LoadedWorld,
    World,
    database_url_for,
    new_area,
    new_referral,
    new_school,
    new_team,
    new_user,
    world_identities,
)
from tests.jinja_cache import share_compiled_templates


@dataclass
class LiveApp:
    app: Flask
    base_url: str
    identities: dict[str, object]

    def client(self, email: str) -> LiveClient:
        return LiveClient(self.base_url).sign_in(email, PASSWORD, lambda: self.fresh_code(email))

    def fresh_code(self, email: str) -> str:
        """A code the server accepts now: the same user signs in several times within one
        30-second step here, so the record of the last code used is cleared first."""

        def forget_last_code() -> str:
            user = db.session.scalars(select(User).filter_by(email=email)).one()
            user.mfa_last_step = None
            db.session.commit()
            return user.totp_secret

        return pyotp.TOTP(self.run(forget_last_code)).now()

    def world(self) -> LoadedWorld:
        """The world's records, loaded in the current app context (inside :meth:`run`)."""
        return LoadedWorld(self.identities)

    def run(self, function: Callable, *args, **kwargs):
        """Call ``function`` in the app's context (to set up or read back records)."""
        with self.app.app_context():
            try:
                return function(*args, **kwargs)
            finally:
                db.session.remove()


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> Iterator[LiveApp]:
    url = database_url_for("postgresql", tmp_path_factory, name="live")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, SIGN_IN_RATE_LIMIT="1000 per minute")
    share_compiled_templates(app)
    with app.app_context():
        upgrade()
        world = World(new_area, new_team, new_school, new_user, new_referral)
        identities = world_identities(world)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveApp(app, f"http://127.0.0.1:{server.port}", identities)
    server.shutdown()
    thread.join()
    server.server_close()
    with app.app_context():
        db.engine.dispose()
