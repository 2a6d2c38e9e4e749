"""`pumpurs import` and `pumpurs serve` start with every system check but the model and database
ones (core.startup): those took ~20 s of an import's start under load, and on SQLite the model
checks wait out another process's write lock. Both commands share the one list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import Error, Tags
from django.core.checks.registry import registry
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError


def _model_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    return [Error("the model check ran", id="startup_test.E001")]


def _other_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    return [Error("the startup check ran", id="startup_test.E002")]


@pytest.fixture
def failing_checks() -> Iterator[None]:
    registry.register(_model_check, Tags.models)
    registry.register(_other_check, "startup_test")
    yield
    registry.registered_checks.discard(_model_check)
    registry.registered_checks.discard(_other_check)


@pytest.mark.parametrize("command", ["import", "serve"])
def test_start_up_runs_every_check_but_the_model_ones(
    db: None, failing_checks: None, tmp_path: Path, command: str
) -> None:
    args = ["attendance", str(tmp_path / "missing.csv")] if command == "import" else ["--addr", "127.0.0.1:1"]
    with pytest.raises(SystemCheckError) as refused:
        call_command(command, *args, skip_checks=False)
    assert "the startup check ran" in str(refused.value)
    assert "the model check ran" not in str(refused.value)


def test_skip_checks_skips_them_all(db: None, failing_checks: None, tmp_path: Path) -> None:
    """``call_command`` skips checks unless told not to: the command then goes on to its own refusal."""
    with pytest.raises(CommandError, match=r"missing\.csv"):
        call_command("import", "attendance", str(tmp_path / "missing.csv"))
