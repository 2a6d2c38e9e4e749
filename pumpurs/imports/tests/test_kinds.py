"""Grades, incidents, rosters and institutions: clean files, bad rows, idempotence, scope."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pumpurs.imports.tests.conftest import write_csv, write_xlsx
from pumpurs.imports.tests.test_attendance import school_days
from pumpurs.journal.models import Grade, Incident
from pumpurs.people.models import ClassGroup, Enrolment, Guardian, Institution, Pupil
from pumpurs.people.personal_code import synthetic_code
from pumpurs.world.personas import World

GRADE_HEADER = ["personas_kods", "priekšmets", "semestris", "datums", "vērtējums", "veids"]


def test_grades_of_every_value_kind(world: World, run_import, tmp_path: Path) -> None:
    anna = world.pupil_lizuma.personal_code
    d1, d2, d3 = (d.isoformat() for d in school_days(world, 3))
    rows = [
        GRADE_HEADER,
        [anna, "Matemātika", "1", d1, "7", "ikdienas"],
        [anna, "matematika", "1", d2, "nv", "ongoing"],
        [anna, "Latviešu valoda", "I", d1, "ieskaitīts", "ikdienas"],
        [anna, "Fizika", "1", d1, "neieskaitits", "ongoing"],
        [anna, "Sports un veselība", "1", d3, "A", "ongoing"],
    ]
    code, summary = run_import("grades", write_xlsx(tmp_path / "g.xlsx", rows))
    assert (code, summary["status"], summary["created"]) == (0, "applied", 5), summary["errors"]
    got = sorted(Grade.objects.values_list("value_kind", "score", "level"))
    assert got == [("failed", None, ""), ("level", None, "A"), ("nv", None, ""), ("passed", None, ""), ("score", 7, "")]
    code, again = run_import("grades", write_xlsx(tmp_path / "g2.xlsx", rows))
    assert (again["created"], again["unchanged"]) == (0, 5)


def test_bad_grades_are_named(world: World, run_import, tmp_path: Path) -> None:
    anna = world.pupil_lizuma.personal_code
    d1 = school_days(world, 1)[0].isoformat()
    rows = [
        GRADE_HEADER,
        [anna, "Matemātika", "1", d1, "11", "ikdienas"],
        [anna, "Alķīmija", "1", d1, "7", "ikdienas"],
        [anna, "Matemātika", "3", d1, "7", "ikdienas"],
        [anna, "Matemātika", "1", d1, "7", "mēneša"],
        [anna, "Matemātika", "1", d1, "0", "ikdienas"],
    ]
    code, summary = run_import("grades", write_csv(tmp_path / "g.csv", rows, delimiter=";"))
    assert code == 1
    assert {(e["row"], e["column"], e["code"]) for e in summary["errors"]} == {
        (2, "grade", "grade_invalid"),
        (3, "subject", "subject_unknown"),
        (4, "period", "period_invalid"),
        (5, "kind", "grade_kind_invalid"),
        (6, "grade", "grade_invalid"),
    }
    assert Grade.objects.count() == 0


def test_incidents_are_keyed_by_pupil_date_and_category(world: World, run_import, tmp_path: Path) -> None:
    anna = world.pupil_lizuma.personal_code
    d1 = school_days(world, 1)[0].isoformat()
    header = ["personal_code", "date", "category", "severity", "description"]
    first = [header, [anna, d1, "Mācību stundas traucēšana", "vidēja", "Traucēja matemātikas stundu."]]
    assert run_import("incidents", write_csv(tmp_path / "i.csv", first))[1]["created"] == 1
    corrected = [header, [anna, d1, "Mācību stundas traucēšana", "augsta", "Traucēja stundu atkārtoti."]]
    code, summary = run_import("incidents", write_csv(tmp_path / "i2.csv", corrected))
    assert (code, summary["updated"], summary["created"]) == (0, 1, 0)
    assert Incident.objects.get().severity == "high"
    bad = [header, [anna, d1, "X", "ļoti", ""]]
    assert run_import("incidents", write_csv(tmp_path / "i3.csv", bad))[1]["errors"][0]["code"] == "severity_invalid"


ROSTER_HEADER = [
    "personas_kods",
    "vārds",
    "uzvārds",
    "dzimšanas_datums",
    "dzimums",
    "iestādes_kods",
    "klase",
    "klašu_grupa",
]


def roster_row(
    world: World, serial: int, first: str, last: str, klass: str, grade: int, school: str = "T-LIZUMS"
) -> list[object]:
    born = dt.date(world.year.starts_on.year - 6 - grade, 4, 2)
    return [synthetic_code(born, serial), first, last, born.strftime("%d.%m.%Y"), "S", school, klass, grade]


def test_roster_creates_pupils_and_missing_classes_then_moves_with_history(
    world: World, run_import, tmp_path: Path
) -> None:
    rows = [
        [*ROSTER_HEADER, "vecāka_vārds", "radniecība", "tālrunis"],
        [*roster_row(world, 901, "Elīna", "Krūmiņa", "7.a", 7), "Ieva Krūmiņa", "māte", "+371 20000001"],
        [*roster_row(world, 902, "Sanita", "Ābola", "9.a", 9), "", "", ""],
    ]
    code, summary = run_import("pupils", write_csv(tmp_path / "r.csv", rows, encoding="cp1257"), "--user", "liga.berza")
    assert (code, summary["status"], summary["created"]) == (0, "applied", 2), summary["errors"]
    elina = Pupil.objects.get(first_name="Elīna")
    assert elina.enrolments.get().class_group == world.lizuma_7a
    assert Guardian.objects.get(pupil=elina).relation == "mother"
    assert ClassGroup.objects.filter(institution=world.lizuma, name="9.a", grade=9).exists()
    again = run_import("pupils", write_csv(tmp_path / "r.csv", rows, encoding="cp1257"), "--user", "liga.berza")[1]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    rows[1][6], rows[1][7] = "8.a", 8
    moved = run_import("pupils", write_csv(tmp_path / "r2.csv", rows), "--user", "liga.berza")[1]
    assert (moved["status"], moved["updated"], moved["unchanged"]) == ("applied", 1, 1)
    history = list(Enrolment.objects.filter(pupil=elina).order_by("starts_on"))
    assert [(e.class_group.name, e.end_reason) for e in history] == [("7.a", "class_changed"), ("8.a", "")]
    assert history[1].starts_on == max(world.today, history[0].starts_on + dt.timedelta(days=1))
    rows[1][7] = 9  # 8.a is a grade-8 class: a row that disagrees is refused
    refused = run_import("pupils", write_csv(tmp_path / "r3.csv", rows), "--user", "liga.berza")[1]
    assert [(e["row"], e["code"]) for e in refused["errors"]] == [(2, "grade_mismatch")]


def test_roster_refuses_pupils_and_schools_outside_scope(world: World, run_import, tmp_path: Path) -> None:
    tirzas_code = world.pupil_tirzas.personal_code
    born = world.pupil_tirzas.birth_date
    rows = [
        ROSTER_HEADER,
        [tirzas_code, "Jānis", "Bērziņš", born.isoformat(), "V", "T-LIZUMS", "7.a", 7],
        roster_row(world, 903, "Anete", "Ozola", "7.a", 7, school="T-TIRZA"),
        [synthetic_code(born, 904), "Bez", "Datuma", "", "", "T-LIZUMS", "7.a", 7],
    ]
    code, summary = run_import("pupils", write_csv(tmp_path / "r.csv", rows), "--user", "liga.berza")
    assert code == 1
    assert {(e["row"], e["column"], e["code"]) for e in summary["errors"]} == {
        (2, "personal_code", "pupil_out_of_scope"),
        (3, "institution_code", "institution_unknown"),
        (4, "birth_date", "date_format"),
    }
    assert world.pupil_tirzas.enrolments.get().class_group == world.tirzas_7a


def test_institutions_upsert_by_registration_number(world: World, run_import, tmp_path: Path) -> None:
    header = ["reģistrācijas_numurs", "nosaukums", "veids", "pašvaldība", "dibinātājs", "klases"]
    rows = [
        header,
        ["DEMO-NEW-1", "Jaunā pamatskola", "vispārējās", "Gulbenes novads", "Gulbenes novada pašvaldība", "1-9"],
        ["DEMO-NEW-2", "Jaunā tehnikums", "profesionālā", "Rēzekne", "", "1-4"],
        ["T-LIZUMS", "Lizuma pamatskola", "general", "gulbenes-novads", "Gulbenes novada pašvaldība", "1-9"],
    ]
    code, summary = run_import("institutions", write_csv(tmp_path / "i.csv", rows))
    assert (code, summary["created"], summary["updated"], summary["unchanged"]) == (0, 2, 0, 1), summary["errors"]
    assert Institution.objects.get(code="DEMO-NEW-2").kind == "vocational"
    bad = [header, ["DEMO-NEW-3", "X", "universitāte", "Atlantīda", "", "1-15"]]
    code, summary = run_import("institutions", write_csv(tmp_path / "b.csv", bad))
    assert {e["code"] for e in summary["errors"]} == {"kind_invalid", "municipality_unknown", "grades_invalid"}
    code, summary = run_import("institutions", write_csv(tmp_path / "c.csv", rows), "--user", "liga.berza")
    assert (code, summary["errors"][0]["code"]) == (1, "not_allowed")
