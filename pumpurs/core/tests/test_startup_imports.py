"""Start-up stays light: ``django.setup()`` and the URL conf (what every command's URL checks and
every web process load) import none of the numerical libraries. They cost seconds of each start
under load (docs/performance.md) and only a few functions need them, which import them inside."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("numpy", "pandas", "scipy", "statsmodels", "openpyxl", "polars")

LOAD = """
import json, sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # the URL conf and every app's urls, as the URL checks load them
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in json.loads(sys.argv[1]))))
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PUMPURS_", "DATABASE_URL", "DJANGO_"))}
    data_dir: Path = tmp_path_factory.mktemp("startup")
    env.update(PUMPURS_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="pumpurs.settings")
    done = subprocess.run(
        [sys.executable, "-c", LOAD, json.dumps(HEAVY)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return {name.split(".")[0] for name in json.loads(done.stdout.splitlines()[-1])}


@pytest.mark.parametrize("library", HEAVY)
def test_setup_and_the_url_conf_do_not_import(loaded: set[str], library: str) -> None:
    assert library not in loaded
