"""Django settings, read from environment variables only.

The defaults give the embedded mode: a SQLite file under ``OPENITA_DATA_DIR`` (default
``./var``), DEBUG off, in-process cache, plain http on 127.0.0.1. Production sets
DATABASE_URL (PostgreSQL), REDIS_URL, SECRET_KEY and ALLOWED_HOSTS; the code is the same.

Production is ``OPENITA_ENV=production``, or any DATABASE_URL that is not SQLite unless
``OPENITA_ENV=development`` says otherwise (PostgreSQL on one machine, e.g. for the tests).
Production refuses to start without SECRET_KEY and defaults to HTTPS only: secure cookies,
a redirect to https and HSTS, each of which the environment may still turn off.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any

import csp.constants as csp
import dj_database_url
import fontpkg_sarabun
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from openita.core.net import parse_networks

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("OPENITA_DATA_DIR", "var")).resolve()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _env_bool(name: str, default: bool) -> bool:
    """A yes/no variable; unset or empty gives the default, and a value that is neither
    (a typo such as ``ture``) stops the start rather than silently meaning "no"."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise ImproperlyConfigured(f"{name} must be one of {sorted(_TRUE | _FALSE)}, not {value!r}")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        # No health check (a SELECT 1 round trip before the first query of every request).
        # After a database restart the first request to meet each kept connection fails
        # once and Django replaces the connection; the survey INSERT retries by itself.
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    else:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        config = {"ENGINE": "django.db.backends.sqlite3",
                  "NAME": str(DATA_DIR / "openita.sqlite3")}
    if config["ENGINE"].endswith("postgresql"):
        # Parameters travel apart from the statement and a statement run often is prepared
        # once per connection (psycopg), instead of quoting every value into the SQL text.
        config.setdefault("OPTIONS", {})["server_side_binding"] = True
    if config["ENGINE"].endswith("sqlite3"):
        # IMMEDIATE transactions take the write lock up front, so two writers queue instead
        # of failing half-way; WAL lets readers go on while one writes.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _environment() -> str:
    """Either "production" or "development" (the embedded demo is development)."""
    value = os.environ.get("OPENITA_ENV", "").strip().lower()
    if value in {"production", "development"}:
        return value
    if value:
        raise ImproperlyConfigured(
            f"OPENITA_ENV must be 'production' or 'development', not {value!r}")
    # A server database is there to be shared by several app servers: production.
    sqlite = DATABASES["default"]["ENGINE"].endswith("sqlite3")
    return "development" if sqlite else "production"


OPENITA_ENV = _environment()
PRODUCTION = OPENITA_ENV == "production"


def _embedded_secret_key() -> str:
    """A per-installation key kept in the data directory, never in the repository.

    Written owner-only to a temporary file and linked into place, so a second process
    starting at the same moment reads either nothing (and retries) or the whole key.
    """
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        temporary = DATA_DIR / f".secret_key.{os.getpid()}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(temporary, key_file)  # fails if another process won the race
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return key_file.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()
if not SECRET_KEY and PRODUCTION:
    # A key generated on each machine would make the sessions, CSRF tokens and signed
    # survey cookies issued by one app server worthless on the next one.
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. In production (OPENITA_ENV=production, or a DATABASE_URL "
        "that is not SQLite) it must be given in the environment, and every app server "
        "must share the same key: sessions, CSRF tokens and survey cookies signed by one "
        "server are checked by the others. Generate one with: "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'. "
        "(PostgreSQL on a single development machine over plain http: set "
        "OPENITA_ENV=development.)")
SECRET_KEY = SECRET_KEY or _embedded_secret_key()
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    # Sign-in (issue 9): before openita's apps, so axes counts a failed sign-in before
    # openita's audit receiver reads whether it locked the account or address out.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "openita.core",
    "openita.accounts",
    "openita.agencies",
    "openita.calendars",
    "openita.frameworks",
    "openita.surveys",
    "openita.disclosure",
    "openita.results",
    "openita.planning",
    "openita.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "openita.core.middleware.ThaiFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "openita.accounts.middleware.SessionIdleMiddleware",  # sign-in (issue 9)
    "django_otp.middleware.OTPMiddleware",
    "openita.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "openita.core.middleware.ContentSecurityPolicyMiddleware",
    "openita.core.middleware.PrivatePagesMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the sign-in page
]

ROOT_URLCONF = "openita.site.urls"
WSGI_APPLICATION = "openita.site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openita.site.context_processors.navigation",
            ],
            "builtins": ["openita.core.templatetags.thai",
                         "openita.calendars.templatetags.enrolment_labels"],
        },
    }
]


REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                    # A Redis that stops answering costs a request a second, not minutes:
                    # the survey pages then carry on without it (see surveys.services).
                    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    }
else:
    # One-time passwords and rate limits must be shared by every worker process of the
    # embedded server, so the embedded cache lives in files, not in one process's memory.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(DATA_DIR / "cache")}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out sign-in
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sign-in (issue 9). Lockout (django-axes, failures kept in the database so every app server
# sees them): per account and, higher, per network address, since a whole office signs in
# from one NAT address. A locked-out sign-in is refused even with the right password; the
# sign-in page says how many minutes to wait. See openita.accounts.security.
AXES_HANDLER = "openita.accounts.security.AccountAndAddressHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = _env_int("OPENITA_SIGNIN_ACCOUNT_LIMIT", 5)  # failures per account
OPENITA_SIGNIN_ADDRESS_LIMIT = _env_int("OPENITA_SIGNIN_ADDRESS_LIMIT", 50)  # per address
AXES_COOLOFF_TIME = dt.timedelta(minutes=_env_int("OPENITA_SIGNIN_LOCKOUT_MINUTES", 15))
AXES_RESET_ON_SUCCESS = False  # a success must not wipe an address's count of failures
AXES_CLIENT_IP_CALLABLE = "openita.accounts.security.client_ip"
AXES_USERNAME_CALLABLE = "openita.accounts.security.attempted_email"
AXES_LOCKOUT_CALLABLE = "openita.accounts.signin.locked_out"
AXES_VERBOSE = False
# Two-factor sign-in (django-otp): TOTP apps plus one-time recovery codes. Wrong codes
# wait 1, 2, 4, 8 … seconds times the factor between tries.
OTP_TOTP_ISSUER = "openita"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Sessions end after this long without a request (the last request is noted at most every
# few minutes, and only for signed-in requests), and at browser close for NACC
# administrators, consultants and executives.
SESSION_COOKIE_AGE = _env_int("OPENITA_SESSION_IDLE_HOURS", 8) * 3600
# Password reset: links last an hour; requests are limited per address and per e-mail.
PASSWORD_RESET_TIMEOUT = 3600
OPENITA_PASSWORD_RESET_LIMITS = {"address": (20, 3600), "email": (3, 3600)}
AUTH_PASSWORD_VALIDATORS += [
    {"NAME": "openita.accounts.validators.EmailLocalPartValidator"},
]

LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("Thai")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
# The Sarabun TTFs come from the PyPI package, served as /static/fonts/… (no CDN).
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",
    ("fonts", Path(fontpkg_sarabun.__file__).resolve().parent / "files"),
]
# Hashed, compressed file names once ``collectstatic`` has run (``openita serve`` runs it);
# before that (runserver, tests, a bare gunicorn) plain names served from the finders, so
# a page never fails for want of a manifest.
_HAS_MANIFEST = (STATIC_ROOT / "staticfiles.json").exists()
# Uploaded and captured files (OIT evidence): a folder here, or shared storage in
# production (any Django storage backend; mount the same folder on every machine, or point
# OPENITA_MEDIA_ROOT at a shared file system).
MEDIA_ROOT = Path(os.environ.get("OPENITA_MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: captures are sent by their view
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if _HAS_MANIFEST and not _env_bool("OPENITA_PLAIN_STATIC", False)
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False  # a file added since collectstatic still loads
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "openita@localhost")


def _proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """``HTTP_X_FORWARDED_PROTO=https`` (or ``X-Forwarded-Proto=https``) as Django's pair."""
    if not value.strip():
        return None
    name, equals, expected = (part.strip() for part in value.partition("="))
    if not (equals and name and expected):
        raise ImproperlyConfigured(
            f"OPENITA_PROXY_SSL_HEADER must look like HTTP_X_FORWARDED_PROTO=https, not "
            f"{value!r}")
    name = name.upper().replace("-", "_")
    return (name if name.startswith("HTTP_") else f"HTTP_{name}", expected)


# HTTPS. Production defaults to https only; the embedded demo serves plain http on
# 127.0.0.1. Behind a proxy that ends TLS, Django learns that a request came over https
# from SECURE_PROXY_SSL_HEADER, or from gunicorn, which sets the scheme from
# X-Forwarded-Proto for the peers in its FORWARDED_ALLOW_IPS (default: this machine).
# Django believes SECURE_PROXY_SSL_HEADER from anyone, so the proxy must set it (not pass
# the client's along) on every request.
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(os.environ.get("OPENITA_PROXY_SSL_HEADER", ""))
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = _env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", False)
# security.W021 says only that without SECURE_HSTS_PRELOAD the site cannot be submitted to
# the browsers' preload list. Preloading binds every host of the registrable domain (all
# of an agency's go.th domain, not just openita's host) to https for good, so it is the
# domain owner's decision, made with SECURE_HSTS_PRELOAD=true, not a default of ours.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "openita.core.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# The CSRF token reaches htmx through the page (hx-headers), never through script reading
# the cookie; the language cookie travels like the session's.
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy on every response (django-csp): scripts, styles, fonts and images
# from openita itself only; no inline script and no style attribute anywhere. The one
# inline <style> element (the respondent pages inline their small stylesheet so that a
# survey page is one request) carries the per-response nonce. QR codes are data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF, csp.NONCE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
        "base-uri": [csp.NONE],
        "object-src": [csp.NONE],
    },
}

# Proxies whose X-Forwarded-For is believed when finding a client's address (for the
# survey limits and quality signals): comma-separated addresses or networks, e.g.
# "10.0.0.5,2001:db8:1::/64". Parsed here, so a bad entry stops the start; see core.net.
OPENITA_TRUSTED_PROXIES = parse_networks(os.environ.get("OPENITA_TRUSTED_PROXIES", ""))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # The folder broker of the embedded mode has no host name, which kombu warns about on
    # every connection.
    "loggers": {"kombu.connection": {"level": "ERROR"}},
}

OPENITA_INVITATION_DAYS = 14

# Surveys. Phones are stored only as HMACs under this key (default: derived from SECRET_KEY).
OPENITA_PHONE_KEY = os.environ.get("OPENITA_PHONE_KEY", "")
# SMS gateway: "console" (log), "file" (write to var/sms/), or "http" (SMS_HTTP_URL, with
# SMS_HTTP_TOKEN as a bearer token; the body is JSON {"to": …, "text": …}).
SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "file")
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
SMS_FILE_DIR = DATA_DIR / "sms"
OPENITA_SURVEY_CACHE_SECONDS = int(os.environ.get("OPENITA_SURVEY_CACHE_SECONDS", "30"))
OTP_TTL_SECONDS = 300
OTP_MAX_TRIES = 5
# Limits per window (count, seconds). SMS sends: per phone and per browser strictly; per
# network address generously (a service counter's Wi-Fi serves a queue of people: 200 an
# hour is one text every 18 s); per agency. Failures only, per network address: "verify"
# wrong one-time passwords, "code" access codes refused at the final send. Valid codes never
# count, so an office of 1,000 behind one address answers within the hour; 100 failures
# leave room for one mistyped code in ten, while guessing stays hopeless (8 characters of
# 32: 100 guesses an hour against 10,000 unspent codes succeed about once a million hours).
OTP_SEND_LIMITS = {"phone": (3, 3600), "address": (200, 3600), "session": (3, 3600),
                   "agency": (2000, 3600), "verify": (100, 3600), "code": (100, 3600)}
# One-time passwords texted per clock hour, nationally: the most SMS can cost in an hour.
# When spent, senders are asked to come back later and an ERROR is logged.
OPENITA_SMS_BUDGET_PER_HOUR = _env_int("OPENITA_SMS_BUDGET_PER_HOUR", 5000)
# Reminders to agencies whose surveys will miss a minimum (openita remind-collection).
OPENITA_REMINDER_INTERVAL_DAYS = int(os.environ.get("OPENITA_REMINDER_INTERVAL_DAYS", "3"))
# An agency whose OIT is not approved this many days before its OIT entry closes is at risk
# (the scope dashboard during collection, /results/scope/<year>/).
OPENITA_OIT_AT_RISK_DAYS = _env_int("OPENITA_OIT_AT_RISK_DAYS", 14)
# The address people reach openita at, for links in mail sent outside a web request.
OPENITA_SITE_URL = os.environ.get("OPENITA_SITE_URL", "http://127.0.0.1:8000")

# Separation of duties (issue 9)
# Who confirms an agency executive proposed by the agency's own administrator: "nacc", or
# "nacc_or_provincial_oversight" (then the provincial oversight office may also confirm
# the executives of the local administrations in its province). An executive invited by
# NACC needs no confirmation; an agency administrator never confirms.
OPENITA_EXECUTIVE_CONFIRMED_BY = os.environ.get("OPENITA_EXECUTIVE_CONFIRMED_BY", "nacc")
if OPENITA_EXECUTIVE_CONFIRMED_BY not in ("nacc", "nacc_or_provincial_oversight"):
    raise ImproperlyConfigured(
        "OPENITA_EXECUTIVE_CONFIRMED_BY must be 'nacc' or 'nacc_or_provincial_oversight'")
# Invitations one person may send in any hour: NACC invites whole registries, everyone
# else a few colleagues.
OPENITA_INVITATIONS_PER_HOUR = {
    "nacc": _env_int("OPENITA_INVITATIONS_PER_HOUR_NACC", 200),
    "other": _env_int("OPENITA_INVITATIONS_PER_HOUR", 20),
}

# OIT evidence (issue 10) ---------------------------------------------------------------
# Background work runs on Celery. With REDIS_URL the broker is Redis and ``openita worker``
# runs the tasks on any number of machines; without it (the embedded demo) the broker is a
# folder of message files under the data directory, and ``openita demo`` starts one worker
# process beside the web server: the same tasks, still outside the request.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _QUEUE_DIR = DATA_DIR / "queue"
    for _folder in ("messages", "processed", "control"):
        (_QUEUE_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        "data_folder_in": str(_QUEUE_DIR / "messages"),
        "data_folder_out": str(_QUEUE_DIR / "messages"),
        "processed_folder": str(_QUEUE_DIR / "processed"),
        "control_folder": str(_QUEUE_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Results live in openita's own tables (a capture, a check), never in a result backend.
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only once it has finished, so a worker killed half-way gives the
# message back and another worker runs it again (the tasks are idempotent).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The preliminary OIT release happens at the time the calendar sets: the worker keeping the
# schedule looks every few minutes (``openita release-oit`` does the same by hand).
# Pictures of kept pages take a second or two of CPU each: their own queue, so that
# captures never wait behind them (a worker takes both unless told otherwise).
CELERY_TASK_ROUTES = {"openita.disclosure.snapshot": {"queue": "snapshots"}}
# Public pages and figures each app-server process keeps in its own memory (beside the
# shared cache), at most this many (results.portal.kept).
OPENITA_PORTAL_LOCAL_ENTRIES = _env_int("OPENITA_PORTAL_LOCAL_ENTRIES", 1024)
# The answer counts of agencies whose responses changed are made again every few minutes
# (surveys.tallies), so a computation of the year finds them made.
OPENITA_TALLY_INTERVAL_SECONDS = _env_int("OPENITA_TALLY_INTERVAL_SECONDS", 900)
CELERY_BEAT_SCHEDULE = {
    "release-oit": {"task": "openita.disclosure.release_due", "schedule": 300.0},
    "refresh-tallies": {"task": "openita.surveys.refresh_tallies",
                        "schedule": float(OPENITA_TALLY_INTERVAL_SECONDS)},
}

# Fetching an agency's evidence: only http(s), only public addresses (loopback is for the
# tests alone and refused in production, see core.checks), at most this many bytes kept
# and seconds spent per URL, and at most this many requests at a time to one host.
OPENITA_FETCH_ALLOW_LOOPBACK = False
OPENITA_FETCH_STATIC_HOSTS: dict[str, str] = {}  # host -> address, like /etc/hosts
OPENITA_FETCH_MAX_BYTES = _env_int("OPENITA_FETCH_MAX_BYTES", 20 * 1024 * 1024)
OPENITA_FETCH_TIMEOUT_SECONDS = _env_int("OPENITA_FETCH_TIMEOUT_SECONDS", 20)
OPENITA_FETCH_PER_HOST = _env_int("OPENITA_FETCH_PER_HOST", 2)
OPENITA_FETCH_MAX_REDIRECTS = 5
OPENITA_FETCH_USER_AGENT = (
    f"openita-evidence/0.1 (ITA OIT evidence capture; +{OPENITA_SITE_URL})")

# Form widgets drawn by Jinja2 (Django's own widget templates for it): the same HTML as
# the Django-template renderer at about half its cost, which a filter form with a list of
# 77 provinces, or a survey page of radio buttons, pays on every request.
FORM_RENDERER = "django.forms.renderers.Jinja2"

# The national target the public portal measures the pass rate against: this share of
# agencies at or above the pass mark (SPEC §7; NACC's plan, 80 % of agencies at 85 or more).
OPENITA_NATIONAL_TARGET_PERCENT = int(os.environ.get("OPENITA_NATIONAL_TARGET_PERCENT", "80"))

# Improvement planning (issue 12). When its documents are due is practice, not a NACC rule
# that openita could confirm [I]: the measures by the end of the fiscal year's first
# quarter, each progress report this many days after the period it covers; agencies are
# reminded these many days before a report is due.
OPENITA_PLANNING_MEASURES_DUE_MONTHS = _env_int("OPENITA_PLANNING_MEASURES_DUE_MONTHS", 3)
OPENITA_PLANNING_REPORT_GRACE_DAYS = _env_int("OPENITA_PLANNING_REPORT_GRACE_DAYS", 15)
OPENITA_PLANNING_REMINDER_DAYS = (14, 3)
