"""Settings, read from the environment in this one place.

With nothing set, the portal runs on embedded defaults that need no server: SQLite under var/,
a filesystem Celery broker under var/, mail written as .eml files to var/mail/, a secret key
generated once into var/. Each integration is switched on by one variable (DATABASE_URL,
REDIS_URL, EMAIL_HOST, ...). DJANGO_ENV=production turns DEBUG off and insists on the settings
a real deployment needs; a missing or bad one stops start-up with a message naming it.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


# --- helpers that fail loudly -------------------------------------------------------------

def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if required:
        raise ImproperlyConfigured(f"{name} must be set (DJANGO_ENV={DJANGO_ENV}).")
    return default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development").strip() or "development"
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {DJANGO_ENV!r}.")
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production.")

VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


# The placeholder in .env.example; refused in production like any value containing "change-me".
_EXAMPLE_SECRET_KEY = "change-me-to-at-least-fifty-random-characters-0123456789"


def _secret_key() -> str:
    if PRODUCTION:
        key = env_str("DJANGO_SECRET_KEY", required=True)
        if key == _EXAMPLE_SECRET_KEY or "change-me" in key.lower():
            raise ImproperlyConfigured("DJANGO_SECRET_KEY is the example value from .env.example: set your own, "
                                       "e.g. python -c \"import secrets; print(secrets.token_urlsafe(64))\".")
        if len(key) < 50 or len(set(key)) < 5:
            raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 random characters.")
        return key
    key = env_str("DJANGO_SECRET_KEY")
    if key:
        return key
    # Generated once and kept, so sessions and email links survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _field_encryption_keys() -> list[str]:
    """FIELD_ENCRYPTION_KEY: Fernet keys, comma-separated, newest first (it encrypts; all decrypt)."""
    from cryptography.fernet import Fernet

    raw = env_str("FIELD_ENCRYPTION_KEY", required=PRODUCTION)
    if not raw:
        # Generated once and kept, like the secret key: the saved Stripe and COWS secrets depend on it.
        path = VAR_DIR / "field_encryption_key"
        if not path.exists():
            path.write_text(Fernet.generate_key().decode())
            path.chmod(0o600)
        raw = path.read_text()
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEY must be Fernet keys (44 characters of url-safe base64), newest first, "
                "separated by commas; make one with: python -c \"from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())\"") from None
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must hold at least one key.")
    return keys


# Secrets kept in the database (Stripe keys, COWS API keys) are encrypted with these (portal/encryption.py).
FIELD_ENCRYPTION_KEYS = _field_encryption_keys()

# --- hosts and tenancy --------------------------------------------------------------------

# Each city lives at <slug>.<BASE_DOMAIN>; the bare domain shows the directory of cities.
BASE_DOMAIN = (env_str("BASE_DOMAIN", None, required=PRODUCTION) or "localhost").lower().strip(".")
if "/" in BASE_DOMAIN or ":" in BASE_DOMAIN or " " in BASE_DOMAIN:
    raise ImproperlyConfigured(f"BASE_DOMAIN must be a bare host name like example.org, not {BASE_DOMAIN!r}.")
# The port people reach the portal on, when it is not the scheme's own (bin/run: 8000): links in emails
# sent by workers, which have no request to copy it from, carry it.
PUBLIC_PORT = env_str("PUBLIC_PORT", "") or ""
if PUBLIC_PORT and not PUBLIC_PORT.isdigit():
    raise ImproperlyConfigured(f"PUBLIC_PORT must be a port number like 8000, not {PUBLIC_PORT!r}.")
ALLOWED_HOSTS = [BASE_DOMAIN, "." + BASE_DOMAIN]
if not PRODUCTION:
    ALLOWED_HOSTS += ["127.0.0.1", "testserver"]
# Hosts that show the directory page rather than a city.
DIRECTORY_HOSTS = {BASE_DOMAIN, "www." + BASE_DOMAIN} | ({"127.0.0.1", "testserver"} if not PRODUCTION else set())

# How long each process keeps a resolved tenant (and its settings) before reading it again.
TENANT_CACHE_SECONDS = env_int("TENANT_CACHE_SECONDS", 10)

# The client IP is taken from X-Forwarded-For only past this many trusted proxies.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# /healthz shows its details (each part, each city's COWS link) only to `Authorization: Bearer <this>`.
HEALTH_TOKEN = env_str("HEALTH_TOKEN", "")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# --- apps ---------------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.apple",
    "portal",
    "customers",
    "billing",
    "autopay",
    "communications",
    "communications.bill_emails",
    "communications.events",
    "communications.outbox",
    "communications.campaigns",
    "communications.texts",
    "adminpanel",
    "cows_bridge",
    "sandboxpay",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.csp.TenantCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.TenantMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "customers.sessions.AuthenticationMiddleware",
    "portal.middleware.TenantSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "portal.urls"
DIRECTORY_URLCONF = "portal.urls_directory"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
            "debug": DEBUG,
        },
    },
]

# --- database -----------------------------------------------------------------------------

_SQLITE_OPTIONS = {
    "timeout": 20,
    # WAL lets the web server, worker and beat use one file at once.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    # A transaction takes the write lock when it begins: one that read first and then writes while another
    # process wrote meanwhile would fail at once ("database is locked") instead of waiting its turn.
    "transaction_mode": "IMMEDIATE",
}
_database_url = env_str("DATABASE_URL", None, required=PRODUCTION)
if _database_url:
    try:
        DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=600, conn_health_checks=True)}
    except Exception as exc:  # dj_database_url raises several kinds
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # e.g. a test's worker on its database
        DATABASES["default"]["OPTIONS"] = dict(_SQLITE_OPTIONS)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "portal.sqlite3",
            "CONN_MAX_AGE": 600,
            "OPTIONS": dict(_SQLITE_OPTIONS),
            # A file, not memory, so a real Celery worker process can share the test database.
            "TEST": {"NAME": str(VAR_DIR / "test-portal.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, sessions, Celery --------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and urlparse(REDIS_URL).scheme not in {"redis", "rediss"}:
    raise ImproperlyConfigured(f"REDIS_URL must start with redis:// or rediss://, not {REDIS_URL!r}.")
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set (DJANGO_ENV=production).")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "portal.redis_cache.KeptClientRedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "cc")}}
else:
    # A real cache shared by every process on this machine (allauth's rate limits need that).
    # Reading an entry costs about a tenth of a SQLite query; the default 300 entries would cull
    # sessions and rate-limit counters on a busy laptop.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(VAR_DIR / "cache"), "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "cc"),
                          "OPTIONS": {"MAX_ENTRIES": 5000}}}

# Sessions live in the database and are read from the cache (docs/performance.md); the signed-in
# user comes from the cache too (customers/user_cache.py), for at most this long between changes
# that send no signal.
SESSION_ENGINE = "customers.sessions"  # cached_db, reading the user in the same round trip
USER_CACHE_SECONDS = env_int("USER_CACHE_SECONDS", 300)
# Host-only cookies (no Domain attribute): a login at one city is not a login at another.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    _broker_dir = Path(env_str("CELERY_BROKER_DIR", str(VAR_DIR / "broker")))
    _folders = {k: _broker_dir / k for k in ("data", "processed", "control")}
    for _folder in _folders.values():
        _folder.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery-results").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_folders["data"]),
        "data_folder_out": str(_folders["data"]),
        "processed_folder": str(_folders["processed"]),
        "control_folder": str(_folders["control"]),
        "store_processed": False,
        "polling_interval": 0.2,
    }
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'celery-results'}"

# --- auth and allauth ---------------------------------------------------------------------

AUTH_USER_MODEL = "customers.User"
AUTHENTICATION_BACKENDS = [
    "customers.user_cache.CachedModelBackend",
    "customers.user_cache.CachedAllauthBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("email",)}},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "customers.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "customers.adapters.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "customers.forms.SignupForm"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_MAX_EMAIL_ADDRESSES = 2
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_EMAIL_CONFIRMATION_AUTHENTICATED_REDIRECT_URL = "onboarding"
ACCOUNT_SIGNUP_REDIRECT_URL = "onboarding"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# allauth's defaults (login failures, signups, password resets, confirmation emails) stay on;
# they count in the cache above, which is Redis when REDIS_URL is set.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
    # Looking up a permit (or other reference) number on the pay pages: per client IP and per session.
    "pay_reference": "30/h/ip,10/15m/key",
}
# A second step at sign-in (an authenticator app, with recovery codes): office admins must set it up
# before any office screen opens (portal.access.office_admin_required); residents may. allauth asks for
# the code at every login of a person who has it, by password or by Google/Apple alike.
MFA_ADAPTER = "adminpanel.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]  # no security keys: fido2 is not installed
MFA_TOTP_TOLERANCE = 1  # a code from the step before or after still counts (a phone's clock drifts)
MFA_RECOVERY_CODE_COUNT = 10
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_LOGIN_ON_GET = False

# "Continue with Google/Apple" appear only when their keys are configured.
SOCIALACCOUNT_PROVIDERS: dict = {}
if env_str("GOOGLE_CLIENT_ID"):
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [{"client_id": env_str("GOOGLE_CLIENT_ID"),
                  "secret": env_str("GOOGLE_CLIENT_SECRET", required=True), "key": ""}],
        "SCOPE": ["profile", "email"],
        "EMAIL_AUTHENTICATION": True,
    }
if env_str("APPLE_CLIENT_ID"):
    SOCIALACCOUNT_PROVIDERS["apple"] = {
        "APPS": [{"client_id": env_str("APPLE_CLIENT_ID"),
                  "secret": env_str("APPLE_KEY_ID", required=True),
                  "key": env_str("APPLE_TEAM_ID", required=True),
                  "settings": {"certificate_key": env_str("APPLE_PRIVATE_KEY", required=True)}}],
    }

# --- mail ---------------------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"Community Connect <no-reply@{BASE_DOMAIN}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST", None, required=PRODUCTION)
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on.")
else:
    EMAIL_BACKEND = "portal.mail.EmlFileBackend"
    EMAIL_FILE_PATH = str(Path(env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))))
# Every email is a row of the outbox (communications/outbox/) first. "worker": a Celery worker delivers
# it once the change that queued it commits (always, in production); "inline": delivered at once, in the
# same process (the test suite's in-memory mailer uses it).
OUTBOX_DELIVERY = env_str("OUTBOX_DELIVERY", "worker")
# The bearer token the mail provider's bounce reports carry (POST /email/bounces/ on the bare domain); empty: off.
EMAIL_BOUNCE_TOKEN = env_str("EMAIL_BOUNCE_TOKEN", "")
if OUTBOX_DELIVERY not in ("worker", "inline"):
    raise ImproperlyConfigured(f"OUTBOX_DELIVERY must be worker or inline, not {OUTBOX_DELIVERY!r}.")
if PRODUCTION and OUTBOX_DELIVERY != "worker":
    raise ImproperlyConfigured("OUTBOX_DELIVERY=inline sends mail inside web requests: not in production.")

# Text messages (communications/texts/): the provider's backend class; empty means no texts are offered.
# The embedded default writes each text to a file under VAR_DIR/texts; production refuses it.
SMS_FILE_BACKEND = "communications.texts.backends.FileTextBackend"
SMS_BACKEND = env_str("SMS_BACKEND", "" if PRODUCTION else SMS_FILE_BACKEND)
if PRODUCTION and SMS_BACKEND == SMS_FILE_BACKEND:
    raise ImproperlyConfigured(f"SMS_BACKEND={SMS_FILE_BACKEND} only writes files: set a real SMS provider's "
                               "backend, or leave SMS_BACKEND empty for no texts (DJANGO_ENV=production).")
SMS_FILE_PATH = str(Path(env_str("SMS_FILE_PATH", str(VAR_DIR / "texts"))))

# --- i18n and time ------------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"  # storage; each request activates its city's zone
USE_TZ = True

# --- static and media ---------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if PRODUCTION else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Private files (cached bill PDFs, communications) never go under MEDIA_ROOT: portal/storage.py.
PRIVATE_FILES_ROOT = Path(env_str("PRIVATE_FILES_ROOT", str(VAR_DIR / "private")))
if PRIVATE_FILES_ROOT.resolve().is_relative_to(MEDIA_ROOT.resolve()):
    raise ImproperlyConfigured("PRIVATE_FILES_ROOT must not be inside MEDIA_ROOT: public media would serve it.")
_private_bucket = env_str("PRIVATE_FILES_BUCKET")
if _private_bucket:
    if importlib.util.find_spec("storages") is None:
        raise ImproperlyConfigured("PRIVATE_FILES_BUCKET needs django-storages[s3] installed.")
    # Credentials and region come from the usual AWS_* variables (or the instance's role).
    STORAGES["private"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": _private_bucket, "default_acl": "private", "querystring_auth": True,
        "file_overwrite": False, "endpoint_url": env_str("PRIVATE_FILES_ENDPOINT_URL")}}
else:
    STORAGES["private"] = {"BACKEND": "portal.storage.PrivateFileSystemStorage"}

# --- security -----------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
# Every page: scripts only from us (and, for a Stripe city, Stripe: billing adds those per request
# through portal/csp.py), inline scripts only with the page's nonce. Inline styles stay allowed: the
# theme colour, htmx's indicator and the chart library write them, and a nonce would disable that.
_FORM_TARGETS = [SELF] + [origin for name, origin in (("google", "https://accounts.google.com"),
                                                       ("apple", "https://appleid.apple.com"))
                          if name in SOCIALACCOUNT_PROVIDERS]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": _FORM_TARGETS,
        "frame-ancestors": [NONE],
    },
}
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    CSRF_TRUSTED_ORIGINS = [f"https://*.{BASE_DOMAIN}", f"https://{BASE_DOMAIN}"]
    # /healthz is probed over plain HTTP inside the deployment.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- the office's web service (COWS) ------------------------------------------------------

COWS_CONNECT_TIMEOUT = env_float("COWS_CONNECT_TIMEOUT", 2.0)
COWS_READ_TIMEOUT = env_float("COWS_READ_TIMEOUT", 5.0)

# bench/ measures pages against a bare view that exists only when this is on.
BENCHMARK_VIEWS = env_bool("BENCHMARK_VIEWS", False) and not PRODUCTION

# --- payments ---------------------------------------------------------------------------

# Stripe.js and the API: the real ones unless pointed at a local Stripe-compatible server (tests).
STRIPE_JS_URL = env_str("STRIPE_JS_URL", "https://js.stripe.com/v3/")
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "")

# --- logging: one JSON object a line, each naming the tenant -------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant": {"()": "portal.logging.TenantFilter"}},
    "formatters": {"json": {"()": "portal.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["tenant"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.server": {"level": "INFO"},
        "stripe": {"level": "WARNING"},
    },
}
