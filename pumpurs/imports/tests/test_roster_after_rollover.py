"""After Lizuma's rollover into 2027/28 (in the summer), September's roster import agrees with it:
the pupils the rollover moved are found in their classes (unchanged), a class the rollover created
is not created twice, and a pupil the roster puts elsewhere moves — one open class each, never two."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pumpurs.imports.tests.conftest import write_csv
from pumpurs.people.models import ClassGroup, Enrolment, Pupil
from pumpurs.people.rollover import rollover_target, year_move_apply
from pumpurs.world.personas import CALENDAR_DAYS, World
from pumpurs.world.testing import RIGA, on_day

HEADER = ["personal_code", "first_name", "last_name", "birth_date", "gender", "institution_code", "class", "grade"]


def _row(pupil: Pupil, klass: str, grade: int) -> list[Any]:
    return [
        pupil.personal_code,
        pupil.first_name,
        pupil.last_name,
        pupil.birth_date,
        pupil.gender,
        "T-LIZUMS",
        klass,
        grade,
    ]


def _open(pupil: Pupil) -> list[tuple[str, str]]:
    return list(
        Enrolment.objects.filter(pupil=pupil, ends_on__isnull=True).values_list(
            "class_group__school_year__name", "class_group__name"
        )
    )


@on_day(CALENDAR_DAYS["mid_summer"], "mid_summer")
def test_the_new_years_roster_agrees_with_the_rollover(
    world: World, clock: Any, run_import: Callable[..., tuple[int, dict[str, Any]]], tmp_path: Path
) -> None:
    to_year = rollover_target("2027/28")
    year_move_apply(actor=world.coordinator_lizuma, institution=world.lizuma, to_year=to_year)
    clock.move_to(dt.datetime(2027, 9, 15, 10, tzinfo=RIGA))  # 2027/28 is under way

    same = write_csv(
        tmp_path / "saraksts.csv", [HEADER, _row(world.pupil_lizuma, "8.a", 8), _row(world.pupil_lizuma_8a, "9.a", 9)]
    )
    code, summary = run_import("pupils", same, "--user", world.coordinator_lizuma.username)
    assert (code, summary["status"], summary["unchanged"], summary["created"]) == (0, "applied", 2, 0)
    assert _open(world.pupil_lizuma) == [("2027/28", "8.a")]
    assert _open(world.pupil_lizuma_8a) == [("2027/28", "9.a")]
    assert ClassGroup.objects.filter(institution=world.lizuma, school_year=to_year, name="8.a").count() == 1

    # The school split 8.a over the summer: Anna is in 8.b from 15.09. She moves; one class still.
    moved = write_csv(
        tmp_path / "8b.csv", [[*HEADER, "enrolled_from"], [*_row(world.pupil_lizuma, "8.b", 8), "2027-09-15"]]
    )
    code, summary = run_import("pupils", moved, "--user", world.coordinator_lizuma.username)
    assert (code, summary["status"], summary["updated"]) == (0, "applied", 1)
    assert _open(world.pupil_lizuma) == [("2027/28", "8.b")]
    rolled = Enrolment.objects.get(pupil=world.pupil_lizuma, class_group__name="8.a", class_group__school_year=to_year)
    assert (rolled.ends_on, rolled.end_reason) == (dt.date(2027, 9, 14), "class_changed")
