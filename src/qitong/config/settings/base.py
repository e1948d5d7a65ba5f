"""Settings shared by every environment; values come from the environment (12-factor).

Only wiring lives here. `DATABASE_URL` selects PostgreSQL; without it qitong runs on the
embedded SQLite database under `var/` (WAL, IMMEDIATE transactions, busy timeout).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent.parent
# var/ holds the embedded database, uploads and logs; QITONG_VAR_DIR moves it.
VAR_DIR = Path(os.environ.get("QITONG_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEFAULT_SECRET_KEY = "qitong-insecure-development-key-change-me"  # nosec B105 # a message or a public constant, not a password
SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # First so that its `createsuperuser` (which records the new administrator on the ledger)
    # takes the place of django.contrib.auth's: the first app listed wins a command name.
    "qitong.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    # Only for its packaged Swagger UI files: /api/v1/docs then loads nothing from a CDN.
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "qitong.core",
    "qitong.ledger",
    "qitong.directory",
    "qitong.enterprises",
    "qitong.jobs",
    "qitong.notifications",
    "qitong.tickets",
    "qitong.knowledge",
    "qitong.reforms",
    "qitong.supervision",
    "qitong.arrears",
    "qitong.appraisal",
    "qitong.area_assessments",
    "qitong.routing",
    "qitong.dashboards",
    "qitong.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "qitong.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "qitong.accounts.middleware.HtmxLoginMiddleware",
    "qitong.accounts.middleware.IdleTimeoutMiddleware",
    "qitong.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "qitong.core.middleware.ApiErrorShapeMiddleware",
    "qitong.core.middleware.MethodNotAllowedPageMiddleware",
]

# One API request may carry up to this much (JSON with base64 attachments: one 20 MB file is
# 27 MB encoded); a larger body answers 413 in the error shape. Page uploads are multipart and
# streamed to disk, which this limit does not count.
# The ledger checkpoints' signing key (ledger.checkpoints): kept outside the database, so that
# whoever can write the database cannot forge a checkpoint. Empty: derived from SECRET_KEY
# (production requires it set). Checkpoints hourly, leaving the last 5 minutes' events.
QITONG_LEDGER_KEY = os.environ.get("QITONG_LEDGER_KEY", "")
QITONG_LEDGER_CHECKPOINT_SECONDS = int(os.environ.get("QITONG_LEDGER_CHECKPOINT_SECONDS", "3600"))
QITONG_LEDGER_CHECKPOINT_LAG_SECONDS = int(
    os.environ.get("QITONG_LEDGER_CHECKPOINT_LAG_SECONDS", "300")
)

QITONG_API_MAX_BODY_MB = int(os.environ.get("QITONG_API_MAX_BODY_MB", "32"))
DATA_UPLOAD_MAX_MEMORY_SIZE = QITONG_API_MAX_BODY_MB * 1024 * 1024

ROOT_URLCONF = "qitong.config.urls"
WSGI_APPLICATION = "qitong.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qitong.core.context_processors.navigation",
            ],
        },
    },
]


def database_from_env() -> dict[str, object]:
    """PostgreSQL from DATABASE_URL, else the embedded SQLite file under var/."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url and not url.startswith("sqlite"):
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        return dict(config)
    if url.startswith("sqlite"):
        name = dj_database_url.parse(url)["NAME"]
    else:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        name = str(VAR_DIR / "qitong.sqlite3")
    return {
        "ENGINE": "qitong.core.db.sqlite3",  # Django's, with writers queued (core.db.sqlite3)
        "NAME": name,
        # Persistent, as on PostgreSQL: opening a connection (and its PRAGMAs) per request was
        # a sixth of the request time under load. Each gunicorn thread keeps its own.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # Writers queue behind BEGIN IMMEDIATE instead of failing with "database is locked"
            # half-way through a transaction; WAL lets readers run beside the one writer.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=30000;"
            ),
        },
    }


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Every password check is throttled per account and per address (accounts.backends).
AUTHENTICATION_BACKENDS = ["qitong.accounts.backends.ThrottledModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]  # the shared stylesheet, app.js, vendored htmx
MEDIA_ROOT = Path(os.environ.get("QITONG_MEDIA_ROOT") or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600
# A staff session unused this long ends (accounts.middleware); 0 turns the idle timeout off.
QITONG_IDLE_TIMEOUT_MINUTES = int(os.environ.get("QITONG_IDLE_TIMEOUT_MINUTES", "30"))
# Roles that must enter a TOTP code after their password (accounts.otp); others may set one
# up. Production requires it of administrators and auditors.
QITONG_OTP_REQUIRED_ROLES = tuple(
    r for r in os.environ.get("QITONG_OTP_REQUIRED_ROLES", "").split(",") if r.strip()
)
OTP_TOTP_ISSUER = "企通 qitong"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag instead
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSP_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background jobs are rows of the main database, run by `qitong worker` (qitong.jobs;
# docs/decisions/0007-jobs.md).

# Notifications (SMS etc.): console backend prints instead of sending.
QITONG_SMS_BACKEND = os.environ.get("QITONG_SMS_BACKEND", "qitong.accounts.sms.ConsoleSmsBackend")
QITONG_SMS_FILE = os.environ.get("QITONG_SMS_FILE", str(VAR_DIR / "sms.jsonl"))
QITONG_SMS_CODE_TTL_SECONDS = 300
QITONG_SMS_CODE_INTERVAL_SECONDS = 60
QITONG_SMS_CODES_PER_DAY = 10
QITONG_SMS_CODES_PER_IP = int(os.environ.get("QITONG_SMS_CODES_PER_IP", "30"))  # an hour
QITONG_LOGIN_MAX_FAILURES = 5  # per account, in QITONG_LOGIN_LOCK_SECONDS
QITONG_LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("QITONG_LOGIN_MAX_FAILURES_PER_IP", "30"))
# Reverse proxies in front of the web (each appends to X-Forwarded-For); 0: none.
QITONG_TRUSTED_PROXIES = int(os.environ.get("QITONG_TRUSTED_PROXIES", "0"))
QITONG_LOGIN_LOCK_SECONDS = 15 * 60
# An API token is looked up once per this many seconds per process (revocation elsewhere
# takes effect within it).
QITONG_TOKEN_CACHE_SECONDS = int(os.environ.get("QITONG_TOKEN_CACHE_SECONDS", "30"))
QITONG_JOB_LEASE_SECONDS = int(os.environ.get("QITONG_JOB_LEASE_SECONDS", "30"))
# The worker beats every 10 s; /healthz answers 503 when the last beat is older than this.
QITONG_WORKER_STALE_SECONDS = int(os.environ.get("QITONG_WORKER_STALE_SECONDS", "45"))
# SLA policies and holiday overrides are cached per process this long (core.refcache).
QITONG_REFERENCE_CACHE_SECONDS = int(os.environ.get("QITONG_REFERENCE_CACHE_SECONDS", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
