"""DEVELOPERS.md lists every setting: a variable that settings.py reads and the table does not
name is a test failure, not a surprise for the operator (issue 11, item 8)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.PACKAGE_DIR).parent


def test_every_pumpurs_variable_settings_reads_is_in_the_developers_table() -> None:
    read = set(
        re.findall(r'"(PUMPURS_[A-Z_]+|DATABASE_URL)"', (Path(settings.PACKAGE_DIR) / "settings.py").read_text())
    )
    documented = set(re.findall(r"`(PUMPURS_[A-Z_]+|DATABASE_URL)`", (ROOT / "DEVELOPERS.md").read_text()))
    assert len(read) > 20
    assert read - documented == set(), "add these to DEVELOPERS.md's configuration table"
