"""The registry's one settings module: every value comes from an environment variable.

Defaults suit a developer's machine (debug on, SQLite under var/); production sets
DJANGO_DEBUG=false and the variables documented in .env.example.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    """The variable's value, or the default when it is unset or blank."""
    return (os.environ.get(name) or "").strip() or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


def env_seconds(name: str, default: int) -> int:
    """A duration in whole seconds, 0 meaning none."""
    value = env_int(name, default)
    if value < 0:
        raise ImproperlyConfigured(f"{name} must be 0 or more seconds, not {value}")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


_RATE_PERIODS = {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}


def env_rate(name: str, default: str) -> str:
    """A request rate such as `60/min`: a whole number per s, min, hour or day."""
    value = env_str(name, default)
    count, _, period = value.partition("/")
    if not (count.strip().isdigit() and period.strip().lower() in _RATE_PERIODS):
        raise ImproperlyConfigured(
            f"{name} must be a rate such as 60/min (per s, min, hour or day), not {value!r}"
        )
    return f"{int(count)}/{period.strip().lower()}"


DEBUG = env_bool("DJANGO_DEBUG", True)

# A fixed key is fine for local use only; production must bring its own.
_DEV_SECRET_KEY = "django-insecure-local-development-key-never-use-in-production"
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is false")

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else ""
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "nmg_registry.apps.RegistryAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "simple_history",
    "axes",
    "csp",
    "nmg_registry",
    "surveys",
    "compositions",
    "analytics",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that every answer carries the policy, refusals and error pages included.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions, sign-in records and views: a NUL byte never reaches the database.
    "nmg_registry.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "nmg_registry.urls"
WSGI_APPLICATION = "nmg_registry.wsgi.application"

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
                "nmg_registry.context_processors.registry",
            ],
        },
    },
]

_DEFAULT_DATABASE_URL = f"sqlite:///{BASE_DIR / 'var' / 'nmg_registry.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or _DEFAULT_DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=True,
    )
}


def postgresql_timeouts(database: dict, *, connect: int, statement: int) -> None:
    """Bounds how long a PostgreSQL connection waits, in seconds (0: no bound). A database
    that takes connections but never answers (a network partition, a proxy's full queue)
    then fails the request after `connect` seconds, which the error pages answer with 503
    and Retry-After, instead of holding the worker until gunicorn kills it with a bare 500
    (psycopg's own default is 130 s). A statement running past `statement` seconds is
    cancelled by the server, so that it does not outlive the request it served. Values
    already in DATABASE_URL (`?connect_timeout=`, `?options=`) are kept."""
    if database["ENGINE"] != "django.db.backends.postgresql":
        return  # SQLite has no connection to wait for; its `timeout` is a lock wait
    options = database.setdefault("OPTIONS", {})
    if connect:
        options.setdefault("connect_timeout", connect)
    if statement and "statement_timeout" not in options.get("options", ""):
        given = options.get("options", "")
        options["options"] = f"{given} -c statement_timeout={statement * 1000}".strip()


postgresql_timeouts(
    DATABASES["default"],
    connect=env_seconds("DATABASE_CONNECT_TIMEOUT", 5),
    statement=env_seconds("DATABASE_STATEMENT_TIMEOUT", 300),
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the API's throttling counts. Each process has its own local-memory cache,
# so with several gunicorn workers only a shared Redis makes the limits hold as documented.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "nmg-registry",
            # A stalled Redis fails API requests after seconds instead of hanging workers.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses locked-out credentials before any other backend runs.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # representatives start on My countries (views.SignInView)
LOGOUT_REDIRECT_URL = "home"

# Login brute-force protection: lock a username + address pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("NMG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("NMG_LOGIN_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The lockout page (status 429): how long the lock lasts; a new password does not lift it.
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Password-reset mails: at most so many per e-mail address and per client address; past
# either, the same "check your e-mail" page and no mail (nmg_registry.limits).
NMG_PASSWORD_RESET_EMAIL_RATE = env_rate("NMG_PASSWORD_RESET_EMAIL_RATE", "3/hour")
NMG_PASSWORD_RESET_CLIENT_RATE = env_rate("NMG_PASSWORD_RESET_CLIENT_RATE", "20/hour")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT") or BASE_DIR / "var" / "media")

# Production hardening; each can be relaxed by its variable (e.g. behind a TLS proxy).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Behind a proxy REMOTE_ADDR is the proxy: lock out by the client's address instead.
    AXES_CLIENT_IP_CALLABLE = "nmg_registry.security.client_ip_behind_proxy"
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content security policy: scripts, styles, images and fonts from the registry itself only,
# no inline script or style, no plugins, no framing, forms posted only to the registry. The
# API's browsable docs add what Swagger UI needs on that page alone (nmg_registry/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "nmg-registry@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint (a round's PDF report) logs its progress page by page, and every screen-only
    # rule of the site's stylesheets it skips, on each report: only its errors matter.
    "loggers": {"weasyprint": {"level": "ERROR"}},
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Tokens first: its 401 challenge then answers requests without credentials.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "nmg_registry.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Anonymous clients by address, signed-in ones (token or session) by user; 429 past it.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("NMG_API_ANON_RATE", "60/min"),
        "user": env_rate("NMG_API_USER_RATE", "600/min"),
    },
    # A client's address: REMOTE_ADDR, or behind the proxy the last X-Forwarded-For hop (the
    # one the proxy added; earlier hops can be forged to dodge the limit).
    "NUM_PROXIES": 1 if BEHIND_TLS_PROXY else 0,
    # Closed unless a view says otherwise: each view names its rule from the policy.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        # `?format=csv` on every list and aggregate.
        "nmg_registry.api.renderers.CSVRenderer",
    ],
    # An unknown `?format=` is a 400 naming the formats, not a bare 404.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "nmg_registry.api.renderers.ContentNegotiation",
    # Every list: `count`, `limit` (1 to 1000, default 100) and `offset`; a bad value is a 400.
    "DEFAULT_PAGINATION_CLASS": "nmg_registry.api.pagination.LimitOffsetPagination",
    # The FilterSets of `<app>/filters.py`; a bad filter value is a 400 naming it.
    "DEFAULT_FILTER_BACKENDS": ["nmg_registry.api.backends.FilterBackend"],
    # Errors as JSON with a `detail` message, even when CSV was asked for.
    "EXCEPTION_HANDLER": "nmg_registry.api.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NMG Registry API",
    "DESCRIPTION": (
        "The registry of the National Mirror Groups of the 1+ Million Genomes initiative."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # `?format=csv`, the CSV bodies and the JSON-only errors of every operation.
        "nmg_registry.api.schema.postprocess_formats",
    ],
    "TAGS": [
        {
            "name": "registry",
            "description": (
                "Countries, working groups, stakeholder types and mirror groups: non-personal "
                "records and reference data, for any signed-in user."
            ),
        },
        {
            "name": "surveys",
            "description": (
                "Survey rounds with their questions, and each round's responses: submitted "
                "ones for whoever may read the aggregates, drafts for their own country's "
                "representatives and WP6 staff."
            ),
        },
        {
            "name": "compositions",
            "description": (
                "The experts of each country's mirror groups. Personal data: WP6 staff, and "
                "representatives for their own countries only."
            ),
        },
        {
            "name": "assessment",
            "description": (
                "The tables of deliverable D6.6, computed live from the registry. Readable "
                "by any signed-in user, and by anyone when the aggregates are made public."
            ),
        },
    ],
}

# Registry behaviour.
# Open the aggregates (dashboards, summary JSON, submitted responses) to anonymous readers.
NMG_PUBLIC_AGGREGATES = env_bool("NMG_PUBLIC_AGGREGATES", False)
# The smallest count of experts by a personal attribute (gender) a country's breakdown shows
# to a reader who may not read that country's experts; smaller ones are hidden
# (`nmg_registry.disclosure`). 0 shows every count.
NMG_MIN_CELL = env_int("NMG_MIN_CELL", 3)
if NMG_MIN_CELL < 0:
    raise ImproperlyConfigured(f"NMG_MIN_CELL must be 0 or more, not {NMG_MIN_CELL}")
# Who answers for the personal data the registry holds (the controller) and how to reach
# them, as the privacy notice (/privacy/) names them, e.g. "WP6, ELIXIR Hub, privacy@example.org".
NMG_PRIVACY_CONTACT = env_str("NMG_PRIVACY_CONTACT")
# The largest spreadsheet an upload may be, in megabytes.
NMG_MAX_UPLOAD_MB = env_int("NMG_MAX_UPLOAD_MB", 50)
