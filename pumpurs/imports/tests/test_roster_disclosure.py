"""What a roster tells a school about a personal code outside its scope (issue 17, M7): no more
than the code search does — except the one refusal it cannot avoid, that a pupil enrolled at
another school is not theirs to move. Whether a code is registered at all, what names the record
holds, and another school's dates stay unsaid.

Story: Jānis Bērziņš left Tirzas pamatskola; Līga Bērza (Lizuma) registers a newcomer with his
code — under his names, under other names — and a newcomer whose code nobody has registered."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pumpurs.imports.tests.conftest import write_csv
from pumpurs.imports.tests.test_kinds import ROSTER_HEADER
from pumpurs.people.models import Enrolment
from pumpurs.people.personal_code import synthetic_code
from pumpurs.world.personas import World


def answer(run_import, path: Path, *args: str) -> tuple[int, dict[str, object]]:
    code, summary = run_import("pupils", path, "--user", "liga.berza", *args)
    return code, {key: summary[key] for key in ("status", "created", "updated", "unchanged", "errors")}


def row(code: str, first: str, last: str, born: dt.date, *extra: object) -> list[object]:
    return [code, first, last, born.strftime("%d.%m.%Y"), "V", "T-LIZUMS", "7.a", 7, *extra]


def test_a_former_pupil_of_another_school_answers_like_an_unknown_code(
    world: World, run_import, tmp_path: Path, today: dt.date
) -> None:
    janis = world.pupil_tirzas
    Enrolment.objects.filter(pupil=janis, ends_on__isnull=True).update(
        ends_on=today - dt.timedelta(days=30), end_reason=Enrolment.EndReason.LEFT
    )
    unknown = synthetic_code(janis.birth_date, 977)
    files = {
        "his names": row(janis.personal_code, janis.first_name, janis.last_name, janis.birth_date),
        "other names": row(janis.personal_code, "Kārlis", "Ozols", janis.birth_date),
        "unknown code": row(unknown, "Kārlis", "Ozols", janis.birth_date),
    }
    answers = {
        name: answer(run_import, write_csv(tmp_path / f"{name}.csv", [ROSTER_HEADER, cells]), "--dry-run")
        for name, cells in files.items()
    }
    expected = (0, {"status": "dry-run", "created": 1, "updated": 0, "unchanged": 0, "errors": []})
    assert answers == dict.fromkeys(files, expected)


def test_another_schools_dates_are_not_quoted(world: World, run_import, tmp_path: Path, today: dt.date) -> None:
    janis = world.pupil_tirzas
    ended = today - dt.timedelta(days=3)
    Enrolment.objects.filter(pupil=janis, ends_on__isnull=True).update(
        ends_on=ended, end_reason=Enrolment.EndReason.LEFT
    )
    header = [*ROSTER_HEADER, "uzņemts_no"]
    cells = row(janis.personal_code, janis.first_name, janis.last_name, janis.birth_date, ended.isoformat())
    code, summary = answer(run_import, write_csv(tmp_path / "r.csv", [header, cells]), "--dry-run")
    assert code == 1
    assert [e["code"] for e in summary["errors"]] == ["enrolment_overlap"]
    message = summary["errors"][0]["message"]
    assert ended.isoformat() not in message
    assert ended.strftime("%d.%m.%Y") not in message


def test_a_pupil_enrolled_elsewhere_is_refused_without_naming_the_school(
    world: World, run_import, tmp_path: Path
) -> None:
    janis = world.pupil_tirzas
    cells = row(janis.personal_code, janis.first_name, janis.last_name, janis.birth_date)
    code, summary = answer(run_import, write_csv(tmp_path / "r.csv", [ROSTER_HEADER, cells]), "--dry-run")
    assert code == 1
    assert [e["code"] for e in summary["errors"]] == ["pupil_out_of_scope"]
    assert "Tirza" not in summary["errors"][0]["message"]
