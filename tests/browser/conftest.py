"""Browser fixtures: the app served on 127.0.0.1 with the demo data, and Debian chromium
driven by Playwright. Every browser context is cut off from the network: only requests
to the live server go through, and a page resource (CSS, script, image) that fails to
load fails the test.

Without /usr/bin/chromium the browser tests are skipped with a reason, except in CI
(``CI=true``), where that is a failure.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from config import TestConfig
from mhst import create_app
from mhst.accounts.models import User
from mhst.demo import load_demo_data
from mhst.directory.operations import import_directory
from mhst.extensions import db
from mhst.migrate import upgrade
from tests.jinja_cache import share_compiled_templates
from tests.mailbox import Mailbox

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def closed_before_sending(app: Flask) -> Callable[..., list[bytes]]:
    """Read each response whole and close it before the server writes it.

    When the browser drops a connection mid-download (a context closed while the favicon
    loads), werkzeug's development server never closes the response, so the static file
    it was sending stays open and its ResourceWarning fails whichever test runs next.
    """

    def wsgi(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return wsgi


DIRECTORY_SEEDS = sorted(
    (Path(__file__).resolve().parents[3] / "shared" / "seeds").glob("003_*.txt")
)


def _load_directory_seed() -> None:
    """The signposting directory from seed 003 when it is beside the repository (as in CI),
    so the axe scans cover directory pages with real entries."""
    if DIRECTORY_SEEDS:
        import_directory(DIRECTORY_SEEDS[0].read_text(encoding="utf-8-sig"))
        db.session.commit()


LIVE_APPS: list[Flask] = []


def in_live_app(function: Callable, *args, **kwargs):
    """Call ``function`` in the live server's app context (to set up or read records)."""
    (app,) = LIVE_APPS
    with app.app_context():
        try:
            result = function(*args, **kwargs)
            db.session.commit()
            return result
        finally:
            db.session.remove()


def _forget_last_code(email: str) -> str:
    user = db.session.scalars(select(User).filter_by(email=email)).one()
    user.mfa_last_step = None
    return user.totp_secret


def fresh_code(email: str) -> str:
    """A code for ``email``'s authenticator app that the server will accept now.

    A code is refused once its time-step has been used, and the tests sign the same demo
    user in many times within 30 seconds, so the record of the last one is cleared first
    (the refusal itself is tested in test_mfa.py and test_mfa_journey.py)."""
    return pyotp.TOTP(in_live_app(_forget_last_code, email)).now()


@pytest.fixture(scope="session")
def live_mailbox() -> Iterator[Mailbox]:
    """The local SMTP server the live server sends its email to (reset links, notices)."""
    mailbox = Mailbox().start()
    yield mailbox
    mailbox.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, live_mailbox) -> Iterator[str]:
    """The app with the demo data on a file SQLite database; yields its base URL."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'browser.sqlite3'}"
    # Every role signs in within a minute; the real limit (10 a minute) is tested elsewhere.
    # RATELIMIT_ENABLED is not used: the limiter is one object shared by every app.
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=url,
        SIGN_IN_RATE_LIMIT="1000 per minute",
        JOB_FILES_DIR=str(tmp_path_factory.mktemp("browser-job-files")),
        **live_mailbox.settings(),
    )
    share_compiled_templates(app)
    with app.app_context():
        upgrade()
        load_demo_data()
        _load_directory_seed()
    LIVE_APPS.append(app)
    server = make_server("127.0.0.1", 0, closed_before_sending(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    LIVE_APPS.remove(app)
    server.shutdown()
    thread.join()
    server.server_close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian chromium, headless, started once for the session."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must run the browser tests", pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def csp_violations(console_messages: list[str]) -> list[str]:
    """The messages in which Chromium reports a Content Security Policy violation."""
    return [message for message in console_messages if "content security policy" in message.lower()]


@pytest.fixture
def console_messages() -> list[str]:
    """The text of every console message the test's page logs."""
    return []


@pytest.fixture
def page(browser, live_server, console_messages) -> Iterator[Page]:
    """A page in a fresh context that can reach the live server and nothing else."""
    context = browser.new_context(base_url=live_server)

    def only_live_server(route: Route) -> None:
        if route.request.url.startswith(live_server + "/"):
            route.continue_()
        else:
            route.abort()  # e.g. the NHS font host: the tests never use the network

    context.route("**/*", only_live_server)
    page = context.new_page()

    def record(message: ConsoleMessage) -> None:
        console_messages.append(f"{message.type}: {message.text}")

    broken: list[str] = []

    def check_subresource(response) -> None:
        # Pages may be 404 on purpose; the CSS, scripts and images they load never are.
        if response.request.resource_type != "document" and response.status >= 400:
            broken.append(f"{response.status} {response.url}")

    page.on("console", record)
    page.on("response", check_subresource)
    yield page
    context.close()
    violations = csp_violations(console_messages)
    assert not violations, "Content Security Policy violations:\n" + "\n".join(violations)
    assert not broken, "Page resources that failed to load:\n" + "\n".join(broken)
