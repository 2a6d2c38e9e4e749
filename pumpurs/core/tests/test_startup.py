"""Start-up refuses bad configuration with one clear line, and generates missing secrets safely."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from pumpurs.core.env import database_config, env_bool, env_int, env_secret


def run_pumpurs(tmp_path: Path, *args: str, command: str = "check", **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PUMPURS_", "DATABASE_URL", "DJANGO_"))}
    clean.update({"PUMPURS_DATA_DIR": str(tmp_path)}, **env)
    return subprocess.run(
        [sys.executable, "-m", "pumpurs.cli", command, *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "words"),
    [
        (
            {"DATABASE_URL": "mysql://root@localhost/pumpurs"},
            "DATABASE_URL must start with sqlite:/// or postgresql://",
        ),
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL must start with"),
        ({"DATABASE_URL": "postgresql://127.0.0.1:5432"}, "must name a database"),
        ({"PUMPURS_SECRET_KEY": "short"}, "PUMPURS_SECRET_KEY is set but shorter than"),
        ({"PUMPURS_FIELD_KEY": "short"}, "PUMPURS_FIELD_KEY is set but shorter than"),
        ({"PUMPURS_DEBUG": "maybe"}, "PUMPURS_DEBUG='maybe' is not a boolean"),
        (
            {"PUMPURS_LOG_LEVEL": "loud"},
            "PUMPURS_LOG_LEVEL='loud' must be one of CRITICAL, DEBUG, ERROR, INFO, WARNING",
        ),
    ],
)
def test_bad_configuration_stops_startup_with_a_clear_message(tmp_path: Path, env: dict[str, str], words: str) -> None:
    result = run_pumpurs(tmp_path, **env)
    assert result.returncode == 2, result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_check_never_creates_keys(tmp_path: Path) -> None:
    """Checking an installation (perhaps one whose keys are set in the environment elsewhere) must
    not leave generated keys behind that a later start would silently use."""
    result = run_pumpurs(tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "secret_key").exists()
    assert not (tmp_path / "field_key").exists()
    assert run_pumpurs(tmp_path, "--deploy", PUMPURS_ALLOWED_HOSTS="pumpurs.example.lv").returncode in {0, 1}
    assert not (tmp_path / "secret_key").exists()


def test_default_start_generates_secrets_with_private_permissions(tmp_path: Path) -> None:
    result = run_pumpurs(tmp_path, command="diffsettings")
    assert result.returncode == 0, result.stderr
    for name in ("secret_key", "field_key"):
        path = tmp_path / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert len(path.read_text().strip()) >= 32
    first = (tmp_path / "secret_key").read_text()
    assert run_pumpurs(tmp_path, command="diffsettings").returncode == 0
    assert (tmp_path / "secret_key").read_text() == first, "a restart must reuse the generated secret"


def test_env_helpers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("X_BOOL", "Yes")
    assert env_bool("X_BOOL", False) is True
    monkeypatch.setenv("X_INT", "12x")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_SECRET", "s" * 40)
    assert env_secret("X_SECRET", tmp_path, "unused") == "s" * 40
    assert not (tmp_path / "unused").exists()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    config = database_config(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    options = config["OPTIONS"]
    assert isinstance(options, dict)
    assert "journal_mode=WAL" in options["init_command"]
    assert "foreign_keys=ON" in options["init_command"]
    # The wait comes first, so that even the journal-mode pragma waits for an import's write.
    assert options["init_command"].startswith("PRAGMA busy_timeout=30000;")
    assert options["timeout"] == 30
    short = database_config(f"sqlite:///{tmp_path / 'x.sqlite3'}", sqlite_busy_seconds=2)["OPTIONS"]
    assert isinstance(short, dict)
    assert short["timeout"] == 2


def test_postgresql_sessions_keep_their_temporary_tables_in_memory() -> None:
    """The rollup upkeep and the refresh build temporary tables of a row per pupil: each session
    may keep 256 MB of them in memory (the server's default 8 MB sent them to disk), options the
    URL gives are kept, and an empty setting leaves the server's."""
    config = database_config("postgresql://u@127.0.0.1:5432/pumpurs")
    assert config["OPTIONS"] == {"options": "-c temp_buffers=256MB"}
    given = database_config(
        "postgresql://u@127.0.0.1:5432/pumpurs?options=-c%20search_path%3Dx", pg_temp_buffers="64MB"
    )
    assert given["OPTIONS"] == {"options": "-c search_path=x -c temp_buffers=64MB"}
    assert "OPTIONS" not in database_config("postgresql://u@127.0.0.1:5432/pumpurs", pg_temp_buffers="")


def test_debug_is_off_by_default() -> None:
    from django.conf import settings

    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.X_FRAME_OPTIONS == "DENY"


def test_production_defaults_pass_the_deployment_checklist(tmp_path: Path) -> None:
    result = run_pumpurs(tmp_path, "--deploy", "--fail-level", "WARNING", PUMPURS_ALLOWED_HOSTS="pumpurs.example.lv")
    assert result.returncode == 0, result.stderr + result.stdout
