"""Settings for the credit-line self-service portal.

Every value that differs between machines is read here, once, from the environment (see the
README's table of settings). ``DJANGO_ENV=production`` turns on the production mode: it refuses
to start without a real secret key and passes ``manage.py check --deploy`` with no warning.
"""

from decimal import Decimal
from pathlib import Path

import csp.constants
import environ
import xstatic.pkg.bootstrap
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
EMAIL_SUBJECT_PREFIX = env.str("EMAIL_SUBJECT_PREFIX", default="")

_DEVELOPMENT_SECRET_KEY = "development-only-secret-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="" if PRODUCTION else _DEVELOPMENT_SECRET_KEY)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured("Production mode needs SECRET_KEY: at least 50 random characters.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The national ID number is kept only as an HMAC under this key (plus its last four characters).
# It is separate from SECRET_KEY so that rotating one does not orphan the other.
NATIONAL_ID_HASH_KEY = env.str("NATIONAL_ID_HASH_KEY", default=SECRET_KEY)

INSTALLED_APPS = [
    "config.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "portal.apps.PortalConfig",
    "accounts.apps.AccountsConfig",
    "appeals.apps.AppealsConfig",
    "education.apps.EducationConfig",
    "config.apps.ConfigConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.PrivateCacheMiddleware",
    "accounts.identity.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.ReadOnlyPortalMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.identity.middleware.StaffAccessMiddleware",
    "accounts.identity.middleware.IdentityBindingRequiredMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.unread_notifications",
                "portal.context_processors.service_banner",
                "portal.support.support_channels",
            ],
        },
    },
]

# Without DATABASE_URL the demo keeps its data in a SQLite file under var/.
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'portal.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis is a cache, not a dependency: while it is unreachable this backend keeps working
            # from each process's memory (allauth's rate limits still count there), see config/cache.py.
            "BACKEND": "config.cache.RedisCacheWithLocalFallback",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
else:
    # Without Redis the database holds the cache, so login rate limits are shared by every
    # process serving the demo (a per-process memory cache would let them be bypassed).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }
# In production with Redis, sessions are read from Redis and from the
# database only on a miss (written to both): one query fewer on every signed-in page. Their
# cache has no per-process fallback: while Redis is unreachable a read misses and goes to the
# database and a write is skipped, so no process keeps sessions of its own. (A sign-out during an
# outage ends the database row; a copy Redis kept lives on until it expires: set SESSION_ENGINE
# to django.contrib.sessions.backends.db where that is not acceptable.) Elsewhere: the database.
if REDIS_URL:
    CACHES["sessions"] = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "portal-sessions",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1, "IGNORE_EXCEPTIONS": True},
    }
SESSION_ENGINE = env.str(
    "SESSION_ENGINE",
    default=f"django.contrib.sessions.backends.{'cached_db' if REDIS_URL and PRODUCTION else 'db'}",
)
SESSION_CACHE_ALIAS = "sessions" if "sessions" in CACHES else "default"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

# django-allauth: email is the login, verification is mandatory, sensitive pages ask for the
# password again. https://docs.allauth.org/en/latest/account/configuration.html
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = EMAIL_SUBJECT_PREFIX
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_ADAPTER = "accounts.identity.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated here so the limits are visible and reviewable.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Credit Line Portal")
MFA_ADAPTER = "allauth.mfa.adapter.DefaultMFAAdapter"

# Internationalisation: zh-Hans first, complete English.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# One date style per language (config/formats/<lang>/formats.py), and the support channels
# shown in every page's footer (portal/support.py). SUPPORT_HOURS holds times only (the words
# around them are translated); the phone becomes a tel: link, the email a mailto: link. Empty hides one.
FORMAT_MODULE_PATH = ["config.formats"]
SUPPORT_PHONE = env.str("SUPPORT_PHONE", default="400-800-1234")
SUPPORT_HOURS = env.str("SUPPORT_HOURS", default="09:00–21:00")
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="help@portal.example")
SUPPORT_URL = env.str("SUPPORT_URL", default="/learn/")

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Bootstrap comes from the XStatic-Bootstrap package and is served from our own static files.
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/bootstrap", xstatic.pkg.bootstrap.BASE_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://" if not PRODUCTION else "smtp://localhost:25")
vars().update(EMAIL_CONFIG)
# Seconds an SMTP connection may wait for the mail server at each step; without it a server that
# accepts and never answers holds a worker (and its transaction) for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# The portal's public address, used in links inside emails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Credit Line Portal <no-reply@portal.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: with REDIS_URL a real broker; without it an on-disk broker under var/ that the demo's
# worker and beat share, so every task still runs (``make run`` starts both).
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost//"
# A message a worker took and never acknowledged (the worker was killed) goes back to the queue
# after this many seconds: above the longest hard time limit in config/celery.py, so a task still
# running is never handed to a second worker, and far below Redis's one-hour default.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900)}
# Limits for a task in no family of config/celery.py's TASK_FAMILIES.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
if not REDIS_URL:
    _broker_dir = BASE_DIR / "var" / "celery-broker"
    for _folder in ("processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated call gets 401 with a WWW-Authenticate header.
        "accounts.identity.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api_base.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Credit Line Portal API",
    "DESCRIPTION": "Borrower self-service API (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets share the field name "reason": each gets a name of its own in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ClosureReasonEnum": "accounts.models.closure.ClosureRequest.Reason",
        "LimitOfferNotMadeReasonEnum": ["opted_out"],
    },
}

# Identity binding: at most this many failed attempts in the window, then a lock.
IDENTITY_BINDING_MAX_FAILURES = env.int("IDENTITY_BINDING_MAX_FAILURES", default=5)
IDENTITY_BINDING_WINDOW_HOURS = env.int("IDENTITY_BINDING_WINDOW_HOURS", default=24)
# The same window also limits failures naming one ID number (across every login) and failures
# from one client address (across every login), so new logins cannot keep guessing.
IDENTITY_BINDING_MAX_FAILURES_PER_CUSTOMER = env.int("IDENTITY_BINDING_MAX_FAILURES_PER_CUSTOMER", default=5)
IDENTITY_BINDING_MAX_FAILURES_PER_ADDRESS = env.int("IDENTITY_BINDING_MAX_FAILURES_PER_ADDRESS", default=20)
# A personal API token stops working this many days after it was created.
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=90)

# Core-system integration (issue 21). Dates from the core system lie in a window: none before
# INTEGRATION_EARLIEST_DATE (before the credit-line product existed; never before 1970), due dates
# at most INTEGRATION_DUE_DATE_MAX_YEARS years ahead, observations not in the future. An
# Idempotency-Key's stored answer is kept INTEGRATION_IDEMPOTENCY_HOURS hours.
INTEGRATION_EARLIEST_DATE = env.str("INTEGRATION_EARLIEST_DATE", default="2000-01-01")
INTEGRATION_DUE_DATE_MAX_YEARS = env.int("INTEGRATION_DUE_DATE_MAX_YEARS", default=40)
INTEGRATION_IDEMPOTENCY_HOURS = env.int("INTEGRATION_IDEMPOTENCY_HOURS", default=24)

# The outbound link to the core system, which carries out the borrowers' instructions (repayment
# options). Requests both ways are signed with HMAC-SHA256 under a rotating key set:
# CORE_SYSTEM_KEYS is "key-id=secret,other-id=secret"; requests to the core system are signed with
# CORE_SYSTEM_CURRENT_KEY_ID's secret, its answers are accepted under any key in the set, so a key
# can be rotated without downtime. A send is retried with backoff (CORE_SYSTEM_RETRY_BASE_SECONDS
# doubling up to CORE_SYSTEM_RETRY_MAX_SECONDS, with jitter) and fails for good after
# CORE_SYSTEM_MAX_ATTEMPTS (staff can retry it). Without CORE_SYSTEM_URL (the demo) a built-in
# simulator confirms each instruction after CORE_SYSTEM_SIMULATOR_DELAY_SECONDS.
CORE_SYSTEM_URL = env.str("CORE_SYSTEM_URL", default="")
CORE_SYSTEM_KEYS = env.dict("CORE_SYSTEM_KEYS", default={})
CORE_SYSTEM_CURRENT_KEY_ID = env.str("CORE_SYSTEM_CURRENT_KEY_ID", default="")
CORE_SYSTEM_TIMEOUT_SECONDS = env.float("CORE_SYSTEM_TIMEOUT_SECONDS", default=10.0)
CORE_SYSTEM_MAX_ATTEMPTS = env.int("CORE_SYSTEM_MAX_ATTEMPTS", default=8)
CORE_SYSTEM_RETRY_BASE_SECONDS = env.int("CORE_SYSTEM_RETRY_BASE_SECONDS", default=30)
CORE_SYSTEM_RETRY_MAX_SECONDS = env.int("CORE_SYSTEM_RETRY_MAX_SECONDS", default=3600)
CORE_SYSTEM_SIMULATOR_DELAY_SECONDS = env.int("CORE_SYSTEM_SIMULATOR_DELAY_SECONDS", default=5)
if CORE_SYSTEM_URL and CORE_SYSTEM_CURRENT_KEY_ID not in CORE_SYSTEM_KEYS:
    raise ImproperlyConfigured("CORE_SYSTEM_CURRENT_KEY_ID must name a key in CORE_SYSTEM_KEYS.")

# Offers of a higher limit. A staff offer of a limit above LIMIT_OFFER_SECOND_APPROVAL_ABOVE waits
# for a second staff member's approval before the borrower sees it. The email's accept and decline
# links work until the offer ends (at most 90 days), and never longer than LIMIT_OFFER_LINK_MAX_DAYS.
LIMIT_OFFER_SECOND_APPROVAL_ABOVE = Decimal(env.str("LIMIT_OFFER_SECOND_APPROVAL_ABOVE", default="100000"))
LIMIT_OFFER_LINK_MAX_DAYS = env.int("LIMIT_OFFER_LINK_MAX_DAYS", default=90)
# The daily rule that offers an increase: the score rose by at least SCORE_RISE points over the
# last SCORE_WINDOW_DAYS, nothing was overdue in the last CLEAN_DAYS, the balance uses less than
# MAX_UTILISATION_PERCENT of the limit; the offer is INCREASE_PERCENT higher, in the product's steps.
# A line offered anything in the last COOLDOWN_DAYS (an answer, even a decline) is left alone.
LIMIT_OFFER_RULE = {
    "SCORE_RISE": env.int("LIMIT_OFFER_RULE_SCORE_RISE", default=40),
    "SCORE_WINDOW_DAYS": env.int("LIMIT_OFFER_RULE_SCORE_WINDOW_DAYS", default=90),
    "CLEAN_DAYS": env.int("LIMIT_OFFER_RULE_CLEAN_DAYS", default=365),
    "MAX_UTILISATION_PERCENT": env.int("LIMIT_OFFER_RULE_MAX_UTILISATION_PERCENT", default=50),
    "INCREASE_PERCENT": env.int("LIMIT_OFFER_RULE_INCREASE_PERCENT", default=20),
    "COOLDOWN_DAYS": env.int("LIMIT_OFFER_RULE_COOLDOWN_DAYS", default=90),
}

# A borrower may appeal a decision against them for this many days after it takes effect.
APPEAL_WINDOW_DAYS = env.int("APPEAL_WINDOW_DAYS", default=60)

# A borrower's closure request waits this long after submission, and can be withdrawn meanwhile.
CLOSURE_COOLING_OFF_HOURS = env.int("CLOSURE_COOLING_OFF_HOURS", default=24)

# Appeals. Deadlines come from a jurisdiction profile (days are calendar days): decide within
# decide_days, extendable once to extended_days with a notice; second-level review may be asked
# for within second_review_days of an upheld decision. Other profiles are configuration.
APPEAL_DEADLINE_PROFILES = {
    "CN": {
        "decide_days": 15,
        "extended_days": 30,
        "second_review_days": 15,
        "assignee_reminder_days": 3,
        "information_reminder_days": 3,
        "information_close_days": 14,
    },
    "EU": {
        "decide_days": 15,
        "extended_days": 35,
        "second_review_days": 15,
        "assignee_reminder_days": 3,
        "information_reminder_days": 3,
        "information_close_days": 14,
    },
    "UK": {
        "decide_days": 56,
        "extended_days": 56,
        "second_review_days": 15,
        "assignee_reminder_days": 5,
        "information_reminder_days": 3,
        "information_close_days": 14,
    },
}
APPEAL_JURISDICTION = env.str("APPEAL_JURISDICTION", default="CN")
if APPEAL_JURISDICTION not in APPEAL_DEADLINE_PROFILES:
    raise ImproperlyConfigured(f"APPEAL_JURISDICTION must be one of {sorted(APPEAL_DEADLINE_PROFILES)}.")
# An overturn restoring more than this (in the account's currency) needs a Supervisor's approval.
APPEAL_FOUR_EYES_RESTORE_AMOUNT = Decimal(env.str("APPEAL_FOUR_EYES_RESTORE_AMOUNT", default="10000"))
APPEAL_EVIDENCE_MAX_BYTES = env.int("APPEAL_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
APPEAL_EVIDENCE_MAX_FILES = env.int("APPEAL_EVIDENCE_MAX_FILES", default=5)
# Repayment options. An early-repayment quote holds for this many minutes (0: until the end of
# the day where it was quoted, in TIME_ZONE); a hardship plan covering more than this amount needs
# a second person's approval; a due-day change applies from the first instalment due at least
# this many days later.
REPAYMENT_QUOTE_MINUTES = env.int("REPAYMENT_QUOTE_MINUTES", default=0)
REPAYMENT_HARDSHIP_SECOND_APPROVAL_AMOUNT = Decimal(
    env.str("REPAYMENT_HARDSHIP_SECOND_APPROVAL_AMOUNT", default="20000")
)
REPAYMENT_DUE_DAY_NOTICE_DAYS = env.int("REPAYMENT_DUE_DAY_NOTICE_DAYS", default=5)
# Evidence files live here, outside MEDIA_ROOT, and are served only through a permission check.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private-media")

# Sealed records (portal.integrity): the Ed25519 key that signs block heads, PEM or the base64 of
# its 32-byte seed. Production refuses to seal or verify without one; development generates a
# key on first use into the file below (under var/, never committed).
INTEGRITY_SIGNING_KEY = env.str("INTEGRITY_SIGNING_KEY", default="")
INTEGRITY_SIGNING_KEY_FILE = env.path(
    "INTEGRITY_SIGNING_KEY_FILE", default=BASE_DIR / "var" / "integrity-signing-key.pem"
)

# Staff must use two-factor authentication to reach the admin.
ADMIN_REQUIRE_MFA = env.bool("ADMIN_REQUIRE_MFA", default=True)

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): everything comes from the portal itself, no inline script
# and no inline style. data: images are only the authenticator set-up's QR code (allauth renders
# it as a data: SVG) and the small SVGs that Bootstrap's and Swagger UI's stylesheets embed
# (select arrows, check marks, icons). https://django-csp.readthedocs.io/
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.constants.SELF],
        "script-src": [csp.constants.SELF],
        "style-src": [csp.constants.SELF],
        "img-src": [csp.constants.SELF, "data:"],
        "font-src": [csp.constants.SELF],
        "connect-src": [csp.constants.SELF],
        "object-src": [csp.constants.NONE],
        "base-uri": [csp.constants.SELF],
        "form-action": [csp.constants.SELF],
        "frame-ancestors": [csp.constants.NONE],
    },
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
