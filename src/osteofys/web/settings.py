"""Django settings, derived from the installation's configuration (osteofys.web.config).

The environment is read once, by `config.from_environ()`; the variables are listed there.
Importing these settings writes nothing to disk, not even the data directory: the entry points
prepare it (`config.prepare_data_dir`), and the secret key is read when Django first needs it.

Production mode (secure cookies, HTTPS redirect, HSTS) is on whenever the app is reached from
anywhere but this computer: when OSTEOFYS_DEPLOY=1, or when OSTEOFYS_ALLOWED_HOSTS names a host
that is not loopback (`osteofys serve --host` on a network address sets the former).
"""

from __future__ import annotations

import functools
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from osteofys.rules import limits
from osteofys.web import config

try:
    CONFIG = config.from_environ()
except config.ConfigError as exc:
    raise ImproperlyConfigured(str(exc)) from None


@functools.cache
def _secret_key() -> str:
    try:
        return CONFIG.read_secret_key()
    except FileNotFoundError:
        raise ImproperlyConfigured(
            f"No secret key: OSTEOFYS_SECRET_KEY is not set and {CONFIG.secret_key_file} does"
            " not exist. The data directory was not prepared: start the app with `osteofys"
            " serve` or `osteofys manage`, or call osteofys.web.config.prepare_data_dir first."
        ) from None


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = CONFIG.data_dir
# Read when first used (signing a cookie, a backup), not on import: importing the settings
# (mypy's Django plugin, a check) needs no prepared data directory.
SECRET_KEY = lazy(_secret_key, str)()
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
DEPLOY = CONFIG.deploy

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Only for its templates and static files: the API docs page works without a CDN.
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "osteofys.web.accounts",
    "osteofys.web.records",
    "osteofys.web.library",
    "osteofys.web.audit",
    "osteofys.web.training",
    "osteofys.web.classes",
    "osteofys.web.progress",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "osteofys.web.accounts.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "osteofys.web.middleware.NoStoreMiddleware",
    "osteofys.web.audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "osteofys.web.accounts.middleware.SetupMiddleware",
    "osteofys.web.accounts.middleware.IdleTimeoutMiddleware",
    "osteofys.web.accounts.middleware.SessionEpochMiddleware",
    "osteofys.web.accounts.middleware.PendingStepMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# How many reverse proxies in front of the app add to X-Forwarded-For (0: trust none, log
# REMOTE_ADDR). The access log reads the client's address from the right by this many hops.
# Django is the only layer that reads X-Forwarded-*: `osteofys serve` makes gunicorn and waitress
# pass them through untouched, so no hop is counted twice. The client address (access log,
# setup page, django-axes) comes from audit.context.client_address; the scheme from
# SECURE_PROXY_SSL_HEADER, whether or not production mode is on.
AUDIT_TRUSTED_PROXIES = CONFIG.trusted_proxies
if AUDIT_TRUSTED_PROXIES > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Form posts (no file uploads in the app) get the same size limit as an API body: no form is
# anywhere near it, and a request's cost stays bounded (see rules/limits.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = limits.MAX_BODY_BYTES

ROOT_URLCONF = "osteofys.web.urls"
WSGI_APPLICATION = "osteofys.web.wsgi.application"

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
                "django.template.context_processors.i18n",
                "osteofys.web.accounts.context_processors.clinic",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(CONFIG.database, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one request writes; IMMEDIATE avoids "database is locked"
        # when two requests upgrade a read transaction to a write at the same time. FULL syncs
        # the WAL at every commit: a saved record survives a power cut too, not only a crash of
        # the server process (NORMAL may lose the last commits then).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Keep each server thread's connection: opening one (Django registers its SQL functions,
    # then the PRAGMAs above) cost about 3 ms of CPU per request, a quarter of a page.
    DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ATOMIC_REQUESTS = False

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "osteofys.web.accounts.backends.ClinicModelBackend",
]
# Login lockout: after this many failed attempts for one username, that username is locked for
# the cool-off time (per username, not per address: a guessed password from many addresses is
# the attack that matters for health data; a clinic admin can unlock with
# `osteofys manage axes_reset_username NAME`).
AXES_FAILURE_LIMIT = CONFIG.login_failure_limit
AXES_COOLOFF_TIME = timedelta(minutes=CONFIG.login_cooloff_minutes)
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 wants the address in the lockout key. Not here on purpose: a clinic's PCs often share
# one address (NAT, a proxy), and locking an address would lock the whole clinic out; rotating
# addresses does not help an attacker against a per-username lock.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "osteofys.web.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "osteofys.web.audit.context.client_address_or_none"
AXES_VERBOSE = False

# Shown in the authenticator app next to the user name.
OTP_TOTP_ISSUER = "OsteoFys"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "records:patient_list"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# whitenoise expects it even though the files come from the finders (made by prepare_data_dir).
STATIC_ROOT = CONFIG.static_root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the package: no collectstatic step on a clinic PC.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Idle expiry: a session ends after this long without a request (the middleware renews it at
# most once a minute, so reading a page does not write to the database every time).
IDLE_TIMEOUT = timedelta(minutes=CONFIG.idle_minutes)
SESSION_COOKIE_AGE = int(IDLE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if DEPLOY:
    # Reached over a network: HTTPS only (normally a reverse proxy with the certificate).
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SESSION_COOKIE_NAME = "__Host-osteofys-session"
    CSRF_COOKIE_NAME = "__Host-osteofys-csrftoken"
    # HSTS preloading is a promise about the whole domain that only its owner can make.
    SILENCED_SYSTEM_CHECKS += ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # Request lines never carry a CPR number: it is never part of a URL (see records.urls).
    "root": {"handlers": ["console"], "level": "WARNING"},
}
