"""Test fixtures: the app on real SQLite and real PostgreSQL, built by the migrations,
with every test inside a transaction that is rolled back afterwards.

PostgreSQL comes from ``TEST_POSTGRES_URL`` (default: the local server). When it cannot
be reached its tests are skipped with a reason, except in CI (``CI=true``) or with
``MHST_REQUIRE_POSTGRES=1``, where that is a failure.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count
from pathlib import Path

import psycopg
import pyotp
import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, event, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import make_url

from config import TestConfig
from mhst import create_app
from mhst.accounts.models import Role, User
from mhst.accounts.passwords import hash_password
from mhst.cohorts.models import Cohort
from mhst.core.time import service_today, utcnow
from mhst.database import configure_sqlite
from mhst.demo import load_demo_data
from mhst.extensions import db, limiter
from mhst.migrate import upgrade
from mhst.organisation.models import ServiceArea, Team
from mhst.organisation.term_dates import school_day_after
from mhst.outcomes.definitions import Respondent
from mhst.outcomes.models import MeasureAnswer, MeasureRecord, MeasureScore
from mhst.referrals import consent as referral_consent
from mhst.referrals import operations as referral_operations
from mhst.referrals import submission as referral_submission
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import (
    ChildAgrees,
    ConsentKind,
    ConsentMethod,
    Duration,
    Gender,
    Impact,
    Need,
    Referral,
    ReferralSource,
    ReferralStatus,
    RiskItem,
    YearGroup,
)
from mhst.schools.models import InterestRegistration, ParticipationStatus, School, SchoolRoom
from mhst.sessions.group_models import GroupAudience, GroupKind, GroupParticipant, GroupProgramme
from mhst.sessions.models import CareContact, ContactMode, ContactStage
from mhst.supervision.models import SupervisionCase, SupervisionRecord
from mhst.wholeschool.models import ActivityKind, WholeSchoolActivity
from tests.distribution import browser_files, browser_groups, group_of
from tests.jinja_cache import share_compiled_templates
from tests.mailbox import Mailbox
from tests.pages import check_page

# Without MHST_ENV the app runs with production rules; anything here that builds an app
# from the environment (a command, a child process) is a test.
os.environ["MHST_ENV"] = "test"

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/mhst_test"
)
PASSWORD = "correct horse battery staple"
# Every user new_user makes has set up two-step sign-in with this secret (mfa=False: not yet).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# A Fernet key for the apps built with production settings (which require one).
PRODUCTION_MFA_KEYS = "e-jL7uzItT7_rgBZZOlfwIv5vsH73HEvPsLEV4EBTyo="


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def postgres_required() -> bool:
    return in_ci() or os.environ.get("MHST_REQUIRE_POSTGRES") == "1"


def xdist_worker() -> str | None:
    """The pytest-xdist worker this process is ("gw0", "gw1", ...), or None."""
    return os.environ.get("PYTEST_XDIST_WORKER")


def pytest_sessionfinish(session, exitstatus):
    """Each process drops the databases it created. In CI a skipped test is a failure: no
    PostgreSQL, Redis or browser must not pass. Under pytest-xdist the workers send every
    report (skips too) to the controller, which counts them here."""
    drop_created_databases()
    if xdist_worker():
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if in_ci() and skipped:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; CI allows none.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# Tests that share an expensive module or directory fixture (a live server, app servers, a
# job worker, a built wheel, a backup): each group runs on one worker, which builds the
# fixture once; spread over two workers, both would. The groups go out before the single
# tests, largest first, so no long group is left for the end of the run while the other
# worker idles. tests/test_test_distribution.py checks that every such file is here. The
# browser tests are the one entry split, by file, into balanced groups (tests/distribution.py).
KEPT_TOGETHER = (
    "tests/browser/",
    "tests/concurrency/",
    "tests/test_backup.py",
    "tests/test_campaigns.py",
    "tests/test_jobs_worker.py",
    "tests/test_jobs_worker_killed.py",
    "tests/test_notifications_worker.py",
    "tests/test_password_rules.py",
    "tests/test_reminders.py",
    "tests/test_reminders_worker.py",
    "tests/test_several_servers.py",
    "tests/test_structure.py",
    "tests/test_wheel.py",
)


# The tests on the demo data's database (the ``demo_data`` fixture), each by its node id
# without parameters: one worker runs them all, so the demo data (about 8 seconds of CPU a
# load) is loaded once per backend rather than once per test and backend.
DEMO_DATA_TESTS = (
    "tests/test_demo_data.py::test_every_report_and_the_overdue_list_show_figures",
    "tests/test_demo_outcomes.py::test_the_demo_caseload_page_shows_each_measures_state",
    "tests/test_diary_demo.py::test_the_demo_emhp_has_sessions_today",
    "tests/test_privacy_demo.py::"
    "test_every_demo_childs_export_holds_their_whole_record_and_nothing_of_another",
    "tests/test_privacy_review.py::test_pseudonymising_every_demo_child_keeps_every_report_figure",
    "tests/test_questionnaires.py::test_the_demo_has_a_waiting_link_shown_in_the_outbox",
)


def pytest_collection_modifyitems(config, items):
    """Every test using ``demo_data`` is in ``DEMO_DATA_TESTS``: one that is not would run
    on either worker, and each would load the demo data for it."""
    for item in items:
        listed = item.nodeid.split("[", 1)[0] in DEMO_DATA_TESTS
        if ("demo_data" in item.fixturenames) != listed:
            raise pytest.UsageError(
                f"{item.nodeid}: a test uses the demo_data fixture if and only if it is in "
                "DEMO_DATA_TESTS (tests/conftest.py)"
            )


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: without xdist it is not called
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup``, with the tests of each ``KEPT_TOGETHER`` entry in one group,
    except the browser tests, which are dealt out to ``BROWSER_GROUPS`` balanced groups by
    file (tests/distribution.py): each group's worker starts its own live server with its
    demo data, and Chromium, once.

    (The ``xdist_group`` mark cannot say so: pytest-xdist 3.8 marks a group by changing
    node ids, which pytest 9.2 no longer lets it do, pytest-dev/pytest-xdist#1386.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    placed = browser_groups(browser_files(Path(__file__).resolve().parent))

    class KeptTogether(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            group = group_of(nodeid, KEPT_TOGETHER, placed, DEMO_DATA_TESTS)
            return group or super()._split_scope(nodeid)

    return KeptTogether(config, log)


def _maintenance_dsn(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database="postgres")
    return parsed.render_as_string(hide_password=False)


def recreate_postgres_database(url: str) -> None:
    """Drop and create the database ``url`` names, or skip/fail if PostgreSQL is absent."""
    name = make_url(url).database
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name or ""):
        raise ValueError(f"unsafe test database name {name!r}")
    try:
        with psycopg.connect(_maintenance_dsn(url), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        message = f"PostgreSQL is not reachable at {url}: {error}"
        if postgres_required():
            pytest.fail(message + " (CI requires PostgreSQL)", pytrace=False)
        pytest.skip(message)


def database_url_for(backend: str, tmp_path_factory, name: str = "test") -> str:
    """A new, empty database. On PostgreSQL its name carries the xdist worker and the
    process id, so test runs in parallel (several developers, CI beside a developer, the
    workers of one run) never share one. SQLite files are under the worker's own
    temporary directory."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp(name) / 'test.sqlite3'}"
    base = make_url(POSTGRES_URL).database or "mhst_test"
    database = f"{base}_{name}_{xdist_worker() or 'main'}_{os.getpid()}"
    url = make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)
    recreate_postgres_database(url)
    _created_databases.append(url)
    return url


@contextlib.contextmanager
def empty_engine(backend: str, tmp_path_factory, name: str) -> Iterator:
    """An engine on a new, empty database (for the migrations' own tests), disposed after."""
    engine = create_engine(database_url_for(backend, tmp_path_factory, name=name))
    configure_sqlite(engine)
    yield engine
    engine.dispose()


_created_databases: list[str] = []


def drop_created_databases() -> None:
    for url in dict.fromkeys(_created_databases):
        with psycopg.connect(_maintenance_dsn(url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


class Databases:
    """The apps the tests run on, one per backend and kind, each built by the migrations
    on first use and kept until this process's session ends (under pytest-xdist each
    worker has its own). Kind "empty" holds nothing else; kind "world" also holds the rows
    of a ``World``, built and committed once, which each test using ``world`` then loads
    by id in its own rolled-back transaction; kind "demo" holds the demo data."""

    def __init__(self, tmp_path_factory):
        self.tmp_path_factory = tmp_path_factory
        self._apps: dict[tuple[str, str], Flask] = {}
        self._errors: dict[tuple[str, str], BaseException] = {}
        self.world_identities: dict[str, dict] = {}

    def app(self, backend: str, kind: str) -> Flask:
        key = (backend, kind)
        if key in self._errors:  # PostgreSQL absent: skip (or fail) at once, as before
            raise self._errors[key]
        if key not in self._apps:
            try:
                self._apps[key] = self._build(backend, kind)
            except BaseException as error:
                self._errors[key] = error
                raise
        return self._apps[key]

    def _build(self, backend: str, kind: str) -> Flask:
        url = database_url_for(backend, self.tmp_path_factory, name=kind)
        app = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=url,
            JOB_FILES_DIR=str(self.tmp_path_factory.mktemp(f"job-files-{kind}")),
        )
        app.test_client_class = CheckedClient
        share_compiled_templates(app)
        with app.app_context():
            upgrade()  # the test database is built by the migrations, never by create_all
            if kind == "world":
                world = World(new_area, new_team, new_school, new_user, new_referral)
                self.world_identities[backend] = world_identities(world)
                db.session.remove()
            elif kind == "demo":
                load_demo_data()  # commits; loading it again in a test changes nothing
                db.session.remove()
        return app

    def dispose(self) -> None:
        for app in self._apps.values():
            with app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory) -> Iterator[Databases]:
    databases = Databases(tmp_path_factory)
    yield databases
    databases.dispose()


@pytest.fixture
def app(request, backend, databases) -> Flask:
    """The app on ``backend``'s database: the one holding the committed ``World`` when the
    test uses ``world``, the one holding the demo data when it uses ``demo_data``,
    otherwise one that holds nothing but what the migrations made."""
    kind = "world" if "world" in request.fixturenames else "empty"
    if "demo_data" in request.fixturenames:
        kind = "demo"
    return databases.app(backend, kind)


@pytest.fixture
def demo_data(app) -> None:
    """The test's database holds the demo data (``flask demo-data``), loaded and committed
    once per database and process: it costs about 8 seconds a load, and a test that loads
    it again (``load_demo_data``) finds it there and adds nothing. The tests that load it
    into an empty database and check that a second load changes nothing do not use this.
    Each test using it is in ``DEMO_DATA_TESTS`` (kept on one worker)."""


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Mailbox]:
    server = Mailbox().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(app, smtp_server) -> Iterator[Mailbox]:
    """The local SMTP server, empty, with the app sending to it for this test."""
    smtp_server.clear()
    saved = {key: app.config[key] for key in smtp_server.settings()}
    app.config.update(smtp_server.settings())
    yield smtp_server
    app.config.update(saved)


class ConnectionBoundSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's session picks an engine per model; the tests' must use the one
    connection that holds the outer transaction."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture(autouse=True)
def _rollback_each_test(request) -> Iterator[None]:
    """Run the test inside one outer transaction; commits become savepoints."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original_session = db.session
        db.session = db._make_scoped_session(
            {
                "class_": ConnectionBoundSession,
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
            }
        )
        limiter.reset()
        try:
            yield
        finally:
            db.session.remove()
            db.session = original_session
            outer.rollback()
            connection.close()


class CheckedClient(FlaskClient):
    """A test client that checks the structure of every HTML page it receives.

    Each request runs in an empty context, as in production: otherwise Flask reuses the
    test's app context, and ``g`` (Flask-Login's user, Flask-WTF's token) leaks from one
    request to the next. Afterwards the test's session is expired so it sees the changes.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if response.headers.get("Content-Disposition", "").startswith("attachment"):
            # A prepared download is sent from an open file (send_file): read it whole and
            # close the file, or it stays open until garbage collection warns about it.
            response.get_data()
            response.close()
        if has_app_context():
            db.session.expire_all()
        if response.mimetype == "text/html" and not 300 <= response.status_code < 400:
            check_page(response.get_data(as_text=True))
        return response


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class AuthActions:
    def __init__(self, client: FlaskClient):
        self.client = client

    def csrf_token(self, path: str = "/sign-in") -> str:
        """The token a form on this session's pages carries.

        Signed here from the session's own secret, as Flask-WTF signs it for a page, so a
        POST costs one request rather than two. A session without a secret yet is given
        one here, made as Flask-WTF's ``generate_csrf`` makes it when a page is rendered
        (``path`` is the page that would have been fetched for it): rendering the sign-in
        page once more for each of the suite's thousands of sign-ins cost a fifth of a
        signed-in test's time, and the pages themselves are tested where they are shown."""
        with self.client.session_transaction() as session:
            raw = session.get("csrf_token")
            if raw is None:
                raw = session["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324
        app = self.client.application
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)

    def sign_in(self, email: str, password: str = PASSWORD, **kwargs):
        """Sign in: the password, then (when the password is right) the authenticator code.

        The answer is the last step's: the code step's redirect once signed in, the sign-in
        page when the password is refused, the recovery codes page (200) for a user who had
        no app yet and has now set one up."""
        token = self.csrf_token("/sign-in")
        path = "/sign-in" + (f"?next={kwargs.pop('next')}" if "next" in kwargs else "")
        follow = kwargs.pop("follow_redirects", False)
        data = {"email": email, "password": password, "csrf_token": token}
        response = self.client.post(path, data=data, **kwargs)
        location = response.headers.get("Location")
        if location == "/sign-in/set-up-authenticator":
            return self.set_up_authenticator(email)
        if location != "/sign-in/code":
            return self.client.get(location) if follow and location else response
        return self.enter_code(email, follow_redirects=follow)

    def set_up_authenticator(self, email: str):
        """A user's first sign-in: set up an app with the key the page shows, and confirm it
        with a code. The answer is the page of recovery codes (200), signed in."""
        page = self.client.get("/sign-in/set-up-authenticator").get_data(as_text=True)
        secret = re.search(r'<code id="authenticator-key">([A-Z2-7 ]+)</code>', page)[1]
        token = self.csrf_token("/sign-in/set-up-authenticator")
        code = pyotp.TOTP(secret.replace(" ", "")).now()
        return self.client.post(
            "/sign-in/set-up-authenticator", data={"code": code, "csrf_token": token}
        )

    def enter_code(self, email: str, **kwargs):
        """The second step, with a fresh code: the same user may sign in many times within
        one 30-second step in a test, so the record of the last code used is cleared first
        (refusing a code used before is tested in test_mfa.py)."""
        user = db.session.scalars(
            select(User).where(func.lower(User.email) == email.strip().lower())
        ).one()
        user.mfa_last_step = None
        db.session.commit()
        token = self.csrf_token("/sign-in/code")
        code = pyotp.TOTP(user.totp_secret).now()
        return self.client.post("/sign-in/code", data={"code": code, "csrf_token": token}, **kwargs)

    def sign_out(self):
        token = self.csrf_token("/")
        return self.client.post("/sign-out", data={"csrf_token": token})

    def post(self, path: str, data: dict | None = None, **kwargs):
        """POST with the session's CSRF token (see ``csrf_token``)."""
        token = self.csrf_token("/")
        return self.client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


_sequence = count(1)


def new_area(name: str | None = None) -> ServiceArea:
    area = ServiceArea(name=name or f"Area {next(_sequence)}")
    db.session.add(area)
    db.session.commit()
    return area


def new_team(name: str | None = None, area: ServiceArea | None = None) -> Team:
    team = Team(name=name or f"Team {next(_sequence)}", area=area or new_area())
    db.session.add(team)
    db.session.commit()
    return team


def new_school(name: str | None = None, team: Team | None = None, urn: str | None = None) -> School:
    number = next(_sequence)
    school = School(
        name=name or f"School {number}",
        urn=urn or f"{800000 + number:06d}",
        area=team.area if team else new_area(),
        team=team,
    )
    db.session.add(school)
    db.session.commit()
    return school


_PASSWORD_HASH: dict[str, str] = {}


def new_user(
    role: Role = Role.EMHP,
    *,
    team: Team | None = None,
    school: School | None = None,
    email: str | None = None,
    password: str = PASSWORD,
    active: bool = True,
    full_name: str | None = None,
    mfa: bool = True,
) -> User:
    if password not in _PASSWORD_HASH:
        _PASSWORD_HASH[password] = hash_password(password)  # at TestConfig's Argon2 strength
    number = next(_sequence)
    user = User(
        email=email or f"user{number}@mhst.example",
        full_name=full_name or f"Test User {number}",
        role=role,
        team=team,
        school=school,
        password_hash=_PASSWORD_HASH[password],
        active=active,
        session_version=1,
        totp_secret=TOTP_SECRET if mfa else None,
        mfa_enrolled_at=utcnow() if mfa else None,
    )
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def make_area(app) -> Callable[..., ServiceArea]:
    return new_area


@pytest.fixture
def make_team(make_area) -> Callable[..., Team]:
    return new_team


@pytest.fixture
def make_school(make_area) -> Callable[..., School]:
    return new_school


@pytest.fixture
def make_user(app) -> Callable[..., User]:
    return new_user


def child_details(**overrides) -> referral_submission.ChildDetails:
    """An invented child of 11 or 12 (whatever today is), with a parent's contact details."""
    values = {
        "given_name": "Alex",
        "family_name": "Invented",
        "date_of_birth": date(service_today().year - 12, 1, 15),
        "gender": Gender.NOT_STATED,
        "year_group": YearGroup.YEAR_8,
        "parent_carer_name": "Sam Invented",
        "parent_carer_relationship": "Mother",
        "parent_carer_phone": "01632 960000",
    }
    return referral_submission.ChildDetails(**{**values, **overrides})


def referral_details(**overrides) -> referral_submission.ReferralDetails:
    values = {
        "needs": [Need.WORRY],
        "duration": Duration.ONE_TO_THREE_MONTHS,
        "impact": Impact.QUITE_A_LOT,
        "needs_detail": "Worries about tests; avoids lessons with presentations.",
        "already_tried": "Time with the pastoral lead.",
        "risks": [],
        "discussed_with_team": True,
        "child_agrees": ChildAgrees.YES,
    }
    return referral_submission.ReferralDetails(**{**values, **overrides})


def parent_consent(**overrides) -> referral_consent.ConsentDetails:
    values = {
        "kind": ConsentKind.PARENT_CARER,
        "given_by_name": "Sam Invented",
        "relationship_to_child": "Mother",
        "given_on": service_today(),
        "method": ConsentMethod.PHONE,
    }
    return referral_consent.ConsentDetails(**{**values, **overrides})


def new_referral(
    school: School,
    *,
    by: User,
    consent: bool = False,
    risks: tuple[RiskItem, ...] = (),
    source: ReferralSource = ReferralSource.SCHOOL,
    child: dict | None = None,
    **details,
) -> Referral:
    """A referral made through the domain layer (so it has its history), committed.

    ``consent=True`` records a parent's consent (it then waits for triage);
    ``risks`` fills the risk screen; child and referral fields can be overridden.
    """
    if source is not ReferralSource.SCHOOL:
        details.setdefault("referrer_name", "Dr Invented")
    referral = referral_submission.submit_referral(
        school,
        child_details(**(child or {})),
        referral_details(risks=list(risks), source=source, **details),
        by=by,
    )
    if consent:
        referral_consent.record_consent(referral, parent_consent(), by=by)
    db.session.commit()
    return referral


@pytest.fixture
def make_referral(app) -> Callable[..., Referral]:
    """``new_referral``: a referral made through the domain layer, committed."""
    return new_referral


class World:
    """Two areas, two teams, two schools per team, and one user of each role in team A
    (the school lead at school A1). Everything in team B is out of scope for team A.
    Schools A1 and A2 are in cohort A (team A); school A1 has one whole-school activity;
    one interest registration is pending. ``referral_a1`` is school A1's referral, with a
    parent's consent and a positive risk screen (not yet reviewed)."""

    def __init__(self, make_area, make_team, make_school, make_user, make_referral):
        self.area_a, self.area_b = make_area("North Area"), make_area("South Area")
        self.team_a = make_team("Team A", self.area_a)
        self.team_b = make_team("Team B", self.area_b)
        self.school_a1 = make_school("School A1", self.team_a)
        self.school_a2 = make_school("School A2", self.team_a)
        self.school_b1 = make_school("School B1", self.team_b)
        self.school_b2 = make_school("School B2", self.team_b)
        self.cohort_a = Cohort(
            name="Cohort A", academic_year=2024, go_live_date=date(2024, 9, 2), teams=[self.team_a]
        )
        self.school_a1.cohort = self.school_a2.cohort = self.cohort_a
        # A room at each school for sessions face to face in school (school B2 has none).
        self.room_a1 = SchoolRoom(school=self.school_a1, name="Room 12")
        self.room_a2 = SchoolRoom(school=self.school_a2, name="Room 12")
        self.room_b1 = SchoolRoom(school=self.school_b1, name="Room 12")
        db.session.add_all([self.room_a1, self.room_a2, self.room_b1])
        self.interest = InterestRegistration(
            school_name="Hopeful School",
            urn="777001",
            area=self.area_a,
            contact_name="Pat Hopeful",
            contact_role="Deputy head",
            contact_email="pat@hopeful.example",
        )
        db.session.add_all([self.cohort_a, self.interest])
        db.session.commit()
        self.users = {
            Role.ADMINISTRATOR: make_user(Role.ADMINISTRATOR, email="admin@test.example"),
            Role.CLINICAL_LEAD: make_user(Role.CLINICAL_LEAD, email="lead@test.example"),
            Role.SENIOR_CLINICIAN: make_user(
                Role.SENIOR_CLINICIAN, team=self.team_a, email="senior@test.example"
            ),
            Role.EMHP: make_user(Role.EMHP, team=self.team_a, email="emhp@test.example"),
            Role.SCHOOL_MENTAL_HEALTH_LEAD: make_user(
                Role.SCHOOL_MENTAL_HEALTH_LEAD, school=self.school_a1, email="mhl@test.example"
            ),
            Role.COMMISSIONER: make_user(Role.COMMISSIONER, email="commissioner@test.example"),
        }
        self.activity_a1 = WholeSchoolActivity(
            school=self.school_a1,
            kind=ActivityKind.ASSEMBLY,
            held_on=date(2026, 10, 1),
            theme="Worry and how to manage it",
            delivered_by="Team A EMHPs",
            attendance=120,
            recorded_by=self.users[Role.EMHP],
        )
        db.session.add(self.activity_a1)
        db.session.commit()
        self.referral_a1 = make_referral(
            self.school_a1,
            by=self.users[Role.SCHOOL_MENTAL_HEALTH_LEAD],
            consent=True,
            risks=(RiskItem.SELF_HARM,),
        )
        self.consent_a1 = self.referral_a1.consents[0]
        self._casework()

    def _casework(self) -> None:
        """``case_a1``: a school-A2 referral allocated to the EMHP, with one planned session
        (``contact_a1``); ``group_a1``: a targeted group at school A1 with the case in it;
        ``supervision_a1``: the senior clinician's supervision of the EMHP about the case;
        ``measure_a1``: a Goal Based Outcomes baseline for the case (one goal, rated 3).
        Made directly, as a later state of the journey."""
        records = allocated_case_with_records(
            case_school=self.school_a2,
            group_school=self.school_a1,
            emhp=self.users[Role.EMHP],
            senior=self.users[Role.SENIOR_CLINICIAN],
            family_name="Allocated",
            location="The school's wellbeing room",
            group_title="Worry busters",
            decision="Continue; review goals next week.",
            goal=("Go to lunch in the hall", 3),
        )
        self.case_a1, self.contact_a1 = records.case, records.contact
        self.group_a1, self.supervision_a1 = records.group, records.supervision
        self.measure_a1 = records.measure
        db.session.commit()


@dataclass
class CaseRecords:
    case: Referral
    contact: CareContact
    group: GroupProgramme
    supervision: SupervisionRecord
    measure: MeasureRecord


def allocated_case_with_records(
    *,
    case_school: School,
    group_school: School,
    emhp: User,
    senior: User,
    family_name: str,
    location: str,
    group_title: str,
    decision: str,
    goal: tuple[str, int],
) -> CaseRecords:
    """A referral from ``case_school`` (made active) allocated to ``emhp``, with a session
    planned in a week, a targeted group at ``group_school`` with the case in it, a
    supervision about it and a Goal Based Outcomes baseline (one goal and its rating).
    Added to the session, not committed."""
    case_school.participation_status = ParticipationStatus.ACTIVE
    case = referral_submission.submit_referral(
        case_school,
        child_details(given_name="Casey", family_name=family_name),
        referral_details(),
        by=emhp,
    )
    referral_consent.record_consent(case, parent_consent(), by=emhp)
    referral_operations.triage(case, ReferralStatus.ACCEPTED, by=senior, reason=None)
    referral_operations.transition(case, ReferralStatus.ALLOCATED, by=senior)
    db.session.add(Allocation(referral=case, practitioner=emhp, allocated_by=senior))
    goal_text, rating = goal
    records = CaseRecords(
        case=case,
        contact=CareContact(
            referral=case,
            practitioner=emhp,
            starts_at=utcnow() + timedelta(days=7),
            duration_minutes=45,
            stage=ContactStage.ASSESSMENT,
            mode=ContactMode.FACE_TO_FACE_SCHOOL,
            location=location,
            created_by=emhp,
        ),
        group=GroupProgramme(
            title=group_title,
            kind=GroupKind.TARGETED,
            audience=GroupAudience.CHILDREN,
            team=group_school.team,
            school=group_school,
            planned_sessions=6,
            created_by_id=emhp.id,
            facilitators=[emhp],
            participants=[GroupParticipant(referral=case)],
        ),
        supervision=SupervisionRecord(
            held_on=service_today(),
            supervisor=senior,
            practitioner=emhp,
            recorded_by_id=senior.id,
            cases=[SupervisionCase(referral=case, decision=decision)],
        ),
        measure=MeasureRecord(
            referral=case,
            measure_code="GBO",
            completed_on=service_today(),
            respondent=Respondent.CHILD,
            by_item=True,
            recorded_by=emhp,
            answers=[MeasureAnswer(item_number=1, value=rating, item_text=goal_text)],
            scores=[MeasureScore(scale="total", position=1, score=rating)],
        ),
    )
    db.session.add_all([records.contact, records.group, records.supervision, records.measure])
    return records


def world_identities(world: World) -> dict[str, object]:
    """Each attribute of a committed ``World`` as (class, primary key); dicts by key."""

    def identity(instance) -> tuple[type, tuple]:
        return type(instance), sa_inspect(instance).identity

    return {
        name: (
            {key: identity(item) for key, item in value.items()}
            if isinstance(value, dict)
            else identity(value)
        )
        for name, value in vars(world).items()
    }


def _load(identity: tuple[type, tuple]):
    instance = db.session.get(*identity)
    assert instance is not None, f"the world's {identity} is missing from the database"
    return instance


class _LoadedOnUse(Mapping):
    """A dict of the world's objects (``world.users``), each loaded when first used."""

    def __init__(self, identities: dict):
        self._identities = identities
        self._loaded: dict = {}

    def __getitem__(self, key):
        if key not in self._loaded:
            self._loaded[key] = _load(self._identities[key])
        return self._loaded[key]

    def __iter__(self):
        return iter(self._identities)

    def __len__(self) -> int:
        return len(self._identities)


class LoadedWorld(World):
    """The committed ``World`` seen from a test's session: each attribute is loaded by id
    the first time the test uses it. One query, as when the test used an object of a world
    it had just committed itself (committing expires every object in the session)."""

    def __init__(self, identities: dict[str, object]):
        self._identities = identities

    def __getattr__(self, name: str):
        identities = self.__dict__.get("_identities", {})
        if name not in identities:
            raise AttributeError(name)
        identity = identities[name]
        value = _LoadedOnUse(identity) if isinstance(identity, dict) else _load(identity)
        setattr(self, name, value)
        return value


def school_day(days: int) -> date:
    """The first weekday at least ``days`` days from today outside the English default
    closures (the world's areas enter none): a day a session face to face in school can
    be booked, whatever day the tests run."""
    return school_day_after(service_today() + timedelta(days=days))


@pytest.fixture
def world(app, backend, databases) -> World:
    """The ``World``, committed once per database and process (see ``Databases``);
    the test changes it only inside its own transaction, which is rolled back."""
    assert app is databases.app(backend, "world")
    return LoadedWorld(databases.world_identities[backend])


@pytest.fixture
def count_queries(app) -> Iterator[Callable[[], list[str]]]:
    """Collects the SQL statements run while the test runs; call it to read them."""
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    yield lambda: list(statements)
    event.remove(engine, "before_cursor_execute", before_cursor_execute)
