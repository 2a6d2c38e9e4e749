"""``pumpurs import staff``: a coordinator loads a school's staff from a file, by the grant policy
(issue 12). Bad rows name their row and column, and a rejected file changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core import mail
from django.core.management.base import CommandError
from django.test import TestCase

from pumpurs.audit.models import AuditEvent
from pumpurs.imports.tests.conftest import write_csv
from pumpurs.people import access
from pumpurs.people.models import ClassGroup, Invitation, Role, RoleGrant, User
from pumpurs.world.personas import World

LV_HEADER = ["vārds", "uzvārds", "e-pasts", "loma", "iestādes_kods", "pašvaldības_kods", "speciālista_veids", "klase"]


def snapshot() -> str:
    tables = (User, RoleGrant, ClassGroup, Invitation)
    return json.dumps([list(m.objects.order_by("pk").values()) for m in tables], default=str, sort_keys=True)


def test_a_school_coordinator_loads_her_teachers_and_specialists(world: World, run_import, tmp_path: Path) -> None:
    rows = [
        LV_HEADER,
        ["Baiba", "Kalna", "Baiba.Kalna@lizums.lv", "Klases audzinātāja", "T-LIZUMS", "", "", "8.a"],
        ["Edgars", "Liepiņš", "edgars.liepins@lizums.lv", "speciālists", "T-LIZUMS", "", "logopēds", ""],
        # Ilze Ozola already works here; she also becomes the school's social pedagogue.
        ["Ilze", "Ozola", "ilze.ozola@lizums.lv", "specialist", "T-LIZUMS", "", "social_pedagogue", ""],
    ]
    world.teacher_lizuma.email = "ilze.ozola@lizums.lv"
    world.teacher_lizuma.save()
    with TestCase.captureOnCommitCallbacks(execute=True):
        code, summary = run_import("staff", write_csv(tmp_path / "s.csv", rows), "--user", "liga.berza")
    assert (code, summary["status"], summary["created"], summary["updated"]) == (0, "applied", 2, 1)
    baiba = User.objects.get(email="baiba.kalna@lizums.lv")
    assert not baiba.has_usable_password()
    assert ClassGroup.objects.get(pk=world.lizuma_8a.pk).class_teacher == baiba
    assert RoleGrant.objects.get(user__email="edgars.liepins@lizums.lv").specialist_kind == "speech_therapist"
    assert world.teacher_lizuma.role_grants.filter(role=Role.SPECIALIST).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["baiba.kalna@lizums.lv", "edgars.liepins@lizums.lv"]
    assert AuditEvent.objects.filter(action="people.staff.invited").count() == 2
    assert baiba in access.staff_of(world.lizuma)


def test_a_role_above_the_importer_is_refused_with_row_and_column(world: World, run_import, tmp_path: Path) -> None:
    before = snapshot()
    rows = [
        LV_HEADER,
        ["Baiba", "Kalna", "baiba.kalna@lizums.lv", "klases audzinātāja", "T-LIZUMS", "", "", ""],
        ["Juris", "Kļava", "juris.klava@lizums.lv", "direktors", "T-LIZUMS", "", "", ""],
        ["Inta", "Gulbe", "inta.gulbe@gulbene.lv", "pašvaldības koordinators", "", "gulbenes-novads", "", ""],
    ]
    code, summary = run_import("staff", write_csv(tmp_path / "s.csv", rows), "--user", "liga.berza")
    assert (code, summary["status"]) == (1, "rejected")
    assert [(e["row"], e["column"], e["code"]) for e in summary["errors"]] == [
        (3, "role", "role_not_allowed"),
        (4, "municipality_code", "municipality_unknown"),
    ]
    assert snapshot() == before
    assert not mail.outbox


def test_a_lizuma_file_at_tirzas_is_refused_and_changes_nothing(world: World, run_import, tmp_path: Path) -> None:
    before = snapshot()
    rows = [LV_HEADER, ["Baiba", "Kalna", "baiba.kalna@tirza.lv", "klases audzinātāja", "T-TIRZA", "", "", "7.a"]]
    code, summary = run_import("staff", write_csv(tmp_path / "s.csv", rows), "--user", "liga.berza")
    assert code == 1
    [error] = summary["errors"]
    assert (error["row"], error["column"], error["code"]) == (2, "institution_code", "institution_unknown")
    assert snapshot() == before


def test_bad_cells_and_whole_file_conflicts(world: World, run_import, tmp_path: Path) -> None:
    world.teacher_lizuma_8a.email = "peteris.liepa@lizums.lv"
    world.teacher_lizuma_8a.is_active = False
    world.teacher_lizuma_8a.save()
    before = snapshot()
    rows = [
        LV_HEADER,
        ["A", "B", "nav-adrese", "klases audzinātāja", "T-LIZUMS", "", "", ""],
        ["C", "D", "c.d@lizums.lv", "ķēniņš", "T-LIZUMS", "", "", ""],
        ["E", "F", "e.f@lizums.lv", "speciālists", "T-LIZUMS", "", "", ""],
        ["G", "H", "g.h@lizums.lv", "klases audzinātājs", "T-LIZUMS", "", "", "7.a"],
        ["I", "J", "i.j@lizums.lv", "klases audzinātājs", "T-LIZUMS", "", "", "7.a"],
        ["K", "L", "k.l@lizums.lv", "klases audzinātājs", "T-LIZUMS", "", "", "12.z"],
        ["M", "N", "m.n@lizums.lv", "speciālists", "T-LIZUMS", "", "psihologs", "7.a"],
        ["Pēteris", "Liepa", "peteris.liepa@lizums.lv", "klases audzinātājs", "T-LIZUMS", "", "", ""],
    ]
    code, summary = run_import("staff", write_csv(tmp_path / "s.csv", rows), "--user", "liga.berza")
    assert code == 1
    assert [(e["row"], e["column"], e["code"]) for e in summary["errors"]] == [
        (2, "email", "email_invalid"),
        (3, "role", "role_invalid"),
        (4, "specialist_kind", "specialist_kind_invalid"),
        (6, "class", "class_twice"),
        (7, "class", "class_unknown"),
        (8, "class", "class_not_allowed"),
        (9, "email", "account_deactivated"),
    ]
    assert snapshot() == before


def test_the_operator_appoints_municipality_and_national_roles_dry_run_first(
    world: World, run_import, tmp_path: Path
) -> None:
    rows = [
        ["first_name", "last_name", "email", "role", "municipality_code"],
        ["Inta", "Gulbe", "inta.gulbe@gulbene.lv", "pašvaldības koordinatore", "gulbenes-novads"],
        ["Rita", "Sarga", "rita.sarga@ikvd.lv", "datu aizsardzības speciālists", ""],
    ]
    path = write_csv(tmp_path / "s.csv", rows)
    before = snapshot()
    code, summary = run_import("staff", path, "--dry-run")
    assert (code, summary["status"], summary["created"]) == (0, "dry-run", 2)
    assert snapshot() == before
    assert run_import("staff", path)[1]["created"] == 2
    inta = User.objects.get(email="inta.gulbe@gulbene.lv")
    assert inta.role_grants.get().municipality == world.gulbene
    # A municipality coordinator is not the operator: she cannot appoint her peers.
    code, summary = run_import("staff", path, "--user", "inese.gulbe")
    assert code == 1
    # (Her file runs with the school scope her grant gives: no municipality is hers to appoint in.)
    assert [(e["row"], e["column"], e["code"]) for e in summary["errors"]] == [
        (2, "municipality_code", "municipality_unknown"),
        (3, "role", "role_not_allowed"),
    ]


def test_the_municipality_coordinator_appoints_a_director_by_file(world: World, run_import, tmp_path: Path) -> None:
    rows = [LV_HEADER, ["Sandra", "Ozoliņa", "sandra.ozolina@tirza.lv", "direktore", "T-TIRZA", "", "", ""]]
    code, summary = run_import("staff", write_csv(tmp_path / "s.csv", rows), "--user", "inese.gulbe")
    assert (code, summary["created"]) == (0, 1)
    assert RoleGrant.objects.get(user__email="sandra.ozolina@tirza.lv").role == Role.DIRECTOR
    # Madona's school is not hers.
    rows[1][4] = "T-MADONA"
    rows[1][2] = "cits@madona.lv"
    code, summary = run_import("staff", write_csv(tmp_path / "m.csv", rows), "--user", "inese.gulbe")
    assert (code, summary["errors"][0]["code"]) == (1, "institution_unknown")


def test_a_teacher_may_not_import_staff(world: World, run_import, tmp_path: Path) -> None:
    rows = [LV_HEADER, ["Baiba", "Kalna", "baiba.kalna@lizums.lv", "klases audzinātāja", "T-LIZUMS", "", "", ""]]
    with pytest.raises(CommandError) as refused:
        run_import("staff", write_csv(tmp_path / "s.csv", rows), "--user", "ilze.ozola")
    assert refused.value.returncode == 2
    assert not User.objects.filter(email="baiba.kalna@lizums.lv").exists()
