"""Test settings: the same database selection as base (SQLite unless DATABASE_URL)."""

import os

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
QITONG_SMS_BACKEND = "qitong.accounts.sms.MemorySmsBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files straight from the package in tests (no collectstatic run): whitenoise and
# the live server both find them through STATICFILES_DIRS, so there is no STATIC_ROOT to scan.
STATIC_ROOT = None  # type: ignore[assignment]

# SQLite tests use a file (not shared-cache memory) so that concurrency tests see real locking
# (BEGIN IMMEDIATE + busy timeout) across threads; pytest-xdist suffixes the name per worker.
if str(DATABASES["default"]["ENGINE"]).endswith("sqlite3"):  # noqa: F405
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"qitong-test-{os.getpid()}.sqlite3")
    }
# A test's rolled-back change to SLA policies or holidays must not outlive it (core.refcache).
QITONG_REFERENCE_CACHE_SECONDS = 0
