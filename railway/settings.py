"""Settings for the railway service, read from the environment (see README, "Configuration")."""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from railway.env import (
    env_bool,
    env_cache,
    env_int,
    env_list,
    env_money,
    env_rate,
    env_refund_bands,
    env_str,
)
from railway.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"
SECRET_KEY = env_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])

INSTALLED_APPS = [
    # Django's admin, with a login limited as the API's is.
    "users.admin_config.ThrottledAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Its system checks of the policy below.
    "csp",
    "users",
    "trains",
    "bookings",
    # Stores the database timeouts at every `migrate` (railway/db/timeouts.py).
    "railway",
]

MIDDLEWARE = [
    # First, so that its request line times and tags everything below, static files included.
    "railway.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header, on every answer, static files included.
    "csp.middleware.CSPMiddleware",
    # Static files (the admin's, the API docs' Swagger UI) served by the app itself, before
    # sessions and auth run for them; with DEBUG off nothing else would serve them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "railway.middleware.RequestBodyLimitMiddleware",
    # Sessions, the logged-in user and messages for the admin's paths only (railway/middleware.py).
    "railway.middleware.AdminSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "railway.middleware.AdminAuthenticationMiddleware",
    "railway.middleware.AdminMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "railway.urls"
# Where the admin is served; the only paths with sessions (railway.middleware.AdminOnlyMixin).
ADMIN_URL_PREFIX = "/admin/"
# Load-balancer probes may speak plain HTTP inside the network: no HTTPS redirect for them.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# The spec's URLs end in a slash; a request without it is a plain 404, never a redirect
# (a redirected POST loses its body).
APPEND_SLASH = False
WSGI_APPLICATION = "railway.wsgi.application"
ASGI_APPLICATION = "railway.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

# --- Database ---------------------------------------------------------------
# The embedded default is an SQLite file beside the code. SQLite allows one
# writer at a time; WAL lets readers run beside it, IMMEDIATE makes every
# transaction take the write lock when it begins (so two bookings can never
# both read "seat free" and then both write), and the timeout makes a waiting
# writer queue instead of failing with "database is locked".
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
# On PostgreSQL, a stuck lock or a runaway query becomes a clear, retryable 503 (railway.api) that
# rolls back, rather than a worker held forever. They are the database role's defaults, which
# `migrate` stores (railway/db/timeouts.py), not options of each session: a pooler in
# transaction mode refuses startup options and would not keep a session's SET (docs/deploy.md).
DB_LOCK_TIMEOUT_MS = env_int("DB_LOCK_TIMEOUT_MS", 3000, minimum=1)
DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 15000, minimum=1)


def database_settings(url: str) -> dict:
    """Return Django's settings for the database at `url`, with the options this service relies on."""
    db = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["CONN_MAX_AGE"] = 0
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT", 30, minimum=1),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        # Tests use a file too, so that concurrent threads share one database.
        db["TEST"] = {"NAME": str(BASE_DIR / "test_db.sqlite3")}
    elif db["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, with a health check that costs no round trip (railway/db/postgresql).
        db["ENGINE"] = "railway.db.postgresql"
        db["CONN_HEALTH_CHECKS"] = True
        # Nothing that lives in the server session beyond one transaction, so that PgBouncer in
        # transaction mode may sit in between: no startup options, and no cursor WITH HOLD, which
        # QuerySet.iterator() outside a transaction would otherwise open.
        db["DISABLE_SERVER_SIDE_CURSORS"] = True
        db.setdefault("OPTIONS", {})
        # An unreachable server fails the connect, not hangs it.
        db["OPTIONS"].setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT_S", 5, minimum=1))
    return db


DATABASES = {"default": database_settings(DATABASE_URL)}
# A streaming replica of the database, for the availability search (railway/routers.py and
# docs/deploy.md). Everything that writes, and everything a passenger reads back of their own
# bookings, stays on the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = database_settings(DATABASE_REPLICA_URL)
AVAILABILITY_FROM_REPLICA = env_bool("AVAILABILITY_FROM_REPLICA", default=bool(DATABASE_REPLICA_URL))
DATABASE_ROUTERS = ["railway.routers.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"

# Argon2 for every new password; the others only check (and upgrade at the next login)
# passwords hashed before Argon2 was the default.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Cache ------------------------------------------------------------------------
# Throttle counts live here. Every worker process and every app server must share them, so
# production needs Redis (CACHE_URL=redis://...); the in-process default suits one dev server.
CACHES = {"default": env_cache("CACHE_URL")}

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve from the apps' static folders as found at start-up, so that no collectstatic step is
# needed before the service can show its admin; `manage.py collectstatic` into STATIC_ROOT
# still works and adds compressed copies for a deployment that wants them.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- API ----------------------------------------------------------------------
# The largest request body accepted; a larger one is refused with 413 before it is read
# (railway.middleware). Django's own limit on form bodies, for the admin, is the same.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("REQUEST_BODY_MAX_BYTES", 1024 * 1024, minimum=1)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["users.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["railway.api.SafeJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "railway.api.JSONFirstNegotiation",
    "EXCEPTION_HANDLER": "railway.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "railway.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Client addresses come from REMOTE_ADDR; with N trusted proxies in front, from the Nth
    # address from the right of X-Forwarded-For. Trusting the header otherwise would let any
    # client pick a fresh address for each request and never be throttled.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0, minimum=0),
    # Abuse limits, per scope (railway/throttling.py); past one the answer is 429 with Retry-After.
    "DEFAULT_THROTTLE_RATES": {
        "login_address": env_rate("THROTTLE_LOGIN_PER_ADDRESS", "30/min"),
        "login_username": env_rate("THROTTLE_LOGIN_PER_USERNAME", "5/min"),
        "register_address": env_rate("THROTTLE_REGISTER_PER_ADDRESS", "20/hour"),
        "register_username": env_rate("THROTTLE_REGISTER_PER_USERNAME", "10/hour"),
        "booking_user": env_rate("THROTTLE_BOOKING_PER_USER", "30/min"),
        # A station finder is asked as a name is typed: several requests a second.
        "station_search_user": env_rate("THROTTLE_STATION_SEARCH_PER_USER", "300/min"),
        # Reads and cancellations of bookings by PNR.
        "pnr_user": env_rate("THROTTLE_PNR_PER_USER", "60/min"),
    },
}

# The OpenAPI schema at /api/schema/ and its Swagger UI at /api/docs/ (railway/openapi.py).
SPECTACULAR_SETTINGS = {
    "TITLE": "railway",
    "DESCRIPTION": (
        "Find trains between two stations, book seats on any segment of a route and cancel them. "
        "Authenticated calls send `Authorization: Token <key>`, the key that `POST /user/login/` returns."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs are public reads: a stale token must not turn them into a 401.
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENFORCE_NON_BLANK_FIELDS": True,
    "ENUM_NAME_OVERRIDES": {
        "BookingStatus": "bookings.models.Booking.Status",
        "SeatPosition": "trains.seat_positions.POSITIONS",
    },
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "railway.openapi.add_shared_error_responses",
    ],
}

# --- Content-Security-Policy ---------------------------------------------------------
# What a browser may load and run on the service's pages (the admin, Swagger UI at /api/docs/),
# sent on every answer by csp.middleware.CSPMiddleware; docs/security.md explains each part.
# Scripts come from this origin only: Swagger UI's start-up script is served by its view at
# /api/docs/?script= (railway/urls.py), not written into the page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # The one inline style is the <style> block of drf-spectacular's Swagger UI page (box
        # sizing and the page's margin), allowed by its digest alone; any other inline style is
        # refused. A test checks the digest against the page (test_content_security_policy.py).
        "style-src": [SELF, "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"],
        # Swagger UI's stylesheet draws its icons from data: URIs.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Most seats one booking may take; the spec allows 1..10.
BOOKING_MAX_SEATS = 10
# Most confirmed seats one user may hold on one journey (a train on a date), so that nobody can hoard it.
BOOKING_MAX_SEATS_PER_USER_PER_TRAIN = env_int("BOOKING_MAX_SEATS_PER_USER_PER_TRAIN", 20, minimum=1)
# Most confirmed seats one user may hold on all journeys not yet started, so that nobody can empty a
# small train on every date.
BOOKING_MAX_SEATS_PER_USER = env_int("BOOKING_MAX_SEATS_PER_USER", 60, minimum=1)
# How many minutes before a train leaves a boarding station its seats from there stop being sold.
BOOKING_CLOSES_MINUTES_BEFORE_DEPARTURE = env_int("BOOKING_CLOSES_MINUTES_BEFORE_DEPARTURE", 0, minimum=0)
# How many days ahead of today (in TIME_ZONE) a journey may start and still be booked.
BOOKING_HORIZON_DAYS = env_int("BOOKING_HORIZON_DAYS", 120, minimum=0)
# The currency of every fare and refund (ISO 4217).
FARE_CURRENCY = (env_str("FARE_CURRENCY", "INR") or "INR").strip().upper()
if len(FARE_CURRENCY) != 3 or not FARE_CURRENCY.isalpha() or not FARE_CURRENCY.isascii():
    raise ImproperlyConfigured(
        f"FARE_CURRENCY must be a three-letter code such as INR, got {FARE_CURRENCY!r}"
    )
# What a passenger cancelling gets back, by hours before the train leaves the boarding station
# (bookings.refunds): over 48 h the fare less CANCELLATION_FEE, over 12 h 75%, until departure 50%.
CANCELLATION_FEE = env_money("CANCELLATION_FEE", "60.00")
REFUND_BANDS = env_refund_bands("REFUND_BANDS", "48:fee,12:0.75,0:0.50")
# How long seats booked with "hold" stay taken for their buyer to pay (bookings.holds), and the
# longest extensions may keep them, counted from when the hold began.
HOLD_TTL_SECONDS = env_int("HOLD_TTL_SECONDS", 900, minimum=1)
HOLD_MAX_SECONDS = env_int("HOLD_MAX_SECONDS", 3600, minimum=1)
if HOLD_MAX_SECONDS < HOLD_TTL_SECONDS:
    raise ImproperlyConfigured("HOLD_MAX_SECONDS must be at least HOLD_TTL_SECONDS")
# Most passengers waiting on one journey in one class (bookings.waitlist); unset: 30% of the
# class's seats.
WAITLIST_MAX_PER_CLASS = (
    env_int("WAITLIST_MAX_PER_CLASS", 0, minimum=0) if env_str("WAITLIST_MAX_PER_CLASS") else None
)
# How many minutes before a train leaves its first station its journey is charted (bookings.charts).
CHART_MINUTES_BEFORE_DEPARTURE = env_int("CHART_MINUTES_BEFORE_DEPARTURE", 240, minimum=0)
# How long a finished response is kept for replay under its Idempotency-Key.
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24, minimum=24)
# How long a timetable import's lease lasts past its last batch: one import runs at a time, and
# the lease of one that died lets the next run once it has expired.
IMPORT_LEASE_SECONDS = env_int("IMPORT_LEASE_SECONDS", 600, minimum=60)

# API tokens: how long one works after login, and how many (devices) a user may hold at once.
TOKEN_TTL_HOURS = env_int("TOKEN_TTL_HOURS", 7 * 24, minimum=1)
TOKENS_PER_USER_MAX = env_int("TOKENS_PER_USER_MAX", 10, minimum=1)

# One JSON object per line on stdout, one line per request among them (railway/logs.py).
LOGGING = logging_config(env_str("LOG_LEVEL", "INFO"))

# --- Production hardening (active whenever DEBUG is off) ------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
