"""The test settings give each pytest-xdist worker a data dir of its own (decision 0053): the
workers inherit the controller's environment, and a shared dir would mean shared key files,
uploads, exports and SQLite test databases between tests running at the same moment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PRINT_DATA_DIR = "from pumpurs import settings_test; print(settings_test.DATA_DIR)"


def data_dir_under(tmp_path: Path, **env: str) -> Path:
    """DATA_DIR as the test settings decide it in a fresh process with the given environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PUMPURS_", "DATABASE_URL", "PYTEST_XDIST"))}
    clean.update({"PUMPURS_DATA_DIR": str(tmp_path / "controller")}, **env)
    done = subprocess.run(
        [sys.executable, "-c", PRINT_DATA_DIR], env=clean, capture_output=True, text=True, timeout=120, check=True
    )
    return Path(done.stdout.strip())


def test_each_worker_has_its_own_data_dir_and_its_children_keep_it(tmp_path: Path) -> None:
    controller = data_dir_under(tmp_path)
    gw0 = data_dir_under(tmp_path, PYTEST_XDIST_WORKER="gw0")
    gw1 = data_dir_under(tmp_path, PYTEST_XDIST_WORKER="gw1")

    assert controller == (tmp_path / "controller").resolve()  # serial runs keep what they were given
    assert len({controller, gw0, gw1}) == 3
    assert gw0.name.startswith("pumpurs-test-gw0-")
    assert gw1.name.startswith("pumpurs-test-gw1-")

    # A process a test in gw0 starts (a server, a worker) inherits gw0's dir and keeps it.
    child = data_dir_under(
        tmp_path, PYTEST_XDIST_WORKER="gw0", PUMPURS_DATA_DIR=str(gw0), PUMPURS_TEST_DATA_DIR_WORKER="gw0"
    )
    assert child == gw0
