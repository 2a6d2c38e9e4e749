"""Rosters read column by column (issue 18, item 6): each distinct value of a column is read once
and joined back onto every row, and a dry run checks every rule without writing — the answers are
those of the row-by-row reading they replace: the same codes, rows, columns and messages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import translation

from pumpurs.audit.models import AuditEvent
from pumpurs.imports.models import ImportBatch
from pumpurs.imports.tests.conftest import write_csv
from pumpurs.imports.tests.test_kinds import ROSTER_HEADER, roster_row
from pumpurs.people.models import ClassGroup, Enrolment, Guardian, Institution, Pupil
from pumpurs.world.personas import World

GUARDIAN = ["vecāka_vārds", "radniecība", "uzņemts_no"]


def counts() -> tuple[int, ...]:
    return (
        Pupil.objects.count(),
        Enrolment.objects.count(),
        Guardian.objects.count(),
        ClassGroup.objects.count(),
        Institution.objects.count(),
        AuditEvent.objects.filter(action__startswith="people.").count(),
    )


def test_a_dry_run_checks_and_counts_but_writes_nothing(world: World, run_import, tmp_path: Path) -> None:
    rows = [
        [*ROSTER_HEADER, *GUARDIAN],
        [*roster_row(world, 911, "Elīna", "Krūmiņa", "9.x", 9), "Ieva Krūmiņa", "māte", ""],
        [*roster_row(world, 912, "Sanita", "Ābola", "7.a", 7), "", "", ""],
    ]
    before = counts()
    code, summary = run_import("pupils", write_csv(tmp_path / "r.csv", rows), "--user", "liga.berza", "--dry-run")
    assert (code, summary["status"], summary["created"], summary["errors"]) == (0, "dry-run", 2, [])
    assert counts() == before
    # What the import would do is said all the same: the class it would create.
    assert ImportBatch.objects.latest("created_at").notes == ["Klase 9.x izveidota skolā Lizuma pamatskola."]


def test_every_unreadable_cell_is_reported_on_every_row_that_has_it(
    world: World, run_import, tmp_path: Path, today: dt.date
) -> None:
    good = roster_row(world, 913, "Anete", "Ozola", "7.a", 7)
    bad = [good[0], "Anete", "Ozola", "31.02.2012", "X", "NAV-TADAS", "7.a", "septītā"]
    future = (today + dt.timedelta(days=400)).isoformat()
    rows = [
        [*ROSTER_HEADER, *GUARDIAN],
        [*bad, "Ieva Ozola", "kaimiņiene", "rīt"],
        [*roster_row(world, 914, "Marta", "Liepa", "7.a", 7), "", "kaimiņiene", ""],  # no guardian: no relation
        [*roster_row(world, 915, "Elza", "Zariņa", "7.a", 7)[:3], future, "S", "T-LIZUMS", "7.a", 7, "", "", ""],
        [roster_row(world, 917, "Anete", "Ozola", "7.a", 7)[0], *bad[1:], "", "", ""],  # the same cells: again
    ]
    before = counts()
    with translation.override("en"):
        code, summary = run_import("pupils", write_csv(tmp_path / "r.csv", rows), "--user", "liga.berza")
    assert code == 1
    assert counts() == before
    errors = [(e["row"], e["column"], e["code"]) for e in summary["errors"]]
    assert errors == [
        (2, "birth_date", "date_format"),
        (2, "enrolled_from", "date_invalid"),
        (2, "gender", "gender_invalid"),
        (2, "grade", "grade_out_of_range"),
        (2, "guardian_relation", "relation_invalid"),
        (2, "institution_code", "institution_unknown"),
        (4, "birth_date", "birth_date_implausible"),
        (5, "birth_date", "date_format"),
        (5, "gender", "gender_invalid"),
        (5, "grade", "grade_out_of_range"),
        (5, "institution_code", "institution_unknown"),
    ]
    messages = {(e["row"], e["column"]): e["message"] for e in summary["errors"]}
    assert messages[(2, "birth_date")] == "'31.02.2012' is not a date: write it as 2012-03-31 or 31.03.2012."
    assert messages[(2, "grade")] == "'septītā' is not a grade this school teaches."
    assert messages[(2, "institution_code")] == (
        "'NAV-TADAS' is not the registration number of a school you may import for."
    )
    assert messages[(4, "birth_date")] == (
        f"{future} cannot be a pupil's birth date: it is in the future or more than 100 years ago."
    )


def test_the_messages_are_latvian_on_a_latvian_run(world: World, run_import, tmp_path: Path) -> None:
    row = roster_row(world, 916, "Anete", "Ozola", "7.a", 7)
    row[4] = "X"
    with translation.override("lv"):
        code, summary = run_import(
            "pupils", write_csv(tmp_path / "r.csv", [ROSTER_HEADER, row]), "--user", "liga.berza"
        )
    assert code == 1
    [error] = summary["errors"]
    assert error["code"] == "gender_invalid"
    assert error["message"] == "'X' nav dzimuma kods: lietojiet S vai V (F vai M) vai atstājiet tukšu."


def test_an_institutions_dry_run_counts_without_writing(world: World, run_import, tmp_path: Path) -> None:
    header = ["reģistrācijas_numurs", "nosaukums", "veids", "pašvaldība", "dibinātājs", "klases"]
    rows = [
        header,
        ["DEMO-NEW-1", "Jaunā pamatskola", "vispārējās", "Gulbenes novads", "", "1-9"],
        ["T-LIZUMS", "Lizuma pamatskola (jaunais nosaukums)", "general", "gulbenes-novads", "", "1-9"],
    ]
    before = counts()
    name_before = Institution.objects.get(code="T-LIZUMS").name
    code, summary = run_import("institutions", write_csv(tmp_path / "i.csv", rows), "--dry-run")
    assert (code, summary["status"], summary["created"], summary["updated"]) == (0, "dry-run", 1, 1)
    assert counts() == before
    assert Institution.objects.get(code="T-LIZUMS").name == name_before
