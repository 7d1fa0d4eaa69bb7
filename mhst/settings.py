"""Settings classes, read from environment variables, and the loader that picks one.

Pick one with ``MHST_ENV`` (development, test or production; production when unset);
``create_app`` may also be given a class directly. Production refuses to start without a
real ``SECRET_KEY``.

The classes come from a settings module: the one ``MHST_SETTINGS`` names (a module name
such as ``mysite_settings``, or the path of a ``.py`` file), else the repository's
``config.py`` when running from a checkout, else this module (an installed wheel). A
settings module imports the classes from ``mhst.settings`` and may then override any of
``DevelopmentConfig``, ``TestConfig`` and ``ProductionConfig`` (see the top-level
``config.py``).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType

from mhst import paths

__all__ = [
    "DEVELOPMENT_SECRET_KEY",
    "Config",
    "DevelopmentConfig",
    "ProductionConfig",
    "TestConfig",
    "config_from_env",
    "database_url_from_env",
    "rate_limit_storage_from_env",
]

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105  # nosec B105


def database_url_from_env(default: str | None) -> str | None:
    """Return ``DATABASE_URL`` with the psycopg 3 driver named explicitly."""
    url = os.environ.get("DATABASE_URL") or default
    if url is None:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def rate_limit_storage_from_env(default: str | None) -> str | None:
    """Where Flask-Limiter counts: ``RATELIMIT_STORAGE_URI`` if set, else ``REDIS_URL``.

    Several app servers must share one store, or each counts only the requests it saw."""
    return os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or default


class Config:
    SERVICE_NAME = "MHST Case Manager"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)

    # None means "SQLite under the instance folder"; create_app fills in the path.
    SQLALCHEMY_DATABASE_URI = database_url_from_env(None)
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # "none" behind PgBouncer's transaction pooling: psycopg then prepares no statements
    # (see README, "Running several app servers"). Unset: psycopg's default.
    DATABASE_PREPARE_THRESHOLD = os.environ.get("DATABASE_PREPARE_THRESHOLD") or None

    # Sessions: each kept on the server (mhst/accounts/sign_in_sessions.py), the signed
    # cookie holding only its random token; signed out after 30 minutes without a request
    # and 12 hours after signing in, whatever.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "mhst_session"
    SESSION_COOKIE_PATH = "/"
    SESSION_COOKIE_DOMAIN = None
    IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
    PERMANENT_SESSION_LIFETIME = IDLE_TIMEOUT

    # Request bodies: 1 MB, and more only for the views that take a CSV upload
    # (marked @allows_large_body). A larger body is refused with a 413 page.
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_UPLOAD_LENGTH = int(os.environ.get("MAX_UPLOAD_LENGTH", str(10 * 1024 * 1024)))
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    WTF_CSRF_TIME_LIMIT = 60 * 60 * 8

    # Rate limits: in Redis when REDIS_URL is given (RATELIMIT_STORAGE_URI names any other
    # Flask-Limiter store); in this process's memory otherwise, except in production.
    RATELIMIT_STORAGE_URI = rate_limit_storage_from_env("memory://")
    RATELIMIT_HEADERS_ENABLED = True
    SIGN_IN_RATE_LIMIT = os.environ.get("SIGN_IN_RATE_LIMIT", "10 per minute;50 per hour")
    # Fetches of a calendar feed (a public address) from one address: calendar apps read
    # every few minutes at most; a guesser is slowed down.
    CALENDAR_FEED_RATE_LIMIT = os.environ.get("CALENDAR_FEED_RATE_LIMIT", "60 per minute")
    # Failed sign-ins only (mhst/accounts/lockout.py): from one address across every
    # email address typed, and from everywhere at once (a spray from many addresses).
    SIGN_IN_FAILURE_LIMIT_PER_IP = os.environ.get(
        "SIGN_IN_FAILURE_LIMIT_PER_IP", "20 per 15 minutes;100 per day"
    )
    SIGN_IN_FAILURE_LIMIT_GLOBAL = os.environ.get(
        "SIGN_IN_FAILURE_LIMIT_GLOBAL", "500 per 15 minutes"
    )
    # An account is locked for LOCKOUT_MINUTES after LOCKOUT_THRESHOLD failed sign-ins
    # within LOCKOUT_WINDOW_MINUTES; its user is told by email.
    LOCKOUT_THRESHOLD = int(os.environ.get("LOCKOUT_THRESHOLD", "5"))
    LOCKOUT_WINDOW_MINUTES = int(os.environ.get("LOCKOUT_WINDOW_MINUTES", "15"))
    LOCKOUT_MINUTES = int(os.environ.get("LOCKOUT_MINUTES", "15"))

    # The benchmark's count of SQL statements per request, sent as X-Query-Count (off
    # unless QUERY_COUNT_HEADER=1: bench/national.py turns it on).
    QUERY_COUNT_HEADER = os.environ.get("QUERY_COUNT_HEADER", "0") == "1"

    # Behind a reverse proxy that terminates HTTPS, trust one hop of X-Forwarded-*.
    TRUST_PROXY = os.environ.get("TRUST_PROXY", "0") == "1"

    # The service's age range; some services run to 25.
    SERVICE_MIN_AGE = int(os.environ.get("SERVICE_MIN_AGE", "5"))
    SERVICE_MAX_AGE = int(os.environ.get("SERVICE_MAX_AGE", "18"))
    # The youngest a young person may be to refer themselves online (a parent or carer
    # refers a younger child), and how long an unfinished self-referral is kept.
    SELF_REFERRAL_MIN_AGE = int(os.environ.get("SELF_REFERRAL_MIN_AGE", "11"))
    SELF_REFERRAL_DRAFT_MINUTES = int(os.environ.get("SELF_REFERRAL_DRAFT_MINUTES", "120"))

    # The letterhead of the service's letters (mhst.letters): its name, postal address
    # (lines separated by commas or new lines) and phone number.
    LETTER_SERVICE_NAME = os.environ.get("LETTER_SERVICE_NAME", "Mental Health Support Team")
    LETTER_SERVICE_ADDRESS = os.environ.get(
        "LETTER_SERVICE_ADDRESS", "Mental Health Support Team, 1 Example Road, Leicester, LE1 1AA"
    )
    LETTER_SERVICE_PHONE = os.environ.get("LETTER_SERVICE_PHONE", "0116 000 0000")

    # The data controller named on the public privacy notice: the NHS trust running the
    # service, with its data protection officer's contact.
    SERVICE_CONTROLLER_NAME = os.environ.get(
        "SERVICE_CONTROLLER_NAME", "Example NHS Foundation Trust"
    )
    SERVICE_CONTROLLER_ADDRESS = os.environ.get(
        "SERVICE_CONTROLLER_ADDRESS", "Trust Headquarters, 1 Example Road, Leicester, LE1 1AA"
    )
    SERVICE_DPO_EMAIL = os.environ.get("SERVICE_DPO_EMAIL", "dpo@example.nhs.uk")
    SERVICE_CONTACT_PHONE = os.environ.get("SERVICE_CONTACT_PHONE", "0116 000 0000")

    # The rollout report: every school covered by the end of this academic year (2029 is
    # 2029/30). ROLLOUT_TRAJECTORY may set the planned path, {2027: 70, 2029: 100} (percent
    # of schools covered at the end of each year); None is a straight line to 100%.
    ROLLOUT_TARGET_YEAR = 2029
    ROLLOUT_TRAJECTORY: dict[int, float] | None = None
    # The pupils one team is designed to serve (8 WTE practitioners, about 8,000 pupils):
    # the next-cohort planner shows a team's schools against it.
    TEAM_DESIGN_PUPILS = int(os.environ.get("TEAM_DESIGN_PUPILS", "8000"))

    # Open cases not discussed in case-management supervision for longer than this are flagged.
    SUPERVISION_INTERVAL_WEEKS = int(os.environ.get("SUPERVISION_INTERVAL_WEEKS", "4"))

    # Outcome measures: a folder of extra measure definitions (a licensed RCADS-25, say)
    # beside the free ones shipped; and after how many attended sessions without a
    # measure a review measure is due.
    MEASURES_DIR = os.environ.get("MEASURES_DIR") or None
    MEASURE_REVIEW_SESSIONS = int(os.environ.get("MEASURE_REVIEW_SESSIONS", "3"))

    # The national extract's pseudonyms are keyed with this secret (SECRET_KEY if unset):
    # keep it stable so the same child has the same pseudonym month to month.
    EXTRACT_PSEUDONYM_KEY = os.environ.get("EXTRACT_PSEUDONYM_KEY") or None

    # Records retention (the Records Management Code of Practice): a child's record is kept
    # until their RETENTION_AGE birthday, or their RETENTION_AGE_LATE birthday if they were
    # RETENTION_LATE_END_AGE (17) at the end of treatment; an 18-year-old's at least
    # ADULT_RETENTION_YEARS after it. A pseudonymised record keeps the date of birth's
    # "month" (the 1st of it) or "year" (1 January).
    RETENTION_AGE = int(os.environ.get("RETENTION_AGE", "25"))
    RETENTION_AGE_LATE = int(os.environ.get("RETENTION_AGE_LATE", "26"))
    RETENTION_LATE_END_AGE = 17
    ADULT_RETENTION_YEARS = 8
    PSEUDONYMISED_BIRTH_DATE = os.environ.get("PSEUDONYMISED_BIRTH_DATE", "month")

    # Email over SMTP (mhst/core/mail.py). Without MAIL_SERVER messages go to the log.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "1") == "1"  # STARTTLS on MAIL_PORT
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "0") == "1"  # TLS from the start (465)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_FROM = os.environ.get("MAIL_FROM", "mhst-case-manager@example.nhs.uk")
    MAIL_TIMEOUT_SECONDS = 10
    # The service's address, for links in emails sent by the job worker (no request to
    # take it from): notifications' emails link to SERVICE_URL/notifications/...
    SERVICE_URL = os.environ.get("SERVICE_URL", "http://localhost:5000")
    # Notifications are kept this long, read or not, then deleted (daily).
    NOTIFICATION_RETENTION_DAYS = int(os.environ.get("NOTIFICATION_RETENTION_DAYS", "180"))
    # A notification's email the mail relay did not take is tried again after this many
    # minutes, the wait doubling each time (2, 4, 8, 16), up to ATTEMPTS tries in all.
    NOTIFICATION_EMAIL_RETRY_MINUTES = int(os.environ.get("NOTIFICATION_EMAIL_RETRY_MINUTES", "2"))
    NOTIFICATION_EMAIL_ATTEMPTS = int(os.environ.get("NOTIFICATION_EMAIL_ATTEMPTS", "5"))

    # Reminders to families by text and email through GOV.UK Notify (mhst/core/notify.py).
    # Without NOTIFY_API_KEY a reminder is written to the log and kept as "logged", shown
    # in the development outbox (never in production: DEV_OUTBOX). The templates are
    # Notify's ids; the discreet ones must not name the service.
    NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY") or None
    NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
    NOTIFY_TIMEOUT_SECONDS = 10
    NOTIFY_TEXT_TEMPLATE_ID = os.environ.get("NOTIFY_TEXT_TEMPLATE_ID") or None
    NOTIFY_TEXT_DISCREET_TEMPLATE_ID = os.environ.get("NOTIFY_TEXT_DISCREET_TEMPLATE_ID") or None
    NOTIFY_EMAIL_TEMPLATE_ID = os.environ.get("NOTIFY_EMAIL_TEMPLATE_ID") or None
    NOTIFY_EMAIL_DISCREET_TEMPLATE_ID = os.environ.get("NOTIFY_EMAIL_DISCREET_TEMPLATE_ID") or None
    # How a reminder names the service (left out when the family asked for discretion).
    REMINDER_SERVICE_NAME = os.environ.get(
        "REMINDER_SERVICE_NAME", "the Mental Health Support Team"
    )
    DEV_OUTBOX = True
    # Questionnaires completed online (mhst/questionnaires): how long a link works, the
    # Notify templates its text and email use (see mhst/questionnaires/sending.py), and
    # the rate limits of its public page per connection (a school's network is shared).
    QUESTIONNAIRE_LINK_DAYS = int(os.environ.get("QUESTIONNAIRE_LINK_DAYS", "14"))
    NOTIFY_QUESTIONNAIRE_TEXT_TEMPLATE_ID = (
        os.environ.get("NOTIFY_QUESTIONNAIRE_TEXT_TEMPLATE_ID") or None
    )
    NOTIFY_QUESTIONNAIRE_EMAIL_TEMPLATE_ID = (
        os.environ.get("NOTIFY_QUESTIONNAIRE_EMAIL_TEMPLATE_ID") or None
    )
    # Campaigns to schools (mhst/campaigns/sending.py): the Notify email template, whose
    # subject is ((subject)) and whose body has ((message)), ((resources)) and ((link)).
    # The template may also show ((link_ends)), the last day the link works.
    NOTIFY_CAMPAIGN_EMAIL_TEMPLATE_ID = os.environ.get("NOTIFY_CAMPAIGN_EMAIL_TEMPLATE_ID") or None
    # A campaign email's link works this many days after sending, and always to the end
    # of the campaign's last day (mhst/campaigns/expiry.py); then it says it has ended.
    CAMPAIGN_LINK_DAYS = int(os.environ.get("CAMPAIGN_LINK_DAYS", "180"))
    QUESTIONNAIRE_PAGE_RATE_LIMIT = "120 per hour"
    QUESTIONNAIRE_ANSWER_RATE_LIMIT = "30 per hour"

    PASSWORD_MIN_LENGTH = 12
    # Forgotten passwords: how long an emailed link works, how often it may be asked for
    # (per address and per IP), and the least time the request takes, whether or not the
    # address has an account (so the time taken to send the email gives nothing away).
    PASSWORD_RESET_MINUTES = 30
    # Rate limits, not passwords (ruff S105, bandit B105 read "PASSWORD" in the names).
    PASSWORD_RESET_ADDRESS_RATE_LIMIT = "3 per 15 minutes;10 per day"  # noqa: S105  # nosec B105
    PASSWORD_RESET_IP_RATE_LIMIT = "20 per hour"  # noqa: S105  # nosec B105
    PASSWORD_RESET_RESPONSE_SECONDS = 1.0
    # The change password page's current-password check: refused after this many wrong
    # answers within the window (audited), and rate-limited per user.
    PASSWORD_CHECK_MAX_FAILURES = 5
    PASSWORD_CHECK_WINDOW_MINUTES = 15
    # A rate limit, not a password (ruff S105, bandit B105).
    PASSWORD_CHANGE_RATE_LIMIT = "20 per hour"  # noqa: S105  # nosec B105
    # Accounts not used for this many days cannot sign in (0 switches the rule off);
    # `flask accounts disable-dormant` deactivates them.
    ACCOUNT_DORMANT_DAYS = int(os.environ.get("ACCOUNT_DORMANT_DAYS", "90"))
    # Two-step sign-in with an authenticator app for every user (mhst/accounts/mfa.py).
    # Off only where single sign-on does the second step instead (not built yet: README).
    MFA_REQUIRED = True
    # How long after the password the second step may be finished, in seconds.
    MFA_PENDING_SECONDS = 300
    # The keys the authenticator secrets are encrypted with (mhst/core/encryption.py):
    # comma-separated Fernet keys, the first encrypting, all decrypting. Required unless
    # MFA_ENCRYPTION_KEYS_REQUIRED is off (development and test derive one from SECRET_KEY).
    MFA_ENCRYPTION_KEYS = os.environ.get("MFA_ENCRYPTION_KEYS") or None
    MFA_ENCRYPTION_KEYS_REQUIRED = True
    ALLOW_DEMO_DATA = False
    # Background jobs (mhst/jobs): the queue's broker is Redis when REDIS_URL is set, else
    # an embedded broker on a SQLite file in the instance folder (make run without Redis).
    # JOBS_RUN_IN_PROCESS runs each job in the web process right after its commit (tests).
    JOBS_BROKER_URL = os.environ.get("REDIS_URL") or None
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "mhst")
    JOBS_RUN_IN_PROCESS = False
    # Jobs' files (an extract's ZIP): JOB_FILES_DIR, else instance/job-files; deleted by a
    # scheduled task this many days after the job finished.
    JOB_FILES_DIR = os.environ.get("JOB_FILES_DIR") or None
    JOB_FILES_RETENTION_DAYS = int(os.environ.get("JOB_FILES_RETENTION_DAYS", "7"))
    # A running job's worker writes its heartbeat every JOB_HEARTBEAT_SECONDS; the sweep
    # (every 5 minutes) fails a running job with none for JOB_STALLED_AFTER_SECONDS, and a
    # job still queued after JOB_UNSTARTED_AFTER_SECONDS (its message was lost).
    JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", "60"))
    JOB_STALLED_AFTER_SECONDS = int(os.environ.get("JOB_STALLED_AFTER_SECONDS", "600"))
    JOB_UNSTARTED_AFTER_SECONDS = int(os.environ.get("JOB_UNSTARTED_AFTER_SECONDS", "86400"))
    # Ended sign-in sessions are deleted after this many days (a scheduled task).
    SIGN_IN_SESSION_RETENTION_DAYS = 30
    # Refuse to start with a missing, short or well-known SECRET_KEY (off only for local use).
    REQUIRE_STRONG_SECRET_KEY = True


class DevelopmentConfig(Config):
    DEBUG = False  # the interactive debugger is never needed to use the service
    SESSION_COOKIE_SECURE = False
    ALLOW_DEMO_DATA = True
    REQUIRE_STRONG_SECRET_KEY = False
    MFA_ENCRYPTION_KEYS_REQUIRED = False  # unset: derived from SECRET_KEY


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105  # nosec B105
    SESSION_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"
    # The mail tests start a local SMTP server (tests/mailbox.py) and point the app at it;
    # a worker in a subprocess is pointed at one by TEST_MAIL_SERVER (never a real relay).
    MAIL_SERVER = os.environ.get("TEST_MAIL_SERVER") or None
    PASSWORD_RESET_RESPONSE_SECONDS = 0.0
    ALLOW_DEMO_DATA = True
    REQUIRE_STRONG_SECRET_KEY = False
    MFA_ENCRYPTION_KEYS_REQUIRED = False  # unset: derived from SECRET_KEY
    # Argon2 at full strength makes a test suite slow; tests use the cheapest setting
    # (one pass over 64 KiB). Production keeps argon2-cffi's defaults: see passwords.py.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 64
    # A job runs in the request that asked for it (Celery's eager call), inside the test's
    # transaction; tests/test_jobs_worker.py runs jobs on a real worker and Redis.
    JOBS_RUN_IN_PROCESS = True


class ProductionConfig(Config):
    DEBUG = False  # whatever FLASK_DEBUG says: Flask reads it for every app it makes
    SESSION_COOKIE_SECURE = True
    # The __Host- prefix: browsers keep the cookie only if it is Secure, for Path=/ and
    # with no Domain, so no other host (a sibling subdomain) can set or shadow it.
    SESSION_COOKIE_NAME = "__Host-mhst_session"
    DEV_OUTBOX = False  # the reminders written to the log are never shown in production
    # No default store: counts in one process's memory would let a client get each limit
    # once per app server (and per gunicorn worker). create_app refuses to start without
    # REDIS_URL, unless RATELIMIT_STORAGE_URI=memory:// says there is only one process.
    RATELIMIT_STORAGE_URI = rate_limit_storage_from_env(None)


# MHST_ENV names a class; the class is looked up in the settings module by name, so a
# settings module's own subclasses take the place of these.
CONFIG_NAMES = {
    "development": "DevelopmentConfig",
    "test": "TestConfig",
    "production": "ProductionConfig",
}


def config_from_env() -> type[Config]:
    """The class ``MHST_ENV`` names, from the settings module (see this module's doc).

    Without ``MHST_ENV`` the rules are production's (a strong SECRET_KEY, secure cookies):
    a deployment that forgets to say is safe, and development must be asked for."""
    name = os.environ.get("MHST_ENV") or "production"
    if name not in CONFIG_NAMES:
        raise RuntimeError(f"MHST_ENV is {name!r}; it must be one of {', '.join(CONFIG_NAMES)}")
    module = settings_module()
    config = getattr(module, CONFIG_NAMES[name], None)
    if not (isinstance(config, type) and issubclass(config, Config)):
        raise RuntimeError(
            f"The settings module {module.__name__} ({module.__file__}) has no class "
            f"{CONFIG_NAMES[name]} (import it from mhst.settings or define it)"
        )
    return config


def settings_module() -> ModuleType:
    """``MHST_SETTINGS``, else a checkout's ``config.py``, else this module."""
    target = os.environ.get("MHST_SETTINGS", "").strip()
    if target.endswith(".py") or os.sep in target:
        return _load_file(Path(target))
    if target:
        return importlib.import_module(target)
    if paths.CHECKOUT_SETTINGS is not None and paths.CHECKOUT_SETTINGS.is_file():
        return _load_file(paths.CHECKOUT_SETTINGS)
    return sys.modules[__name__]


def _load_file(path: Path) -> ModuleType:
    """Import a settings file once, under its own name (``config``) when that is free, so
    ``import config`` elsewhere finds the same module and the same classes."""
    path = path.resolve()
    if not path.is_file():
        raise RuntimeError(f"MHST_SETTINGS names {path}, which is not a file")
    private_name = f"_mhst_settings_{path.stem}"
    for name in (path.stem, private_name):
        module = sys.modules.get(name)
        if module is not None and _file_of(module) == path:
            return module
    name = private_name if path.stem in sys.modules else path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _file_of(module: ModuleType) -> Path | None:
    file = getattr(module, "__file__", None)
    return Path(file).resolve() if file else None
