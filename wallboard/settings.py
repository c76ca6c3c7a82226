"""Settings, all from the environment (django-environ; an optional .env beside manage.py).

Defaults run the demo with nothing installed: SQLite in the project folder and the in-memory
channel layer. Production sets DATABASE_URL (PostgreSQL) and CHANNELS_URL (Redis); see
.env.example. A bad value stops start-up with a message that names the setting.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_T = TypeVar("_T")

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _setting(name: str, parse: Callable[..., _T], default: object) -> _T:
    """parse(name, default=default): one of env's readers (env.bool, env.db_url, ...)."""
    try:
        return parse(name, default=default)
    except (ValueError, ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"Setting {name} has a bad value: {exc}") from exc


DEBUG: bool = _setting("DEBUG", env.bool, False)

SECRET_KEY: str = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or .env (see .env.example); "
            "only DEBUG=true (development) may run without one."
        )
    SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# daphne serves the site (`daphne wallboard.asgi:application`, and `manage.py serve`/`demo`,
# which import it themselves) without being an app here: as an app (for `runserver`, which
# this project does not use) it would load Twisted into every process, runingest's included
# (27 MB of its memory).
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "wallboard.apps.WallboardConfig",
    "ingest.apps.IngestConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "wallboard.urls"
ASGI_APPLICATION = "wallboard.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": _setting("DATABASE_URL", env.db_url, f"sqlite:///{BASE_DIR / 'wallboard.sqlite3'}")
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("OPTIONS", {}).setdefault("application_name", "wallboard")
    # Connections are kept (checked before reuse): a new one costs PostgreSQL a backend process
    # and the client several round trips, and a display's connect or an ingest write made one
    # per database call. `?conn_max_age=0` in DATABASE_URL closes each after use again.
    _db.setdefault("CONN_MAX_AGE", 600)
    _db.setdefault("CONN_HEALTH_CHECKS", True)
    # DATABASE_POOL: Django's own connection pool (psycopg_pool) instead of one kept connection
    # per thread: for a web server whose many threads each would hold one. A pool lends its
    # connections per request, so persistent connections are off with it.
    if _setting("DATABASE_POOL", env.bool, False):
        _db["OPTIONS"]["pool"] = True
        _db["CONN_MAX_AGE"] = 0
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web side read while ingest writes; a short busy wait instead of "locked".
    _db.setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # Tests use a file too: ingest writes from its own thread, and an in-memory shared-cache
    # database locks whole tables instead of waiting.
    # One file per test run, so two runs side by side never share (and delete) a database.
    _db.setdefault("TEST", {}).setdefault(
        "NAME", str(BASE_DIR / f"test-wallboard-{os.getpid()}.sqlite3")
    )

CHANNEL_LAYERS = {
    "default": _setting("CHANNELS_URL", env.channels_url, "inmemory://"),
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE: str = env.str("TIME_ZONE", default="UTC")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(f"Setting TIME_ZONE has a bad value: {TIME_ZONE!r}") from exc
USE_I18N = False
USE_TZ = True

# The hour (0-23, site time) the reporting day starts: "today" figures restart then.
DAY_START_HOUR: int = _setting("DAY_START_HOUR", env.int, 0)
if not 0 <= DAY_START_HOUR <= 23:
    raise ImproperlyConfigured(f"Setting DAY_START_HOUR must be 0-23, not {DAY_START_HOUR}")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

LOGIN_URL = "/admin/login/"

SESSION_COOKIE_HTTPONLY = True
# Secure cookies (the default) are sent over HTTPS only: a browser on a plain-HTTP address
# drops them and every admin login fails its CSRF check. A wall network served over plain HTTP
# on its LAN says so on purpose with SECURE_COOKIES=false (start-up logs which mode is in force,
# and a refused login explains itself: wallboard.security.csrf_failure).
SESSION_COOKIE_SECURE = _setting("SECURE_COOKIES", env.bool, not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "wallboard.security.csrf_failure"

# Behind a TLS-terminating proxy (README: "Running it for real"). HSTS tells browsers to come
# back over HTTPS only, for this many seconds; the redirect sends plain-HTTP requests to HTTPS
# (/healthz excepted, for a load balancer that checks over HTTP).
SECURE_HSTS_SECONDS: int = _setting("SECURE_HSTS_SECONDS", env.int, 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS: bool = _setting("SECURE_HSTS_INCLUDE_SUBDOMAINS", env.bool, False)
SECURE_HSTS_PRELOAD: bool = _setting("SECURE_HSTS_PRELOAD", env.bool, False)
SECURE_SSL_REDIRECT: bool = _setting("SECURE_SSL_REDIRECT", env.bool, False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Only behind a proxy that sets X-Forwarded-Proto itself (and strips a client's): the request
# counts as HTTPS when the proxy says so. Anywhere else a client could claim HTTPS at will.
if _setting("TRUST_X_FORWARDED_PROTO", env.bool, False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST: bool = _setting("USE_X_FORWARDED_HOST", env.bool, False)

LOG_LEVEL: str = env.str("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "one_line": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_traceback"],
        },
    },
    "loggers": {
        "ingest": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "wallboard": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "integrations": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # A refused Host (not in ALLOWED_HOSTS) answers "Bad Request (400)": the log says which
        # host to add. Django logs it with a traceback that says nothing more; dropped here.
        "django.security": {"handlers": ["one_line"], "level": "WARNING", "propagate": False},
    },
    "filters": {"no_traceback": {"()": "wallboard.settings.NoTraceback"}},
}


class NoTraceback:
    """A logging filter: the record's message without its traceback."""

    def filter(self, record: object) -> bool:
        record.exc_info = None  # type: ignore[attr-defined]
        record.exc_text = None  # type: ignore[attr-defined]
        return True


# Ingest tuning (see README). How often a running runingest looks for configuration edits, and
# how many bytes each pass-through target may queue before it drops the oldest.
INGEST_RELOAD_SECONDS: float = _setting("INGEST_RELOAD_SECONDS", env.float, 3.0)
PASS_THROUGH_BUFFER_BYTES: int = _setting("PASS_THROUGH_BUFFER_BYTES", env.int, 4 * 1024 * 1024)

# Calls (the call ledger). Caller numbers are personal data: displays and pages show only the
# last CALLER_NUMBER_VISIBLE_DIGITS digits (-1 shows them whole, 0 none) to users without the
# "view caller numbers" permission; ended calls are purged after CALL_RETENTION_DAYS; a call with
# no end event for ORPHAN_CALL_MINUTES is closed by ingest and marked orphaned.
CALLER_NUMBER_VISIBLE_DIGITS: int = _setting("CALLER_NUMBER_VISIBLE_DIGITS", env.int, 4)
CALL_RETENTION_DAYS: int = _setting("CALL_RETENTION_DAYS", env.int, 90)
ORPHAN_CALL_MINUTES: int = _setting("ORPHAN_CALL_MINUTES", env.int, 240)
if CALL_RETENTION_DAYS < 1 or ORPHAN_CALL_MINUTES < 1:
    raise ImproperlyConfigured("CALL_RETENTION_DAYS and ORPHAN_CALL_MINUTES must be at least 1")

# Alerts off the wall (see the README's "Alerts"). E-mail goes through Django's e-mail backend:
# an SMTP server (EMAIL_HOST, EMAIL_PORT), with a login where it needs one, STARTTLS
# (EMAIL_USE_TLS) or TLS from the start (EMAIL_USE_SSL), from DEFAULT_FROM_EMAIL.
EMAIL_BACKEND: str = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST: str = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT: int = _setting("EMAIL_PORT", env.int, 25)
EMAIL_HOST_USER: str = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD: str = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS: bool = _setting("EMAIL_USE_TLS", env.bool, False)
EMAIL_USE_SSL: bool = _setting("EMAIL_USE_SSL", env.bool, False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS (STARTTLS) or EMAIL_USE_SSL, not both")
EMAIL_TIMEOUT: float = _setting("EMAIL_TIMEOUT", env.float, 10.0)
DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default="wallboard@localhost")
SERVER_EMAIL: str = DEFAULT_FROM_EMAIL
# How often runingest evaluates the alert rules (seconds); how long a webhook may take; a failed
# delivery's retries (the first wait, doubling up to the longest) and how many tries in all.
ALERT_EVALUATE_SECONDS: float = _setting("ALERT_EVALUATE_SECONDS", env.float, 5.0)
ALERT_SEND_TIMEOUT: float = _setting("ALERT_SEND_TIMEOUT", env.float, 10.0)
ALERT_RETRY_FIRST_SECONDS: float = _setting("ALERT_RETRY_FIRST_SECONDS", env.float, 10.0)
ALERT_RETRY_MAX_SECONDS: float = _setting("ALERT_RETRY_MAX_SECONDS", env.float, 600.0)
ALERT_DELIVERY_ATTEMPTS: int = _setting("ALERT_DELIVERY_ATTEMPTS", env.int, 12)
if ALERT_EVALUATE_SECONDS <= 0 or ALERT_SEND_TIMEOUT <= 0 or ALERT_DELIVERY_ATTEMPTS < 1:
    raise ImproperlyConfigured(
        "ALERT_EVALUATE_SECONDS and ALERT_SEND_TIMEOUT must be above 0, "
        "ALERT_DELIVERY_ATTEMPTS at least 1"
    )
if not 0 < ALERT_RETRY_FIRST_SECONDS <= ALERT_RETRY_MAX_SECONDS:
    raise ImproperlyConfigured(
        "ALERT_RETRY_FIRST_SECONDS must be above 0 and at most ALERT_RETRY_MAX_SECONDS"
    )
# The site's address as people open it (https://wallboard.example.com): alerts then link to the
# alert in the admin. Blank: no link.
ALERT_LINK_BASE: str = env.str("ALERT_LINK_BASE", default="")
# Raw capture (admin: a source's "Capture raw bytes"): files under CAPTURE_DIR, deleted with
# their rows CAPTURE_RETENTION_DAYS after they were taken. A capture never holds more than
# CAPTURE_MAX_BYTES, whatever limit an admin asks for.
CAPTURE_DIR: Path = Path(_setting("CAPTURE_DIR", env.str, str(BASE_DIR / "captures")))
CAPTURE_RETENTION_DAYS: int = _setting("CAPTURE_RETENTION_DAYS", env.int, 14)
CAPTURE_MAX_BYTES: int = _setting("CAPTURE_MAX_BYTES", env.int, 64 * 1024 * 1024)
if CAPTURE_RETENTION_DAYS < 1 or CAPTURE_MAX_BYTES < 1:
    raise ImproperlyConfigured("CAPTURE_RETENTION_DAYS and CAPTURE_MAX_BYTES must be at least 1")
# Displays (the registry and pairing; see README "Screens"). A display pings every
# DISPLAY_PING_SECONDS; its last-seen time is written at most every DISPLAY_SEEN_SECONDS (not on
# every ping), and it counts as stale, then gone, after a few of both without a word. An address
# may ask for PAIRING_CODES_PER_ADDRESS pairing codes per 10 minutes.
DISPLAY_PING_SECONDS: float = _setting("DISPLAY_PING_SECONDS", env.float, 20.0)
DISPLAY_SEEN_SECONDS: float = _setting("DISPLAY_SEEN_SECONDS", env.float, 30.0)
PAIRING_CODES_PER_ADDRESS: int = _setting("PAIRING_CODES_PER_ADDRESS", env.int, 20)
if DISPLAY_PING_SECONDS <= 0 or DISPLAY_SEEN_SECONDS <= 0 or PAIRING_CODES_PER_ADDRESS < 1:
    raise ImproperlyConfigured(
        "DISPLAY_PING_SECONDS and DISPLAY_SEEN_SECONDS must be above 0, "
        "PAIRING_CODES_PER_ADDRESS at least 1"
    )
