"""PuMPuRS settings: one file, driven by the environment, safe by default (DESIGN.md §6, §7)."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from pumpurs.core.env import (
    database_config,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_mapping,
    env_percent,
    env_schedule,
    env_secret,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("PUMPURS_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
# The data directory holds the SQLite database, the keys and uploaded files with personal codes:
# only the server's own user may read it, and whatever a process of ours creates is private
# (files 0600, directories 0700) whichever entry point started it (issue 17, M3).
os.umask(0o077)
if DATA_DIR.stat().st_uid == os.getuid():
    DATA_DIR.chmod(0o700)

DEBUG = env_bool("PUMPURS_DEBUG", False)
# `pumpurs check` sets PUMPURS_KEYS_READ_ONLY: checking an installation never creates its keys.
_CREATE_KEYS = not env_bool("PUMPURS_KEYS_READ_ONLY", False)
SECRET_KEY = env_secret("PUMPURS_SECRET_KEY", DATA_DIR, "secret_key", create=_CREATE_KEYS)
# Separate from SECRET_KEY so that rotating the session key never makes personal codes unreadable.
PUMPURS_FIELD_KEY = env_secret("PUMPURS_FIELD_KEY", DATA_DIR, "field_key", create=_CREATE_KEYS)
ALLOWED_HOSTS = env_list("PUMPURS_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

DATABASES = {
    "default": database_config(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'pumpurs.sqlite3'}"),
        sqlite_busy_seconds=env_int("PUMPURS_SQLITE_BUSY_SECONDS", 30),
        pg_temp_buffers=env_str("PUMPURS_PG_TEMP_BUFFERS", "256MB"),
    ),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",  # passkeys beside the app's codes (decision 0041)
    "pumpurs.core",
    "pumpurs.audit",
    "pumpurs.people",
    "pumpurs.journal",
    "pumpurs.imports",
    "pumpurs.risk",
    "pumpurs.support",
    "pumpurs.youth",
    "pumpurs.prevention",
    "pumpurs.finance",
    "pumpurs.privacy",
    "pumpurs.reporting",
    "pumpurs.ops",
    "pumpurs.world",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pumpurs.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "pumpurs.people.idle.IdleSessionMiddleware",  # signs out a session idle PUMPURS_SESSION_IDLE_SECONDS
    "pumpurs.people.second_factor.SecondFactorMiddleware",  # wide roles confirm sign-in with a code
    "pumpurs.core.idempotency.IdempotencyMiddleware",  # after CSRF, auth and messages: a repeat is told
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "pumpurs.core.middleware.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "pumpurs.urls"
WSGI_APPLICATION = "pumpurs.wsgi.application"
AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pumpurs.people.context_processors.navigation",
                "pumpurs.core.refusal.refused",  # a refused embedded form's typed values (core/refusal.py)
            ],
            # {% submission_key %} in create forms; {% kept %} puts back what a refused form held
            "builtins": ["pumpurs.core.templatetags.submission", "pumpurs.core.templatetags.kept"],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Latvian first; English complete.
LANGUAGE_CODE = "lv"
# How dates are written, decided in one place for every page, print and e-mail (issue 13):
# 1.09.2026 in Latvian, 1 Sep 2026 in English (pumpurs/core/formats/).
FORMAT_MODULE_PATH = ["pumpurs.core.formats"]
LANGUAGES = [("lv", _("Latvian")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Riga"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns at start-up about a missing root
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Uploaded import files hold personal codes: readable by the server's own user only (issue 17, M3).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": DATA_DIR / "media"}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the app directories: `pumpurs demo` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}

# --- Security (DESIGN §7). Cookies are secure unless the operator says the site is plain HTTP,
# which `pumpurs demo` does for http://127.0.0.1.
PUMPURS_HTTPS = env_bool("PUMPURS_HTTPS", True)
SESSION_COOKIE_SECURE = PUMPURS_HTTPS
CSRF_COOKIE_SECURE = PUMPURS_HTTPS
LANGUAGE_COOKIE_SECURE = PUMPURS_HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("PUMPURS_SESSION_SECONDS", 8 * 3600)
PUMPURS_SESSION_IDLE_SECONDS = max(60, env_int("PUMPURS_SESSION_IDLE_SECONDS", 30 * 60))
# National, municipality and data-protection roles confirm each sign-in with a TOTP code (decision 0026).
PUMPURS_SECOND_FACTOR = env_bool("PUMPURS_SECOND_FACTOR", True)
OTP_TOTP_ISSUER = "PuMPuRS"
# Passkeys (decision 0041): the relying party is the host the page is opened at; a passkey only
# confirms a password-signed-in person (never passwordless).
OTP_WEBAUTHN_RP_ID_CALLABLE = "pumpurs.people.passkeys.relying_party_id"
OTP_WEBAUTHN_RP_NAME_CALLABLE = "pumpurs.people.passkeys.relying_party_name"
OTP_WEBAUTHN_HELPER_CLASS = "pumpurs.people.passkeys.PasskeyHelper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "pumpurs.passkeys"
# The expected origin is the request's own (scheme and host as ALLOWED_HOSTS and the proxy settings
# let Django see them; ``people.passkeys.PasskeyHelper``), not a fixed list: the package's check
# for that list does not apply (silenced below).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("PUMPURS_SSL_REDIRECT", PUMPURS_HTTPS)
SECURE_HSTS_SECONDS = env_int("PUMPURS_HSTS_SECONDS", 31536000 if PUMPURS_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PUMPURS_HTTPS
SECURE_HSTS_PRELOAD = False
# Preloading commits a whole domain to HTTPS for years: the domain's owner decides, not the app.
SILENCED_SYSTEM_CHECKS = ["security.W021", "otp_webauthn.E030"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A failed CSRF check shows the site's page and keeps what was typed (pumpurs/core/views.py).
CSRF_FAILURE_VIEW = "pumpurs.core.views.csrf_failure"

# Behind a TLS-terminating reverse proxy, ``pumpurs serve`` trusts the X-Forwarded-For, -Proto and
# -Host headers of connections from PUMPURS_PROXY_ADDRESS only (waitress drops them from anyone else).
PUMPURS_BEHIND_PROXY = env_bool("PUMPURS_BEHIND_PROXY", False)
PUMPURS_PROXY_ADDRESS = env_str("PUMPURS_PROXY_ADDRESS", "127.0.0.1")
if PUMPURS_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Nothing from anywhere but ourselves: no CDN, no inline script, no frames, no form posts elsewhere.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Sign-in throttling per (username, address) (people/throttle.py, decision 0026): failures allowed
# before back-off, the first wait (doubling), the longest wait and quiet time that starts afresh,
# and failures over all usernames from one address (a school's NAT) before the address waits.
PUMPURS_LOGIN_MAX_FAILURES = env_int("PUMPURS_LOGIN_MAX_FAILURES", 5)
PUMPURS_LOGIN_BACKOFF_SECONDS = env_int("PUMPURS_LOGIN_BACKOFF_SECONDS", 30)
PUMPURS_LOGIN_WINDOW_SECONDS = env_int("PUMPURS_LOGIN_WINDOW_SECONDS", 15 * 60)
PUMPURS_LOGIN_ADDRESS_MAX_FAILURES = env_int("PUMPURS_LOGIN_ADDRESS_MAX_FAILURES", 50)

_LOG_LEVEL = env_choice("PUMPURS_LOG_LEVEL", "INFO", choices={"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# School and municipality roles keep seeing a pupil who left them for this many days (follow-up
# of early leavers); class teachers see only pupils currently in their classes.
PUMPURS_FORMER_PUPIL_VISIBLE_DAYS = env_int("PUMPURS_FORMER_PUPIL_VISIBLE_DAYS", 365)
# Break-the-glass: how many hours an emergency opening of one pupil's risk record lasts (decision 0035).
PUMPURS_EMERGENCY_ACCESS_HOURS = env_int("PUMPURS_EMERGENCY_ACCESS_HOURS", 3)
# An invitation's set-password link works once, for this many days (issue 12, decision 0016).
PUMPURS_INVITATION_DAYS = env_int("PUMPURS_INVITATION_DAYS", 7)
if PUMPURS_INVITATION_DAYS < 1:
    raise ImproperlyConfigured("PUMPURS_INVITATION_DAYS must be at least 1.")
# Youth initiative projects (issue 16): the programme's maximum per project, in whole euros; a
# call's own maximum may be lower, never higher.
PUMPURS_YOUTH_PROJECT_MAX_EUR = env_int("PUMPURS_YOUTH_PROJECT_MAX_EUR", 4600)
if PUMPURS_YOUTH_PROJECT_MAX_EUR < 1:
    raise ImproperlyConfigured("PUMPURS_YOUTH_PROJECT_MAX_EUR must be at least 1.")
# The address people open the system at: links in mail (invitations, password resets) start with it.
PUMPURS_SITE_URL = env_str("PUMPURS_SITE_URL", "http://localhost:8000").rstrip("/")
# Notices to one address within this many minutes go out as one digest (issue 13, trap 11b); the
# scheduled "notices" job (every 10 minutes) sends what waited. 0: no waiting, one message per run.
PUMPURS_NOTICE_DIGEST_MINUTES = env_int("PUMPURS_NOTICE_DIGEST_MINUTES", 10)
# A password-reset link works for one hour (Django's default is three days: too long for a school's accounts).
PASSWORD_RESET_TIMEOUT = 3600

# Lesson-level e-journal marks → attendance categories. Products differ: check your e-journal's
# legend and override with PUMPURS_ATTENDANCE_MARKS="n=unjustified,ns=illness,...".
PUMPURS_ATTENDANCE_MARKS = env_mapping(
    "PUMPURS_ATTENDANCE_MARKS",
    {"n": "unjustified", "nn": "unjustified", "ns": "illness", "nc": "other_justified", "k": "late", "+": "present"},
    allowed_values={"present", "unjustified", "illness", "other_justified", "late"},
)

# How long an uploaded import file (it holds personal codes) and its error report are kept after
# the batch was submitted: long enough to apply a check and to look at a rejection, no longer
# (issue 17, M3). The batch record and its audit events stay.
PUMPURS_IMPORT_RETENTION_DAYS = env_int("PUMPURS_IMPORT_RETENTION_DAYS", 7)
# Retention per record kind, in days (decision 0040; `pumpurs retention`, the daily `retention`
# job). The defaults are argued there; the legal basis of each is to be confirmed by the data
# protection officer. A kind's records past its period are deleted, scrubbed or pseudonymised.
PUMPURS_RETENTION_SIGN_IN_DAYS = env_int("PUMPURS_RETENTION_SIGN_IN_DAYS", 30)
PUMPURS_RETENTION_EMERGENCY_ACCESS_DAYS = env_int("PUMPURS_RETENTION_EMERGENCY_ACCESS_DAYS", 730)
PUMPURS_RETENTION_NOTICE_DAYS = env_int("PUMPURS_RETENTION_NOTICE_DAYS", 365)
PUMPURS_RETENTION_FORMER_PUPIL_RISK_DAYS = env_int("PUMPURS_RETENTION_FORMER_PUPIL_RISK_DAYS", 730)
PUMPURS_RETENTION_CLOSED_CASE_DAYS = env_int("PUMPURS_RETENTION_CLOSED_CASE_DAYS", 1826)
PUMPURS_RETENTION_EVIDENCE_DAYS = env_int("PUMPURS_RETENTION_EVIDENCE_DAYS", 1826)
PUMPURS_RETENTION_AUDIT_DAYS = env_int("PUMPURS_RETENTION_AUDIT_DAYS", 1826)
# E-journal facts (attendance, grades, incidents) of a whole school year, counted from its last day
# (decision 0046): two school years, as former pupils' risk records. To be confirmed by the DPO.
PUMPURS_RETENTION_JOURNAL_DAYS = env_int("PUMPURS_RETENTION_JOURNAL_DAYS", 730)
# Files the server generated for someone to take away (retention exports) are removed this many
# days after they were written (decision 0046): long enough for the DPO to archive them elsewhere.
# To be confirmed by the DPO.
PUMPURS_RETENTION_EXPORT_FILE_DAYS = env_int("PUMPURS_RETENTION_EXPORT_FILE_DAYS", 30)
# How many audit events one transaction of the retention scrub holds (decision 0046).
PUMPURS_RETENTION_AUDIT_CHUNK = env_int("PUMPURS_RETENTION_AUDIT_CHUNK", 10_000)
# What reading one import file may cost, whatever the file says (decision 0024). A municipality's
# semester of daily attendance is about 2 million rows of 8 columns.
PUMPURS_IMPORT_MAX_ROWS = env_int("PUMPURS_IMPORT_MAX_ROWS", 5_000_000)
PUMPURS_IMPORT_MAX_COLUMNS = env_int("PUMPURS_IMPORT_MAX_COLUMNS", 100)
PUMPURS_IMPORT_MAX_CELL_CHARS = env_int("PUMPURS_IMPORT_MAX_CELL_CHARS", 2000)
PUMPURS_IMPORT_MAX_XLSX_BYTES = env_int("PUMPURS_IMPORT_MAX_XLSX_MB", 256) * 1024 * 1024
PUMPURS_IMPORT_MAX_SECONDS = env_int("PUMPURS_IMPORT_MAX_SECONDS", 1800)
# PostgreSQL: one statement of an import may run this long, and the server checks this often
# whether the importing process is still there (a killed worker's merge stops within seconds).
PUMPURS_IMPORT_STATEMENT_SECONDS = env_int("PUMPURS_IMPORT_STATEMENT_SECONDS", 900)
# A running batch whose worker has not beaten its heartbeat for this long is marked interrupted.
PUMPURS_IMPORT_STALE_SECONDS = env_int("PUMPURS_IMPORT_STALE_SECONDS", 300)
for _name, _value in {
    "PUMPURS_IMPORT_MAX_ROWS": PUMPURS_IMPORT_MAX_ROWS,
    "PUMPURS_IMPORT_MAX_COLUMNS": PUMPURS_IMPORT_MAX_COLUMNS,
    "PUMPURS_IMPORT_MAX_CELL_CHARS": PUMPURS_IMPORT_MAX_CELL_CHARS,
    "PUMPURS_IMPORT_MAX_XLSX_MB": PUMPURS_IMPORT_MAX_XLSX_BYTES,
    "PUMPURS_IMPORT_MAX_SECONDS": PUMPURS_IMPORT_MAX_SECONDS,
    "PUMPURS_IMPORT_STATEMENT_SECONDS": PUMPURS_IMPORT_STATEMENT_SECONDS,
    "PUMPURS_IMPORT_STALE_SECONDS": PUMPURS_IMPORT_STALE_SECONDS,
}.items():
    if _value < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")

# Early identification: national default thresholds of the flag rules (issue 4). Municipalities
# may override them (risk.ThresholdOverride). Sources: more than 20 unjustified lessons brings in
# the municipality (Cabinet Regulation No. 89 of 1.2.2011 and school practice, DESIGN §4; whether
# "per semester" applies is unconfirmed); the others are the programme's working defaults.
PUMPURS_RISK_THRESHOLDS = {
    "unjustified_semester": 20,  # flag when unjustified lessons in the semester exceed this
    # flag when attendance in the last 4 weeks is below this per cent; only unjustified and other
    # non-illness absence lower it (decision 0023)
    "attendance_4w": 90,
    "illness_4w": 50,  # flag (softly) when illness took at least this per cent of 4 weeks' lessons
    "failing_term_grade": 1,  # flag at this many failing term grades (below 4 or neieskaitīts)
    "nv_period": 2,  # flag at this many "nv" in a semester
    "average_drop": 1.0,  # flag when the average grade falls by this much against the last semester
    "incidents_4w": 2,  # flag at this many incidents in 4 weeks
    "over_age": 2,  # flag when older than usual for the grade by this many years
}
# work_mem of the indicator refresh transaction (PostgreSQL ``SET LOCAL``; empty: the server's).
# At the default 4 MB the per-pupil attendance aggregate spills to disk: 250 000 pupils, 6.8 s →
# 3.5 s at 64 MB (about 95 MB of hash table in the leader plus about 30 MB per parallel worker).
PUMPURS_REFRESH_WORK_MEM = env_str("PUMPURS_REFRESH_WORK_MEM", "64MB")
# Weekly rollups of attendance and grades kept by every import (decision 0050); while on, the
# indicator refresh reads its attendance and grade sums from them instead of the facts (0049).
# On by default since the daily upkeep updates the week's rows in place (50 000 pupils: a day's
# file costs 0.65–0.80 s more, each refresh 1.5–2 s less). A deployment that had it off:
# `pumpurs indicators rebuild-rollups` the running and the previous semester (docs/operations.md).
PUMPURS_FACT_ROLLUPS = env_bool("PUMPURS_FACT_ROLLUPS", True)

# Money (issue 14): the ESF share of every budget and claim in percent (the programme: ESF 85 %,
# state budget 15 %; DESIGN §4). The state share is the rest; the cent left over by a split goes to
# the state share (finance/money.py). Two decimal places at most, e.g. "85" or "84.99".
PUMPURS_ESF_SHARE = env_percent("PUMPURS_ESF_SHARE", "85")

# Individual support (issue 5). The approval chain of a support plan per institution kind, after
# the preparer (pumpurs.lv FAQ "IAP-01"): municipal schools go director → municipality → IKVD;
# state vocational schools skip the municipality. Override e.g.
# PUMPURS_APPROVAL_CHAINS="general=director+municipality+national,vocational=director+national".
PUMPURS_APPROVAL_CHAINS = {
    kind: value.split("+")
    for kind, value in env_mapping(
        "PUMPURS_APPROVAL_CHAINS",
        {
            "general": "director+municipality+national",
            "vocational": "director+national",
            "other": "director+municipality+national",
        },
        allowed_values={
            "director+municipality+national",
            "director+national",
            "director+municipality",
            "director",
            "municipality+national",
        },
    ).items()
}
# A plan's review is overdue this many days after its semester ends (a working default).
PUMPURS_REVIEW_GRACE_DAYS = env_int("PUMPURS_REVIEW_GRACE_DAYS", 14)
# Below this many pupils in either arm, the effect of a measure is not estimated (decision 0031).
PUMPURS_EFFECT_MIN_PUPILS = env_int("PUMPURS_EFFECT_MIN_PUPILS", 30)
if PUMPURS_EFFECT_MIN_PUPILS < 2:
    raise ImproperlyConfigured("PUMPURS_EFFECT_MIN_PUPILS must be at least 2.")
# Rule quality and error rates (decision 0030): a rate is shown only over at least this many pupils.
PUMPURS_RULE_QUALITY_MIN_PUPILS = max(1, env_int("PUMPURS_RULE_QUALITY_MIN_PUPILS", 20))
# A remote consultation must be confirmed by the pupil within one day (DESIGN §4).
PUMPURS_REMOTE_CONFIRMATION_DAYS = env_int("PUMPURS_REMOTE_CONFIRMATION_DAYS", 1)

# Mail for notices (guardians, municipality coordinators): SMTP by default (PUMPURS_EMAIL_*
# below); `pumpurs demo` writes it to files instead (PUMPURS_EMAIL_BACKEND, PUMPURS_EMAIL_FILE_PATH).
_EMAIL_BACKEND = env_str("PUMPURS_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
PUMPURS_EMAIL_FILE_PATH = Path(env_str("PUMPURS_EMAIL_FILE_PATH", str(DATA_DIR / "demo-mail")))
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": (
            {
                "host": env_str("PUMPURS_EMAIL_HOST", "localhost"),
                "port": env_int("PUMPURS_EMAIL_PORT", 25),
                "username": env_str("PUMPURS_EMAIL_USER", ""),
                "password": env_str("PUMPURS_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("PUMPURS_EMAIL_TLS", False),
            }
            if _EMAIL_BACKEND.endswith("smtp.EmailBackend")
            else {"file_path": str(PUMPURS_EMAIL_FILE_PATH)}
            if _EMAIL_BACKEND.endswith("filebased.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env_str("PUMPURS_FROM_EMAIL", "PuMPuRS <pumpurs@localhost>")

# Scheduled jobs, run by `pumpurs worker` (decision 0015): HH:MM is daily in TIME_ZONE, */N every
# N minutes, off never. Override some, e.g. PUMPURS_SCHEDULE="indicators=04:00,notices=*/5".
PUMPURS_SCHEDULE = env_schedule(
    "PUMPURS_SCHEDULE",
    {
        "calendar": "00:15",
        "retention": "03:00",
        "imports": "*/5",
        "indicators": "05:30",
        "plans": "05:45",
        "reviews": "07:00",
        "notices": "*/10",
        "error_rates": "06:15",
    },
)
# /healthz answers 503 when no worker has beaten its heartbeat for this many seconds.
PUMPURS_WORKER_STALE_SECONDS = env_int("PUMPURS_WORKER_STALE_SECONDS", 180)
# A run still "running" this long after it started belongs to a worker that died: the scheduler
# marks it interrupted. Runs are kept this many days (each job's latest always).
PUMPURS_JOB_RUN_TIMEOUT_MINUTES = env_int("PUMPURS_JOB_RUN_TIMEOUT_MINUTES", 180)
PUMPURS_JOB_RUN_KEEP_DAYS = env_int("PUMPURS_JOB_RUN_KEEP_DAYS", 90)
# A notice the mail server refuses is tried again after N minutes, doubling each time, until this
# many attempts; then it "could not be delivered" and the outbox says so.
PUMPURS_NOTICE_SEND_ATTEMPTS = env_int("PUMPURS_NOTICE_SEND_ATTEMPTS", 5)
PUMPURS_NOTICE_RETRY_MINUTES = env_int("PUMPURS_NOTICE_RETRY_MINUTES", 10)
for _name in ("PUMPURS_JOB_RUN_TIMEOUT_MINUTES", "PUMPURS_JOB_RUN_KEEP_DAYS", "PUMPURS_NOTICE_SEND_ATTEMPTS"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")
if PUMPURS_NOTICE_RETRY_MINUTES < 0:
    raise ImproperlyConfigured("PUMPURS_NOTICE_RETRY_MINUTES cannot be negative.")

# --- REST API (issue 5, item 9; decision 0007). Token or session authentication, JSON only,
# errors shaped {"errors": [...], "fields": {...}} by pumpurs.api.errors.
INSTALLED_APPS += [
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files, never a CDN
    "pumpurs.api",
]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "pumpurs.api.authentication.ApiTokenAuthentication",  # first: its challenge makes 401s
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_METADATA_CLASS": "pumpurs.api.metadata.SchemaPointerMetadata",  # OPTIONS: never a 500
    "EXCEPTION_HANDLER": "pumpurs.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PuMPuRS API",
    "DESCRIPTION": "Support cases, plans, transitions and deliveries, with the same services and visibility as the web UI.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No call to validator.swagger.io: the CSP allows nothing but ourselves.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True},
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's error answers (400/401/403/404/409/503), in the one error shape (issue 17).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "pumpurs.api.schema_errors.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "pumpurs.support.models.Case.Status",
        "YouthCallStatusEnum": "pumpurs.youth.models.CallStatus",
        "PlanStatusEnum": "pumpurs.support.models.PlanStatus",
    },
}
