"""Factdesk settings: one module, driven by environment variables.

Every variable is listed in docs/configuration.md. Development defaults are
safe to run on a laptop (SQLite, a broker that needs no server); production
sets DEBUG=0, which turns on the HTTPS and cookie hardening that
``manage.py check --deploy`` looks for, and then requires SECRET_KEY.
"""
from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"
# Without DEBUG there is no default: SECRET_KEY stays empty, so Django raises ImproperlyConfigured the moment
# anything reads it (sessions, CSRF, signing), and config/wsgi.py reads it at start-up so a web server without
# it never starts. Management commands that sign nothing (migrate, makemigrations, check) still run.

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Where local state lives in the zero-setup default (SQLite files, broker folder, indexes).
DATA_DIR = Path(env("FACTDESK_DATA_DIR", str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "claims",
    "reviewers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

# --- Database -------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'factdesk.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker are separate processes writing one file:
    # WAL lets readers proceed during a write, IMMEDIATE transactions take the
    # write lock up front (no "database is locked" on lock upgrade), and the
    # timeout makes a writer wait for the other instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # A file, not memory, so that worker processes started by the tests see the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-factdesk.sqlite3")}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery -----------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
# The embedded broker (config/broker.py) needs no server: a SQLite file that the web process and the worker share.
_DEFAULT_BROKER = REDIS_URL or f"sqlite-broker+sqlite:///{DATA_DIR / 'broker.sqlite3'}"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", _DEFAULT_BROKER)
# No task result is read by Factdesk (fan-in happens in the database), so the
# result backend is off unless an operator wants one for monitoring.
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 150)
# Eager mode runs tasks inline (unit tests only); the integration tests and production never use it.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = CELERY_TASK_ALWAYS_EAGER
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # With acks_late, a message whose worker died is redelivered after this
    # long. Longer than the hard time limit so a slow task is not run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env_int("CELERY_VISIBILITY_TIMEOUT", 600)

CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-work": {"task": "claims.tasks.sweep_stuck_work", "schedule": float(env_int("FACTDESK_SWEEP_INTERVAL", 60))},
}

# --- Factdesk ---------------------------------------------------------------
FACTDESK_MAX_ARTICLE_BYTES = env_int("FACTDESK_MAX_ARTICLE_BYTES", 1_000_000)
# Safe URL capture (claims/fetching.py): limits, and hosts allowed on internal addresses (tests only).
FACTDESK_FETCH_MAX_BYTES = env_int("FACTDESK_FETCH_MAX_BYTES", 5 * 1024 * 1024)
FACTDESK_FETCH_TIMEOUT = env_int("FACTDESK_FETCH_TIMEOUT", 20)
FACTDESK_FETCH_MAX_REDIRECTS = env_int("FACTDESK_FETCH_MAX_REDIRECTS", 5)
FACTDESK_FETCH_ALLOW_HOSTS = env_list("FACTDESK_FETCH_ALLOW_HOSTS")
# Webhooks (claims/services/webhooks.py): attempts per delivery, first retry delay (doubling), request timeout.
FACTDESK_WEBHOOK_MAX_ATTEMPTS = env_int("FACTDESK_WEBHOOK_MAX_ATTEMPTS", 8)
FACTDESK_WEBHOOK_BACKOFF_SECONDS = env_int("FACTDESK_WEBHOOK_BACKOFF_SECONDS", 30)
FACTDESK_WEBHOOK_TIMEOUT = env_int("FACTDESK_WEBHOOK_TIMEOUT", 10)
# Endpoint URLs must reach public addresses; "host:port" entries here may be internal (a CMS on our network, tests).
FACTDESK_WEBHOOK_ALLOW_HOSTS = env_list("FACTDESK_WEBHOOK_ALLOW_HOSTS")
# Claim sets with at most this many claims are built in the request; larger ones by a Celery task.
FACTDESK_CLAIMSET_SYNC_LIMIT = env_int("FACTDESK_CLAIMSET_SYNC_LIMIT", 1000)
# Work older than this in a transient state is considered lost and re-enqueued.
FACTDESK_STUCK_AFTER_SECONDS = env_int("FACTDESK_STUCK_AFTER_SECONDS", 300)
FACTDESK_PROVIDER_MAX_ATTEMPTS = env_int("FACTDESK_PROVIDER_MAX_ATTEMPTS", 3)
FACTDESK_PROVIDERS = env_list("FACTDESK_PROVIDERS", "previously_verified,reference_corpus")
FACTDESK_CANDIDATES_PER_PROVIDER = env_int("FACTDESK_CANDIDATES_PER_PROVIDER", 10)
# Seconds between a worker's checks of its retrieval index files against the Passage rows (docs/operations.md).
FACTDESK_INDEX_REFRESH_SECONDS = env_int("FACTDESK_INDEX_REFRESH_SECONDS", 5)
FACTDESK_PUBLIC_BASE_URL = env("FACTDESK_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
FACTDESK_ORGANIZATION_NAME = env("FACTDESK_ORGANIZATION_NAME", "Factdesk Newsroom")
FACTDESK_WORKER_HEARTBEAT_SECONDS = env_int("FACTDESK_WORKER_HEARTBEAT_SECONDS", 15)
FACTDESK_LEASE_SECONDS = env_int("FACTDESK_LEASE_SECONDS", 1800)

# --- Web providers (claims/providers/web.py) ----------------------------------
# Each is OFF until configured. Enabling one SENDS THE CLAIM TEXT to that service.
# A configured provider is added to FACTDESK_PROVIDERS. Per provider: request
# timeout (seconds, whole request) and rate limit (requests per minute per worker process).
FACTDESK_MEDIAWIKI_URL = env("FACTDESK_MEDIAWIKI_URL", "")  # e.g. https://en.wikipedia.org/w/api.php
FACTDESK_MEDIAWIKI_TIMEOUT = env_int("FACTDESK_MEDIAWIKI_TIMEOUT", 10)
FACTDESK_MEDIAWIKI_RATE_PER_MINUTE = env_int("FACTDESK_MEDIAWIKI_RATE_PER_MINUTE", 60)
FACTDESK_SEARXNG_URL = env("FACTDESK_SEARXNG_URL", "")  # e.g. https://searx.example.org
FACTDESK_SEARXNG_TIMEOUT = env_int("FACTDESK_SEARXNG_TIMEOUT", 10)
FACTDESK_SEARXNG_RATE_PER_MINUTE = env_int("FACTDESK_SEARXNG_RATE_PER_MINUTE", 30)
FACTDESK_FACTCHECK_URL = env("FACTDESK_FACTCHECK_URL", "https://factchecktools.googleapis.com/v1alpha1/claims:search")
FACTDESK_FACTCHECK_API_KEY = env("FACTDESK_FACTCHECK_API_KEY", "")
FACTDESK_FACTCHECK_TIMEOUT = env_int("FACTDESK_FACTCHECK_TIMEOUT", 10)
FACTDESK_FACTCHECK_RATE_PER_MINUTE = env_int("FACTDESK_FACTCHECK_RATE_PER_MINUTE", 60)
for _name, _configured in (("mediawiki", FACTDESK_MEDIAWIKI_URL), ("searxng", FACTDESK_SEARXNG_URL),
                           ("google_factcheck", FACTDESK_FACTCHECK_API_KEY)):
    if _configured and _name not in FACTDESK_PROVIDERS:
        FACTDESK_PROVIDERS = [*FACTDESK_PROVIDERS, _name]
# --- end of web providers -------------------------------------------------------

# --- LLM claim extractor (claims/extraction/llm.py) ----------------------------
# OFF until FACTDESK_LLM_URL is set. Enabling it SENDS THE FULL ARTICLE TEXT (drafts
# included) to that OpenAI-compatible chat-completions endpoint. On any failure the
# built-in extractor is used and each claim's reason says why. The timeout covers the
# whole request and is capped at 90 s (the extraction task's soft limit is 120 s).
FACTDESK_LLM_URL = env("FACTDESK_LLM_URL", "")  # e.g. http://127.0.0.1:8080/v1 or https://api.openai.com/v1
FACTDESK_LLM_MODEL = env("FACTDESK_LLM_MODEL", "")
FACTDESK_LLM_API_KEY = env("FACTDESK_LLM_API_KEY", "")
FACTDESK_LLM_TIMEOUT = env_int("FACTDESK_LLM_TIMEOUT", 60)
FACTDESK_LLM_MAX_CHARS = env_int("FACTDESK_LLM_MAX_CHARS", 60_000)
FACTDESK_LLM_RESPONSE_FORMAT = env("FACTDESK_LLM_RESPONSE_FORMAT", "json_schema")  # json_schema | json_object | none

# Data uploads: the article size limit is checked by the API; Django's own
# limit is set a little higher so the API can answer with its clear error.
DATA_UPLOAD_MAX_MEMORY_SIZE = FACTDESK_MAX_ARTICLE_BYTES * 2 + 65536

# --- Auth, i18n, static ---------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG  # in development, serve static files without collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "claims.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "claims.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "claims.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["claims.api.throttling.ClientRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
}
# Per API token (or signed-in user): "<n>/<second|minute|hour|day>"; empty turns the limit off.
FACTDESK_API_RATES = {
    "read": env("FACTDESK_API_RATE_READ", "1200/minute"),
    "write": env("FACTDESK_API_RATE_WRITE", "600/minute"),
}
# Claims-list pages and token lookups are reused until a committed write changes them
# (claims/api/caching.py); this is also how long at most a write made outside Django (psql)
# can go unseen. 0 turns both off. Needs REDIS_URL (the change counters are shared by every
# process); per web process, at most FACTDESK_API_CACHE_MB of pages.
FACTDESK_API_CACHE_SECONDS = env_int("FACTDESK_API_CACHE_SECONDS", 60)
FACTDESK_API_CACHE_MB = env_int("FACTDESK_API_CACHE_MB", 32)
# How long an Idempotency-Key is remembered (a replay within it gets the stored answer).
FACTDESK_IDEMPOTENCY_KEY_SECONDS = env_int("FACTDESK_IDEMPOTENCY_KEY_SECONDS", 24 * 3600)
# Throttle counts are shared by every web worker when Redis is there.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "factdesk"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Factdesk API",
    "DESCRIPTION": "Articles in, check-worthy claims with candidate sources out; verified claim sets exported.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Serve Swagger UI from our own static files: no CDN, nothing leaves the newsroom.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ArticleStatusEnum": "claims.models.Article.Status",
        "ClaimStatusEnum": "claims.models.Claim.Status",
        "VerdictStatusEnum": "reviewers.models.Verdict.Status",
        "CandidateStateEnum": "claims.models.Candidate.State",
    },
}

# --- Security (production) ------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER", False) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP inside the network: answer them instead of redirecting.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
