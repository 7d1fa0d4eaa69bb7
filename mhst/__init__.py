"""MHST Case Manager: case management for NHS Mental Health Support Teams in schools."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from mhst import paths
from mhst.core.routing import RecordIdConverter
from mhst.settings import DEVELOPMENT_SECRET_KEY, Config, config_from_env

NHSUK_FRONTEND_DIST = paths.NHSUK_FRONTEND_DIST


class ConfigurationError(RuntimeError):
    pass


def create_app(config: type[Config] | None = None, **overrides) -> Flask:
    """Build the application: ``config`` defaults to the class ``MHST_ENV`` names."""
    config = config or config_from_env()
    app = Flask(
        __name__,
        instance_path=paths.instance_path(),
        template_folder=str(paths.TEMPLATES),
        static_folder=str(paths.STATIC),
    )
    app.config.from_object(config)
    app.config.update(overrides)
    app.url_map.converters["int"] = RecordIdConverter  # ids the database can hold, or 404
    _check_secret_key(app)
    _check_rate_limit_storage(app)
    _check_mfa_encryption_keys(app)
    _configure_database_uri(app)

    app.jinja_options = {
        **app.jinja_options,
        # Escape everything, whatever the file's extension: Flask's default escapes only
        # .html files, and the NHS.UK macros are .jinja files, so text passed to them
        # ("text", "value") would otherwise reach the page unescaped.
        "autoescape": True,
        # The NHS.UK macros read optional parameters through chains like params.hint.text.
        "undefined": ChainableUndefined,
        "extensions": ["jinja2.ext.do"],
        "loader": ChoiceLoader(
            [FileSystemLoader(str(paths.TEMPLATES)), PackageLoader("nhsuk_frontend_jinja")]
        ),
    }
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    _init_extensions(app)
    _connect_receivers()
    _register_jobs(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def _check_secret_key(app: Flask) -> None:
    if not app.config["REQUIRE_STRONG_SECRET_KEY"]:
        return
    key = app.config.get("SECRET_KEY")
    if not key or key == DEVELOPMENT_SECRET_KEY or len(key) < 32:
        raise ConfigurationError(
            "SECRET_KEY must be set to a random value of 32 characters or more in production "
            '(for example: python -c "import secrets; print(secrets.token_hex(32))")'
        )


def _check_rate_limit_storage(app: Flask) -> None:
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        raise ConfigurationError(
            "Rate limits need a store every app server shares: set REDIS_URL (for example "
            "redis://redis-host:6379/0), or RATELIMIT_STORAGE_URI=memory:// if this is the "
            "only process serving the app (one server, one gunicorn worker)"
        )


def _check_mfa_encryption_keys(app: Flask) -> None:
    from mhst.core.encryption import EncryptionKeyError, keys_from_config

    try:
        keys_from_config(app.config)
    except EncryptionKeyError as error:
        raise ConfigurationError(str(error)) from None


def _configure_database_uri(app: Flask) -> None:
    from mhst.database import postgres_engine_options

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        path = Path(app.instance_path) / "mhst.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        try:
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = postgres_engine_options(
                app.config["SQLALCHEMY_ENGINE_OPTIONS"], app.config["DATABASE_PREPARE_THRESHOLD"]
            )
        except ValueError as error:
            raise ConfigurationError(str(error)) from None


def _init_extensions(app: Flask) -> None:
    import mhst.models  # noqa: F401  (every model, so relationships by name resolve)
    from mhst.accounts import guards, signing_in
    from mhst.database import configure_sqlite, count_queries_per_request
    from mhst.extensions import csrf, db, limiter, login_manager
    from mhst.security import http
    from mhst.security.permissions import enforce_route_permission

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
        count_queries_per_request(app, db.engine)

    app.before_request(http.apply_body_limit)  # before CSRF protection reads the form
    csrf.init_app(app)
    limiter.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(signing_in.load_user_from_session)

    http.init_app(app)
    app.before_request(signing_in.end_sessions_that_are_over)  # before the guards
    guards.init_app(app)  # a temporary password is changed before anything else
    app.before_request(enforce_route_permission)


def _connect_receivers() -> None:
    """Import every module whose receivers subscribe to ``mhst.core.signals``: each
    connects when first imported, so exactly once however many apps are built."""
    import mhst.casework.receivers
    import mhst.letters.receivers
    import mhst.need.receivers
    import mhst.notifications.receivers
    import mhst.planning.receivers
    import mhst.schools.receivers
    import mhst.sessions.receivers  # noqa: F401


# Modules that register job kinds (mhst.jobs.registry) or scheduled tasks
# (mhst.jobs.schedule) when imported.
JOB_MODULES = (
    "mhst.jobs.housekeeping",
    "mhst.jobs.stalled",
    "mhst.extract.job",
    "mhst.schools.register_download",
    "mhst.reports.scheduled",
    "mhst.sessions.reminders",
    "mhst.notifications.emails",
    "mhst.selfreferral.drafts",
    "mhst.campaigns.sending",
)


def _register_jobs(app: Flask) -> None:
    """Import every module holding job handlers and scheduled tasks, then configure the
    Celery app (its beat schedule is built from what they registered)."""
    from importlib import import_module

    from mhst.jobs import queue

    for module in JOB_MODULES:
        import_module(module)
    queue.init_app(app)


def _register_blueprints(app: Flask) -> None:
    """Register every feature's blueprint, each the ``bp`` of the module named here: the
    module holding its routes, or the package's ``blueprint`` module when its routes are
    spread over several modules (that module imports them)."""
    from importlib import import_module

    from mhst.core.errors import register_error_handlers
    from mhst.core.templating import register_template_helpers

    _register_nhsuk_frontend(app)
    for module in (
        "mhst.home.views",
        "mhst.accounts.views",
        "mhst.accounts.reset_views",
        "mhst.accounts.mfa_views",
        "mhst.admin.users_views",
        "mhst.admin.audit_views",
        "mhst.organisation.views",
        "mhst.schools.blueprint",
        "mhst.cohorts.views",
        "mhst.schools.interest_views",
        "mhst.campaigns.blueprint",
        "mhst.campaigns.public_views",
        "mhst.wholeschool.views",
        "mhst.rollout.views",
        "mhst.need.views",
        "mhst.planning.views",
        "mhst.directory.views",
        "mhst.referrals.blueprint",
        "mhst.casework.allocation_views",
        "mhst.sessions.views",
        "mhst.sessions.correction_views",
        "mhst.sessions.reminder_views",
        "mhst.outcomes.views",
        "mhst.questionnaires.blueprint",
        "mhst.sessions.group_views",
        "mhst.sessions.group_correction_views",
        "mhst.supervision.views",
        "mhst.diary.views",
        "mhst.children.blueprint",
        "mhst.reports.views",
        "mhst.reports.rollout_views",
        "mhst.extract.views",
        "mhst.jobs.views",
        "mhst.privacy.blueprint",
        "mhst.letters.views",
        "mhst.notifications.views",
        "mhst.public.site_views",
        "mhst.public.views",
        "mhst.selfreferral.views",
    ):
        app.register_blueprint(import_module(module).bp)
    register_error_handlers(app)
    register_template_helpers(app)


def _register_nhsuk_frontend(app: Flask) -> None:
    """nhsuk-frontend straight from the npm package: its CSS (without the NHS font host's
    fonts: mhst.core.frontend_css) and JavaScript, and the images and icons at /assets,
    where the CSS expects them (e.g. /assets/images/...)."""
    from mhst.core.frontend_css import LocalFontsBlueprint

    for name, folder, url_path in (
        ("nhsuk_frontend", NHSUK_FRONTEND_DIST, "/nhsuk-frontend"),
        ("assets", NHSUK_FRONTEND_DIST / "assets", "/assets"),
    ):
        app.register_blueprint(
            LocalFontsBlueprint(name, __name__, static_folder=str(folder), static_url_path=url_path)
        )


def _register_commands(app: Flask) -> None:
    from mhst.accounts.cli import accounts_group, create_admin
    from mhst.demo.cli import demo_code, demo_data
    from mhst.directory.cli import import_directory_command
    from mhst.migrate import db_group
    from mhst.need.cli import need_group
    from mhst.privacy.cli import retention_review
    from mhst.reports.cli import reports_group
    from mhst.synthetic.cli import synthetic_data

    app.cli.add_command(create_admin)
    app.cli.add_command(accounts_group)
    app.cli.add_command(demo_data)
    app.cli.add_command(demo_code)
    app.cli.add_command(import_directory_command)
    app.cli.add_command(db_group)
    app.cli.add_command(need_group)
    app.cli.add_command(retention_review)
    app.cli.add_command(reports_group)
    app.cli.add_command(synthetic_data)
