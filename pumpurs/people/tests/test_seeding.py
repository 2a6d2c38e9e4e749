"""`pumpurs seed`: the Gulbene demo is complete and real-shaped, and equal seeds give equal data."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import translation

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import (
    ClassGroup,
    Enrolment,
    Guardian,
    Institution,
    Municipality,
    Period,
    Pupil,
    RoleGrant,
    SchoolYear,
    User,
)
from pumpurs.people.personal_code import parse_personal_code
from pumpurs.people.seeding import demo_accounts
from pumpurs.people.seeding.gulbene import SCHOOLS
from pumpurs.world.testing import on_day

TODAY = "2026-11-28"  # school year 2026/27, which starts on 1 September 2026
# The tests run on the seed's day (conftest.py's clock), as a seed run that day would.
pytestmark = on_day(dt.date.fromisoformat(TODAY), "seed_day")
PEOPLE_MODELS: tuple[type[models.Model], ...] = (
    Municipality,
    Institution,
    SchoolYear,
    Period,
    ClassGroup,
    Pupil,
    Enrolment,
    Guardian,
    User,
    RoleGrant,
)
RUN_DEPENDENT = {"id", "created_at", "updated_at", "date_joined", "last_login"}


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are matched in English; the Latvian catalogue is tested elsewhere."""
    with translation.override("en"):
        yield


class Rollback(Exception):
    pass


def natural_keys() -> dict[type[models.Model], dict[int, Any]]:
    keys: dict[type[models.Model], dict[int, Any]] = {
        SchoolYear: dict(SchoolYear.objects.values_list("pk", "name")),
    }
    for model in (Municipality, Institution, ClassGroup, Pupil, User):
        keys[model] = dict(model.objects.values_list("pk", "public_id"))  # type: ignore[attr-defined]
    return keys


def canonical_dump() -> dict[str, list[tuple[Any, ...]]]:
    """Every people row, integer keys replaced by natural keys and personal codes decrypted."""
    keys = natural_keys()
    dump = {}
    for model in PEOPLE_MODELS:
        rows = []
        for obj in model.objects.all():  # type: ignore[attr-defined]
            row = []
            for field in model._meta.concrete_fields:
                if field.attname in RUN_DEPENDENT:
                    continue
                value = getattr(obj, field.attname)
                if field.is_relation and value is not None:
                    value = keys[field.related_model][value]
                elif field.attname == "personal_code_encrypted":
                    value = obj.personal_code
                row.append((field.attname, value))
            rows.append(tuple(row))
        dump[model.__name__] = sorted(rows, key=repr)
    return dump


def seed(**options: Any) -> None:
    # Facts (attendance, grades, incidents) have their own tests in pumpurs/journal/tests.
    call_command("seed", today=TODAY, stdout=io.StringIO(), no_facts=True, **options)


@pytest.fixture
def gulbene(db: None) -> None:
    seed(preset="gulbene", seed=7)


def test_gulbene_has_the_eight_real_schools_with_their_pupil_counts(gulbene: None) -> None:
    open_enrolments = Count("enrolments", filter=Q(enrolments__ends_on__isnull=True))
    counts = dict(Institution.objects.annotate(n=open_enrolments).values_list("name", "n"))
    assert counts == {school.name: school.pupils for school in SCHOOLS}
    assert counts["Gulbenes novada vidusskola"] == 1120
    assert counts["Gulbīša pamatskola"] == 57
    assert set(Institution.objects.values_list("municipality__code", flat=True)) == {"gulbenes-novads"}
    assert all(code.startswith("DEMO-") for code in Institution.objects.values_list("code", flat=True))


def test_gulbene_grades_fit_the_kind_of_school(gulbene: None) -> None:
    for school in Institution.objects.all():
        grades = set(ClassGroup.objects.filter(institution=school).values_list("grade", flat=True))
        expected = 12 if school.name.endswith("vidusskola") else 9
        assert grades == set(range(1, expected + 1)), school.name
        assert school.grade_max == expected
    sizes = ClassGroup.objects.annotate(n=Count("enrolments")).values_list("n", flat=True)
    assert max(sizes) <= 30
    assert min(sizes) > 0


def test_gulbene_pupils_have_valid_unique_codes_and_birth_dates_fitting_their_grade(gulbene: None) -> None:
    hashes = list(Pupil.objects.values_list("personal_code_hash", flat=True))
    assert len(hashes) == len(set(hashes)) == 1841
    new_format = 0
    for enrolment in Enrolment.objects.select_related("pupil", "class_group__school_year"):
        pupil, klass = enrolment.pupil, enrolment.class_group
        code = parse_personal_code(pupil.personal_code)
        if code.birth_date is None:
            new_format += 1
        else:
            assert code.birth_date == pupil.birth_date
        start = klass.school_year.starts_on.year
        assert pupil.birth_date.year in {start - 6 - klass.grade, start - 7 - klass.grade}
        assert enrolment.starts_on >= klass.school_year.starts_on
    assert new_format > 0  # pupils born after 1 July 2017
    genders = Counter(Pupil.objects.values_list("gender", flat=True))
    assert set(genders) == {"F", "M"}
    assert abs(genders["F"] - genders["M"]) < 200


def test_gulbene_names_agree_with_gender(gulbene: None) -> None:
    # Latvian masculine surnames end in -s or -š; the feminine forms never do.
    ending = Counter((gender, last[-1] in "sš") for gender, last in Pupil.objects.values_list("gender", "last_name"))
    assert ending[("F", True)] == 0
    assert ending[("M", True)] > ending[("M", False)]
    fathers = Guardian.objects.filter(relation=Guardian.Relation.FATHER).values_list("last_name", flat=True)
    assert all(
        not name.endswith(("a", "e")) or name in {"Liepa", "Priede", "Zvaigzne", "Bite", "Egle", "Ābele"}
        for name in fathers
    )


def test_gulbene_every_pupil_has_guardians_with_example_contacts(gulbene: None) -> None:
    assert not Pupil.objects.annotate(n=Count("guardians")).filter(n=0).exists()
    assert not Pupil.objects.annotate(n=Count("guardians")).filter(n__gt=2).exists()
    emails = [e for e in Guardian.objects.values_list("email", flat=True) if e]
    assert emails
    assert all(e.endswith("@example.lv") for e in emails)
    assert all(p.startswith("+371 2") and len(p) == 13 for p in Guardian.objects.values_list("phone", flat=True))
    cared_for = Guardian.objects.filter(out_of_family_care=True)
    assert 0 < cared_for.count() < 100
    assert set(cared_for.values_list("relation", flat=True)) <= {"guardian", "foster"}


def test_gulbene_every_class_has_a_class_teacher_of_that_school(gulbene: None) -> None:
    assert not ClassGroup.objects.filter(class_teacher__isnull=True).exists()
    for klass in ClassGroup.objects.select_related("class_teacher"):
        assert RoleGrant.objects.filter(
            user=klass.class_teacher, role="class_teacher", institution_id=klass.institution_id
        ).exists()
    for school in Institution.objects.all():
        roles = set(RoleGrant.objects.filter(institution=school).values_list("role", "specialist_kind"))
        assert {("director", ""), ("school_coordinator", ""), ("specialist", "psychologist")} <= roles
        assert ("specialist", "social_pedagogue") in roles


def test_gulbene_demo_accounts_exist_with_their_roles_and_password(gulbene: None) -> None:
    expected_roles = {
        "lizums.audzinataja": "class_teacher",
        "lizums.psihologs": "specialist",
        "lizums.koordinators": "school_coordinator",
        "lizums.direktors": "director",
        "tirza.audzinataja": "class_teacher",
        "gulbene.koordinators": "municipality_coordinator",
        "ikvd.programma": "national_programme",
        "dati.aizsardziba": "data_protection_officer",
        "sistema.admins": "system_admin",
    }
    accounts = demo_accounts()
    assert [a.username for a in accounts] == list(expected_roles)
    for account in accounts:
        user = User.objects.get(username=account.username)
        assert user.check_password("demo")
        assert user.first_name
        assert user.last_name
        assert list(user.role_grants.values_list("role", flat=True)) == [expected_roles[account.username]]
        assert str(account.role_label)
        assert str(account.scope_label)
    lizuma_7 = ClassGroup.objects.get(institution__name="Lizuma pamatskola", name="7.")
    assert lizuma_7.class_teacher.username == "lizums.audzinataja"
    assert lizuma_7.enrolments.count() > 5
    assert ClassGroup.objects.get(institution__name="Tirzas pamatskola", name="7.").class_teacher.username == (
        "tirza.audzinataja"
    )
    assert User.objects.get(username="lizums.psihologs").role_grants.get().specialist_kind == "psychologist"
    assert User.objects.get(username="gnv.logopeds").role_grants.get().specialist_kind == "speech_therapist"


def test_gulbene_writes_one_audit_event(gulbene: None) -> None:
    event = AuditEvent.objects.get(action="people.seed.applied")
    assert event.actor is None
    assert event.data["preset"] == "gulbene"
    assert event.data["seed"] == 7
    assert event.data["counts"]["pupils"] == 1841


def test_seeding_refuses_a_database_with_institutions(db: None) -> None:
    seed(preset="gulbene", seed=1)
    pupils = Pupil.objects.count()
    with pytest.raises(CommandError, match="already has institutions"):
        seed(preset="gulbene", seed=2)
    assert Pupil.objects.count() == pupils
    assert AuditEvent.objects.filter(action="people.seed.applied").count() == 1


def test_seed_rejects_a_malformed_date(db: None) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("seed", preset="gulbene", today="28.11.2026")
    assert not Institution.objects.exists()


def test_same_seed_gives_the_same_data_and_another_seed_other_data(db: None) -> None:
    def dump_of_a_rolled_back_seed(seed_value: int) -> dict[str, list[tuple[Any, ...]]]:
        dump: dict[str, list[tuple[Any, ...]]] = {}
        with contextlib.suppress(Rollback), transaction.atomic():
            seed(preset="gulbene", seed=seed_value)
            dump = canonical_dump()
            raise Rollback  # undoes the seed, so the next one starts from an empty database
        assert not Institution.objects.exists()
        return dump

    first = dump_of_a_rolled_back_seed(7)
    other = dump_of_a_rolled_back_seed(8)
    seed(preset="gulbene", seed=7)
    second = canonical_dump()
    assert len(second["Pupil"]) == 1841
    assert first == second
    assert other["Pupil"] != first["Pupil"]
    assert other["Guardian"] != first["Guardian"]
    assert other["Institution"] != first["Institution"]  # same schools, other public ids


def test_national_preset_small(db: None) -> None:
    seed(preset="national", seed=3, pupils=2000)
    assert Municipality.objects.filter(institutions__isnull=False).distinct().count() == 43
    assert Institution.objects.count() >= 600
    vocational = Institution.objects.filter(kind=Institution.Kind.VOCATIONAL)
    assert 40 <= vocational.count() <= 60
    assert set(vocational.values_list("grade_max", flat=True)) == {4}
    assert set(vocational.values_list("founder", flat=True)) == {"Izglītības un zinātnes ministrija"}
    assert Pupil.objects.count() == 2000
    per_pupil = Pupil.objects.annotate(
        open=Count("enrolments", filter=Q(enrolments__ends_on__isnull=True), distinct=True),
        parents=Count("guardians", distinct=True),
    )
    assert set(per_pupil.values_list("open", flat=True)) == {1}
    assert not per_pupil.filter(parents=0).exists()
    assert (
        Institution.objects.filter(name__startswith="Rīgas").count()
        > Institution.objects.filter(municipality__code="gulbenes-novads").count()
    )
    assert not ClassGroup.objects.filter(class_teacher__isnull=True).exists()
    assert RoleGrant.objects.filter(role="municipality_coordinator").count() == 43
    assert RoleGrant.objects.filter(role="director").count() == Institution.objects.count()
    for username in ("ikvd.programma", "dati.aizsardziba", "sistema.admins"):
        assert User.objects.get(username=username).check_password("demo")


def test_pupils_option_is_for_the_national_preset_only(db: None) -> None:
    with pytest.raises(CommandError, match="national"):
        seed(preset="gulbene", pupils=10)
