"""Shared fixtures: the persona world (pumpurs/world/personas.py) and the import command."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from pumpurs.world.personas import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def run_import(tmp_path: Path) -> Callable[..., tuple[int, dict[str, Any]]]:
    """Run ``pumpurs import`` with --json and return (exit code, parsed summary)."""

    def run(kind: str, path: Path, *args: str) -> tuple[int, dict[str, Any]]:
        out = StringIO()
        code = 0
        try:
            call_command("import", kind, str(path), "--json", *args, stdout=out)
        except SystemExit as exc:
            code = int(exc.code or 0)
        return code, json.loads(out.getvalue())

    return run
