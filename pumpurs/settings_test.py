"""Settings for the test suite: the production settings with a throw-away data dir and fast hashing."""

import os
import tempfile

# Each pytest-xdist worker (PYTEST_XDIST_WORKER=gw0, gw1, …) gets a data dir of its own: the workers
# inherit the controller's environment, and a shared dir would mean shared key files, uploads and
# exports between tests running at the same moment (decision 0053).
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("PUMPURS_TEST_DATA_DIR_WORKER") != _worker:
    os.environ["PUMPURS_DATA_DIR"] = tempfile.mkdtemp(prefix=f"pumpurs-test-{_worker}-")
    os.environ["PUMPURS_TEST_DATA_DIR_WORKER"] = _worker
os.environ.setdefault("PUMPURS_DATA_DIR", tempfile.mkdtemp(prefix="pumpurs-test-"))
os.environ.setdefault("PUMPURS_HTTPS", "0")
# Tests sign personas in with force_login; the second factor has its own tests, which turn it on.
os.environ.setdefault("PUMPURS_SECOND_FACTOR", "0")

from pumpurs.settings import *  # noqa: E402, F403 — the test settings are the real ones plus the overrides below

# Hashing cost is not what the tests measure.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# An on-disk SQLite test database, so that a separate worker process can share it.
if str(DATABASES["default"]["ENGINE"]).endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
