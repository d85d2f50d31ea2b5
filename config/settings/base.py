"""Settings shared by every environment. Values come from environment variables
(see the table in README.md and `.env.example`)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))
# Where `make run` keeps its SQLite database, broker, results, cache and emails.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-development-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "governance",
    "membership",
    "meetings",
    "ballots",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "governance.middleware.DatabaseLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "governance.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "accounts.context_processors.roles",
                "governance.context_processors.organisation",
            ],
        },
    },
]

FORM_RENDERER = "config.forms.PlatformFormRenderer"

# SQLite needs no server; PostgreSQL is used wherever DATABASE_URL is set.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if "sqlite" in DATABASES["default"]["ENGINE"]:
    # `make run`'s web server, worker and beat write to one SQLite file: write-ahead
    # logging (readers never wait for the writer), and transactions that take the write
    # lock when they begin and wait for it, instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE", "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"})
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # Short OLTP queries: JIT compilation costs more than it saves (bench/register.py).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A web request gives up waiting for a lock after this, and any statement after the second
# limit, so that nothing a click starts holds voters up (governance/db.py). Workers and
# management commands have no limit.
WEB_DB_LOCK_TIMEOUT = env("WEB_DB_LOCK_TIMEOUT", default="2s")
WEB_DB_STATEMENT_TIMEOUT = env("WEB_DB_STATEMENT_TIMEOUT", default="15s")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "governance:dashboard"

# django-allauth: email login, mandatory verification, no open sign-up (see accounts.adapters).
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, made explicit: failed logins are limited per IP and per account.
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = env("EMAIL_SUBJECT_PREFIX", default="")
# Changing the address one signs in with: the new address confirms, and only then replaces
# the old one, which is told; changing it (or the password) asks for the password again.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Mutual Governance")
MFA_ADAPTER = "allauth.mfa.adapter.DefaultMFAAdapter"

# allauth's rate limits use the cache: it must be shared between web processes.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("CACHE_REDIS_URL", default=REDIS_URL),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Development serves files straight from static/; production collects them (production.py).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Mutual Governance <secretary@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The outbox (governance/outbox.py). An email that meets a temporary failure (the SMTP
# server down, busy or too slow) is tried again, waiting longer each time, until its retry
# window closes; then it has failed (a meeting's notice then goes by post). A worker's claim
# on a batch is a lease it renews while it sends.
OUTBOX_RETRY_WINDOW_SECONDS = env.int("OUTBOX_RETRY_WINDOW_SECONDS", default=24 * 60 * 60)
OUTBOX_RETRY_FIRST_WAIT_SECONDS = env.float("OUTBOX_RETRY_FIRST_WAIT_SECONDS", default=30)
OUTBOX_RETRY_LONGEST_WAIT_SECONDS = env.float("OUTBOX_RETRY_LONGEST_WAIT_SECONDS",
                                              default=15 * 60)
OUTBOX_LEASE_SECONDS = env.float("OUTBOX_LEASE_SECONDS", default=10 * 60)

# Celery: one app (config/celery.py); Redis when REDIS_URL is set, otherwise kombu's
# filesystem transport made safe for several processes (config/broker.py), which needs no
# server.
# Short time-outs: a request that queues work while Redis is down or does not answer is
# answered within seconds (a beat sweep finds the work again), instead of hanging.
REDIS_TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 2}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0,
                                    "interval_step": 0.5, "interval_max": 0.5}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 5
if REDIS_URL:
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS = {**REDIS_TIMEOUTS}
else:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="mutualfs://")
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=f"file://{VAR_DIR / 'results'}")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "polling_interval": 0.2,
        "store_processed": False,
    }
    for _folder in ("out", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)

# The longest task (counting a large ballot) is capped by CELERY_TASK_TIME_LIMIT; the broker
# must not hand an unacknowledged message to a second worker before that limit has passed.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = CELERY_TASK_TIME_LIMIT + 30 * 60
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 30 * 60}
CELERY_TASK_ALWAYS_EAGER = False

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Organisation shown when no organisation has been set up yet.
PLATFORM_NAME = env("PLATFORM_NAME", default="Mutual Governance")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Ed25519 key (32 bytes, base64) that signs the scrutineer's bundles; unset: derived from
# SECRET_KEY (governance/signing.py).
RESULTS_SIGNING_KEY = env("RESULTS_SIGNING_KEY", default="")
# Accept the code of the previous or next 30-second period too: phone clocks drift.
MFA_TOTP_TOLERANCE = 1
