"""Strict environment helpers: a bad value stops start-up with a message that says how to fix it."""

from __future__ import annotations

import os
import re
import secrets
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_percent(name: str, default: str) -> Decimal:
    """A share in percent, 0–100 with at most two decimal places (``"85"``, ``"84.99"``)."""
    raw = os.environ.get(name, default)
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None
    if not value.is_finite() or not (0 <= value <= 100) or value != value.quantize(Decimal("0.01")):
        raise ImproperlyConfigured(f"{name}={raw!r} must be a percentage from 0 to 100 with at most two decimals.")
    return value.quantize(Decimal("0.01"))


def env_choice(name: str, default: str, *, choices: set[str]) -> str:
    """One of ``choices`` (compared in upper case, as log levels are written)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().upper()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} must be one of {', '.join(sorted(choices))}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_mapping(name: str, default: dict[str, str], *, allowed_values: set[str]) -> dict[str, str]:
    """``KEY=value,KEY2=value2`` with every value from ``allowed_values``."""
    raw = os.environ.get(name)
    if raw is None:
        return dict(default)
    mapping: dict[str, str] = {}
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or value.strip() not in allowed_values:
            raise ImproperlyConfigured(
                f"{name}: {item!r} must look like code=category with category one of {', '.join(sorted(allowed_values))}."
            )
        mapping[key.strip().casefold()] = value.strip()
    return mapping


_SCHEDULE_TIME = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")
_SCHEDULE_EVERY = re.compile(r"\*/(\d{1,4})")


def schedule_value_valid(value: str) -> bool:
    """``HH:MM`` (daily, local time), ``*/N`` (every N minutes, 1–1440) or ``off``."""
    if value == "off" or _SCHEDULE_TIME.fullmatch(value):
        return True
    every = _SCHEDULE_EVERY.fullmatch(value)
    return every is not None and 1 <= int(every.group(1)) <= 1440


def env_schedule(name: str, default: dict[str, str]) -> dict[str, str]:
    """``job=HH:MM,job2=*/10,job3=off``: the jobs named override ``default``, the others keep it.
    An unknown job or a malformed time stops start-up."""
    raw = os.environ.get(name)
    schedule = dict(default)
    if raw is None:
        return schedule
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        key, sep, value = (piece.strip() for piece in item.partition("="))
        if not sep or key not in default or not schedule_value_valid(value):
            raise ImproperlyConfigured(
                f"{name}: {item!r} must look like job=HH:MM, job=*/N (minutes, 1-1440) or job=off, "
                f"with job one of {', '.join(sorted(default))}."
            )
        schedule[key] = value
    return schedule


def env_secret(name: str, data_dir: Path, filename: str, *, min_length: int = 32, create: bool = True) -> str:
    """Read a secret from the environment, else from ``data_dir/filename``, else create that file.

    A generated secret is written with mode 0600 so that a restart keeps sessions and encrypted
    data readable. A secret that is set but too short stops start-up: a weak key is worse than none.
    With ``create=False`` (``pumpurs check``) a missing file stays missing: the run gets a
    temporary secret, so that checking an installation never changes it.
    """
    raw = os.environ.get(name)
    if raw is not None:
        if len(raw.strip()) < min_length:
            raise ImproperlyConfigured(
                f"{name} is set but shorter than {min_length} characters; "
                f"unset it to have one generated into {data_dir / filename}, or set a longer value."
            )
        return raw.strip()
    path = data_dir / filename
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if len(value) < min_length:
            raise ImproperlyConfigured(
                f"{path} holds a secret shorter than {min_length} characters; delete it to regenerate."
            )
        return value
    value = secrets.token_urlsafe(48)
    if not create:
        return value
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


def database_config(url: str, *, sqlite_busy_seconds: int = 30, pg_temp_buffers: str = "256MB") -> dict[str, object]:
    """Parse DATABASE_URL; only SQLite and PostgreSQL are supported. On SQLite a writer waits up
    to ``sqlite_busy_seconds`` for another's transaction (an import's) instead of failing with
    "database is locked". On PostgreSQL each session may keep ``pg_temp_buffers`` of temporary
    tables in memory (the server's default is 8 MB; empty: leave it): the imports' rollup upkeep
    and the indicator refresh build temporary tables of one row per pupil — 48 MB at 250 000
    pupils — and rewriting one that does not fit went to disk (the daily upkeep 5.0 → 3.2 s at
    250 000, docs/performance.md). Memory is taken only as temporary tables fill it, and a
    session's setting takes effect only at its connection (it cannot change after the first
    temporary table), so it is a connection option."""
    import dj_database_url

    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with sqlite:/// or postgresql:// (got scheme {scheme!r}). "
            "Example: postgresql://user:password@127.0.0.1:5432/pumpurs"
        )
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL could not be parsed: {exc}") from None
    if scheme == "sqlite":
        if not config.get("NAME") or config["NAME"] == ":memory:":
            raise ImproperlyConfigured(
                "DATABASE_URL for SQLite needs a file path, e.g. sqlite:////var/lib/pumpurs/db.sqlite3"
            )
        # WAL lets readers work while the worker writes; IMMEDIATE avoids lock upgrades mid-transaction.
        # The busy timeout comes first so that even the journal-mode pragma waits rather than fails,
        # and the driver's own timeout says the same.
        busy_ms = max(0, sqlite_busy_seconds) * 1000
        config["OPTIONS"] = {
            "init_command": (
                f"PRAGMA busy_timeout={busy_ms}; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": max(0, sqlite_busy_seconds),
        }
    else:
        if not config.get("NAME"):
            raise ImproperlyConfigured(
                "DATABASE_URL for PostgreSQL must name a database, e.g. postgresql://127.0.0.1:5432/pumpurs"
            )
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
        if pg_temp_buffers:
            options = dict(config.get("OPTIONS") or {})  # type: ignore[call-overload]
            given = str(options.get("options", "")).strip()  # a URL's own ?options=… are kept
            options["options"] = f"{given} -c temp_buffers={pg_temp_buffers}".strip()
            config["OPTIONS"] = options
    return config
