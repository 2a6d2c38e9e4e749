"""Settings for the test suite: the production settings with a throw-away data dir and fast hashing."""

import os
import tempfile

os.environ.setdefault("PUMPURS_DATA_DIR", tempfile.mkdtemp(prefix="pumpurs-test-"))
os.environ.setdefault("PUMPURS_HTTPS", "0")
# Tests sign personas in with force_login; the second factor has its own tests, which turn it on.
os.environ.setdefault("PUMPURS_SECOND_FACTOR", "0")

from pumpurs.settings import *  # noqa: F403 — the test settings are the real ones plus the overrides below

# Hashing cost is not what the tests measure.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# An on-disk SQLite test database, so that a separate worker process can share it.
if str(DATABASES["default"]["ENGINE"]).endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
