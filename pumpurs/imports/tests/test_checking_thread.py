"""The importer's pupils are read while the checking thread reads the first batch (decision 0059):
a failure of that query ends the import with its own error and leaves no checking thread behind."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pumpurs.imports.context import ImportContext
from pumpurs.imports.engine import run_import
from pumpurs.imports.readers import open_source
from pumpurs.imports.services import import_operator
from pumpurs.imports.tests.conftest import write_csv
from pumpurs.imports.tests.test_attendance import rows_for
from pumpurs.imports.tests.test_context_pupils import Unreadable
from pumpurs.journal.models import AttendanceDay
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def _checking_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "pumpurs-import-validate" and t.is_alive()]


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_failed_pupils_query_ends_the_import_and_its_checking_thread(
    world: World, tmp_path: Path, dry_run: bool
) -> None:
    path = write_csv(tmp_path / "a.csv", rows_for(world))
    ctx = ImportContext.build(
        actor=import_operator(institution=None), today=world.today, institution=None, pupils=Unreadable()
    )
    with pytest.raises(ConnectionError):
        run_import(kind="attendance", source=open_source(path, tmpdir=tmp_path), ctx=ctx, dry_run=dry_run)
    for thread in _checking_threads():
        thread.join(timeout=10)
    assert _checking_threads() == []
    assert not AttendanceDay.objects.exists()
