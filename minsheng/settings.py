"""Settings for Minsheng: one file, every deployment difference read from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}.") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The development key only works with DEBUG on; production must set SECRET_KEY.
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The public address of the platform, used in SMS links and QR codes on receipts.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # `intcomma`: counts on the supervisor's dashboard read "531,786".
    "django.contrib.humanize",
    # For its static files: the API docs page then serves Swagger UI locally instead of from a CDN.
    "ninja",
    "cases",
    "web",
    "api",
    "stats",
    "notify",
    "residents",
    "security",
    "operations",
    # 并单 and category suggestions (domain only; reads cases).
    "triage",
    # 知识库 and reply templates (issue 24): reads cases, makes the ANSWER move through its workflow.
    "knowledge",
    # Login lock-out (counted in the database, keyed on username + real client address).
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "security.csp.PrebuiltCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Answers are private unless a view made them public (the progress lookups), and never public
    # when personal; above the session, CSRF and messages middleware, to see the cookies they set.
    "minsheng.http_cache.CacheControlMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "security.input_guard.RejectUnstorableInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every refused request (401/403/404, sign-in redirect) goes to the minsheng.security log.
    "security.refusal_log.RefusalLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "web.elder.ElderModeMiddleware",
    # A case one may not see, a move one may not make: the page with its status (web.errors).
    "web.errors.DomainErrorMiddleware",
    # Last: decides per view whether reads may go to the replica (minsheng.routers).
    "minsheng.routers.ReplicaReadsMiddleware",
    # Last, as django-axes asks: it turns a lock-out flagged during authentication into our 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "minsheng.urls"
WSGI_APPLICATION = "minsheng.wsgi.application"

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
                "django.template.context_processors.i18n",
                "web.context_processors.platform",
            ],
        },
    },
]

# SQLite by default (a sub-district fits on one small machine); PostgreSQL when DATABASE_URL is set.
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var")))
if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"],
            conn_max_age=env_int("CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "minsheng.sqlite3"),
            # Keep each worker's connection: opening one runs the PRAGMAs below, and closing the
            # last one checkpoints the WAL — milliseconds that every request paid before.
            "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 600),
            "OPTIONS": {
                # Writers take the lock when their transaction starts, so two writers queue
                # instead of failing with "database is locked" half-way through.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
# Without Redis, rate-limit counters live in the database (an UNLOGGED table on PostgreSQL) — on
# SQLite in a file of their own, so that counting a hit never waits for a case being written.
RATE_COUNTER_FILE = None if os.environ.get("DATABASE_URL") else DATA_DIR / "ratelimits.sqlite3"
# An optional streaming replica of PostgreSQL: minsheng.routers sends the public progress lookups,
# Open311 reads and the supervisor's dashboard there, everything else (and every write) to the
# primary. Tests point it at the primary's test database (a mirror), so routing is tested too.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["minsheng.routers.ReplicaRouter"]
# REPLICA_READS=0 sends every read to the primary (e.g. while the replica is being rebuilt).
REPLICA_READS = env_bool("REPLICA_READS", True)
# After a resident's or officer's write (any POST), their browser reads from the primary for this
# many seconds, so they see what they just did even if the replica is a moment behind.
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared state (rate limits, rating attempts, the public progress cache, sessions) must be visible
# to every worker process on every app server: the database cache by default, Redis when REDIS_URL
# is set. Never a per-process memory cache, which would let each process count on its own.
REDIS_URL = env_str("REDIS_URL", "")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "minsheng")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Several installations (or a test run) may share one Redis: keys are prefixed, and
            # cache.clear() empties the whole Redis database, so give each installation its own.
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # A Redis that hangs must not hang the pages: the public-progress cache and the rate
            # limits then fall back to the database or answer without it.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    # Sessions are written to the database and read through Redis.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "minsheng_cache",
            # Django's default of 300 entries would make the public-progress cache thrash.
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 200_000)},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# django-axes first: it refuses a locked-out username + address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:staff_home"
LOGOUT_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Only the thousands separator for zh-hans (see the module); dates and the rest stay Django's.
FORMAT_MODULE_PATH = ["minsheng.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "/media/"
# Photos and voice notes: local files by default; an S3-compatible bucket (MinIO, Ceph, a cloud's
# S3) when S3_BUCKET is set. The bucket stays private: every file is served by a view that checks
# who may see it and streams it from storage (web.views.attachment, web.voice), never by URL.
S3_BUCKET = env_str("S3_BUCKET", "")
if S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", "") or None,
            "region_name": env_str("S3_REGION", "") or None,
            "location": env_str("S3_LOCATION", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            # Names are generated by the server; never overwrite an existing object all the same.
            "file_overwrite": False,
            "addressing_style": env_str("S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: six photos of up to 10 MB each, plus the form fields.
MINSHENG_MAX_PHOTOS = 6
MINSHENG_MAX_PHOTO_BYTES = env_int("MAX_PHOTO_BYTES", 10 * 1024 * 1024)
MINSHENG_MAX_PHOTO_PIXELS = env_int("MAX_PHOTO_PIXELS", 40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# Days a resident has to rate a completed case before it is closed automatically.
MINSHENG_RATING_WINDOW_DAYS = env_int("RATING_WINDOW_DAYS", 7)
# Tries at the phone's last four digits when rating (docs/security.md): per case, and per client
# address across all cases, in a window of MINSHENG_RATING_LOCK_SECONDS; reaching either locks for
# that long from then. Every try counts, counted before it is compared.
MINSHENG_RATING_MAX_TRIES = 5
MINSHENG_RATING_MAX_TRIES_PER_ADDRESS = env_int("RATING_MAX_TRIES_PER_ADDRESS", 20)
MINSHENG_RATING_LOCK_SECONDS = 3600
# Lookups of a resident's cases by full phone number (docs/security.md): each volunteer or handler
# may make this many an hour, every try counted before it is answered; the supervisor's access log
# warns about anyone who looked up more than MINSHENG_PHONE_LOOKUP_ALERT residents in 24 hours.
MINSHENG_PHONE_LOOKUPS_PER_HOUR = env_int("PHONE_LOOKUPS_PER_HOUR", 30)
MINSHENG_PHONE_LOOKUP_ALERT = env_int("PHONE_LOOKUP_ALERT", 15)
# Categories whose cases are about a resident's own home (a repair in the flat, its water, power or
# gas, the estate's services, a neighbour's noise): Open311 never publishes their position, which
# there is the home's. Other categories' positions are published rounded to 3 decimals (~110 m).
MINSHENG_HOME_CATEGORIES = frozenset(
    env_str("HOME_CATEGORIES", "infrastructure,property,noise,utilities,other").split(",")
)
# Hours an idempotency key (Idempotency-Key header, the forms' hidden key) keeps pointing at its case.
SUBMISSION_KEY_TTL_HOURS = env_int("SUBMISSION_KEY_TTL_HOURS", 24)
# Voice notes (语音留言): size and length limits, and the optional offline transcription engine
# ("none" or "vosk" with a model directory unpacked by the operator; see cases.transcription).
MINSHENG_MAX_VOICE_BYTES = env_int("MAX_VOICE_BYTES", 5 * 1024 * 1024)
MINSHENG_MAX_VOICE_SECONDS = env_int("MAX_VOICE_SECONDS", 120)
MINSHENG_TRANSCRIPTION_ENGINE = env_str("TRANSCRIPTION_ENGINE", "none")
MINSHENG_TRANSCRIPTION_MODEL_DIR = env_str("TRANSCRIPTION_MODEL_DIR", "")

# Security: strict by default, relaxed only for local development (DEBUG=1).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
# API bearer tokens expire API_TOKEN_HOURS after issue (one working day, like a session); they also
# die with a password change, deactivation or a change of role groups (api.models, api.signals).
API_TOKEN_HOURS = env_int("API_TOKEN_HOURS", 8)
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Staff sessions end after SESSION_COOKIE_AGE (8 hours: one working day), counted from sign-in and
# not renewed by activity; a shared counter computer is then signed out by the next morning at the latest.
SESSION_SAVE_EVERY_REQUEST = False

# Content-Security-Policy (django-csp): scripts and styles only from our own static files — no inline
# script, no inline style, nothing from another origin (government intranets have no CDN anyway).
# blob: for media is the voice recorder's preview of what was just recorded.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "media-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# The real client address (security.client): 0 = the socket's address (no proxy); 1 = the right-most
# X-Forwarded-For entry, which our nginx appends (deploy/nginx.conf). Never more than the proxies you run.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Rate limits (security.ratelimit): "<count>/<period>" per client address, period s, m, h or d with an
# optional multiplier ("30/10m"); "off" turns one off, RATE_LIMITS_ENABLED=0 all of them. Counted in
# Redis with REDIS_URL, else in one database table (one atomic statement per request).
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)
MINSHENG_RATE_LIMITS = {
    # Public progress lookups: the web page, the lookup box, the REST API, Open311 (one and the list).
    "lookup": env_str("RATE_LIMIT_LOOKUP", "60/m"),
    # Anonymous submissions: web form, elder flow, REST API without a token, Open311 POST.
    "submit": env_str("RATE_LIMIT_SUBMIT", "10/m"),
    # Sign-in code checks by residents (each code also allows only RESIDENT_CODE_MAX_TRIES wrong tries).
    "otp_verify": env_str("RATE_LIMIT_OTP_VERIFY", "30/h"),
    # Staff and admin sign-in forms and the API's token endpoint (POSTs only).
    "login": env_str("RATE_LIMIT_LOGIN", "10/m"),
}

# Login lock-out (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username from one
# address, that pair is refused for LOGIN_LOCKOUT_MINUTES (each further try restarts the wait);
# a successful sign-in clears the count. Applies to /staff/login, /admin/login and POST /api/v1/auth/token.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "security.client.client_key"
AXES_LOCKOUT_CALLABLE = "security.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # minsheng.security: every refusal (429, lock-out) with address, path and limit.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "minsheng.security": {"level": "INFO"}},
}

# The sub-district that runs this installation (shown in page titles and SMS).
MINSHENG_SUBDISTRICT_NAME = env_str("SUBDISTRICT_NAME", "夔北街道")

# Time limits (时限): working hours in TIME_ZONE, Monday to Friday; public holidays and make-up
# working days are CalendarDay rows, edited in the admin. Reminders go out in the last 20%.
MINSHENG_WORKING_HOURS = [("09:00", "12:00"), ("13:30", "17:30")]
MINSHENG_DUE_SOON_FRACTION = 0.2

# Notifications (notify/): SMS through a pluggable gateway backend, e-mail through Django's.
# SMS_BACKEND: "console" (prints to the worker's output) or "http" (a provider's HTTP gateway).
SMS_BACKEND = env_str("SMS_BACKEND", "console")
SMS_HTTP_URL = env_str("SMS_HTTP_URL", "")
SMS_HTTP_KEY = env_str("SMS_HTTP_KEY", "")
SMS_HTTP_TEMPLATE = env_str("SMS_HTTP_TEMPLATE", "")
SMS_HTTP_SIGN = env_str("SMS_HTTP_SIGN", "")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 30)
NOTIFY_RETRY_SECONDS = env_int("NOTIFY_RETRY_SECONDS", 30)
NOTIFY_RETRY_MAX_SECONDS = env_int("NOTIFY_RETRY_MAX_SECONDS", 1800)
# A claim older than this is taken to be left by a worker that died, and the message is taken over.
# Keep it well above SMS_HTTP_TIMEOUT.
NOTIFY_CLAIM_STALE_SECONDS = env_int("NOTIFY_CLAIM_STALE_SECONDS", 600)
# With Redis, a queued message wakes a waiting worker at once (the outbox table stays the queue).
NOTIFY_WAKE_REDIS_URL = env_str("NOTIFY_WAKE_REDIS_URL", REDIS_URL)
# Inbound SMS (notify.inbound, docs/sms.md): the gateway signs each delivery with HMAC-SHA256 over
# "<timestamp>.<body>" with this shared secret; without one the webhook refuses everything.
SMS_INBOUND_SECRET = env_str("SMS_INBOUND_SECRET", "dev-inbound-secret" if DEBUG else "")
# A delivery whose timestamp is further than this from our clock is refused (a replay).
SMS_INBOUND_WINDOW_SECONDS = env_int("SMS_INBOUND_WINDOW_SECONDS", 300)
# An Open311 request or SMS with a position but no community: the nearest community centre within
# this distance is taken (cases.locating), when no community boundary contains the point.
MINSHENG_LOCATE_RADIUS_METRES = env_int("LOCATE_RADIUS_METRES", 1500)
# 补充材料 (cases.moreinfo, docs/sms.md): working days after asking the resident for more until the
# worker reminds them once by SMS, and until the asking person is asked to decide without it.
MINSHENG_INFO_REMINDER_DAYS = env_int("INFO_REMINDER_DAYS", 2)
MINSHENG_INFO_DECIDE_DAYS = env_int("INFO_DECIDE_DAYS", 5)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    f"django.core.mail.backends.{'console' if DEBUG else 'smtp'}.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "minsheng@localhost")

# Resident sign-in with one-time SMS codes (residents/).
RESIDENT_CODE_MINUTES = 10
RESIDENT_CODE_MAX_TRIES = 5
RESIDENT_CODES_PER_PHONE_PER_HOUR = 5
RESIDENT_CODES_PER_IP_PER_HOUR = env_int("RESIDENT_CODES_PER_IP_PER_HOUR", 20)
