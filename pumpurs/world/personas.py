"""The people our tests tell stories about (STYLE.md): a small Gulbene with a Madona neighbour.

* ``teacher_lizuma`` (Ilze Ozola) leads Lizuma 7.a, where ``pupil_lizuma`` (Anna Kalniņa) learns;
* ``teacher_lizuma_8a`` leads Lizuma 8.a (``pupil_lizuma_8a``);
* ``teacher_tirzas`` leads Tirzas 7.a (``pupil_tirzas``, Jānis Bērziņš) and must never see a
  Lizuma pupil, and the other way round;
* school roles of Lizuma, the Gulbene and Madona municipality coordinators, the national
  programme, the data protection officer, the system administrator, and ``nobody`` (no grant).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from pumpurs.people.calendar import school_year_on, school_years_ensure
from pumpurs.people.models import (
    ClassGroup,
    Institution,
    Municipality,
    Pupil,
    Role,
    RoleGrant,
    SchoolYear,
    SpecialistKind,
    User,
)
from pumpurs.people.personal_code import synthetic_code
from pumpurs.people.services import pupil_create

PASSWORD = "demo-password-for-tests"

# The days the suite runs on (school year 2026/27, estimated by people.calendar: 1.9.2026 –
# 18.12.2026, 11.1.2027 – 28.5.2027). Every test runs at 10:00 on SCHOOL_DAY unless it asks for
# another day (conftest.py's ``today`` fixture); the calendar-sensitive stories run on each of
# CALENDAR_DAYS. No test reads the real calendar.
SCHOOL_DAY = dt.date(2026, 11, 12)  # a Thursday ten weeks into semester 1
CALENDAR_DAYS = {
    "school_day": SCHOOL_DAY,
    "last_day_of_semester_1": dt.date(2026, 12, 18),
    "christmas_break": dt.date(2026, 12, 28),
    "first_day_of_semester_2": dt.date(2027, 1, 11),
    "last_school_day": dt.date(2027, 5, 28),
    "mid_summer": dt.date(2027, 7, 15),
}


@dataclass
class World:
    today: dt.date
    year: SchoolYear
    gulbene: Municipality
    madona: Municipality
    lizuma: Institution
    tirzas: Institution
    madona_school: Institution
    lizuma_7a: ClassGroup
    lizuma_8a: ClassGroup
    tirzas_7a: ClassGroup
    madona_7a: ClassGroup
    teacher_lizuma: User
    teacher_lizuma_8a: User
    teacher_tirzas: User
    specialist_lizuma: User
    coordinator_lizuma: User
    director_lizuma: User
    coordinator_tirzas: User
    coordinator_madona_school: User
    coordinator_gulbene: User
    coordinator_madona: User
    national: User
    dpo: User
    admin: User
    nobody: User
    pupil_lizuma: Pupil
    pupil_lizuma_8a: Pupil
    pupil_tirzas: Pupil
    pupil_madona: Pupil


def make_user(username: str, first: str, last: str, *grants: dict[str, object]) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, first_name=first, last_name=last)
    for grant in grants:
        RoleGrant.objects.create(user=user, **grant)
    return user


def build_world(today: dt.date | None = None) -> World:
    """The personas on ``today`` (default: the test clock's date), enrolled since the start of the
    school year ``today`` belongs to — in the summer, the year just ended."""
    today = today or timezone.localdate()
    school_years_ensure(today=today)
    year = school_year_on(today)
    assert year is not None
    gulbene = Municipality.objects.get(code="gulbenes-novads")
    madona = Municipality.objects.get(code="madonas-novads")
    lizuma = Institution.objects.create(
        code="T-LIZUMS", name="Lizuma pamatskola", municipality=gulbene, founder="Gulbenes novada pašvaldība"
    )
    tirzas = Institution.objects.create(
        code="T-TIRZA", name="Tirzas pamatskola", municipality=gulbene, founder="Gulbenes novada pašvaldība"
    )
    madona_school = Institution.objects.create(code="T-MADONA", name="Madonas testa pamatskola", municipality=madona)

    def school_role(role: Role, school: Institution, **extra: object) -> dict[str, object]:
        return {"role": role, "institution": school, **extra}

    teacher_lizuma = make_user("ilze.ozola", "Ilze", "Ozola", school_role(Role.CLASS_TEACHER, lizuma))
    teacher_lizuma_8a = make_user("peteris.liepa", "Pēteris", "Liepa", school_role(Role.CLASS_TEACHER, lizuma))
    teacher_tirzas = make_user("dace.kalna", "Dace", "Kalna", school_role(Role.CLASS_TEACHER, tirzas))
    specialist_lizuma = make_user(
        "maris.egle", "Māris", "Egle", school_role(Role.SPECIALIST, lizuma, specialist_kind=SpecialistKind.PSYCHOLOGIST)
    )
    coordinator_lizuma = make_user("liga.berza", "Līga", "Bērza", school_role(Role.SCHOOL_COORDINATOR, lizuma))
    director_lizuma = make_user("juris.priede", "Juris", "Priede", school_role(Role.DIRECTOR, lizuma))
    coordinator_tirzas = make_user("anna.vitola", "Anna", "Vītola", school_role(Role.SCHOOL_COORDINATOR, tirzas))
    coordinator_madona_school = make_user(
        "ruta.ozolina", "Rūta", "Ozoliņa", school_role(Role.SCHOOL_COORDINATOR, madona_school)
    )
    coordinator_gulbene = make_user(
        "inese.gulbe", "Inese", "Gulbe", {"role": Role.MUNICIPALITY_COORDINATOR, "municipality": gulbene}
    )
    coordinator_madona = make_user(
        "karlis.madons", "Kārlis", "Madons", {"role": Role.MUNICIPALITY_COORDINATOR, "municipality": madona}
    )
    national = make_user("ikvd.zane", "Zane", "Lapsa", {"role": Role.NATIONAL_PROGRAMME})
    dpo = make_user("dpo.edgars", "Edgars", "Sargs", {"role": Role.DATA_PROTECTION_OFFICER})
    admin = make_user("admin.olga", "Olga", "Vilka", {"role": Role.SYSTEM_ADMIN})
    nobody = make_user("nobody", "Nav", "Lomas")

    def klass(school: Institution, grade: int, name: str, teacher: User | None) -> ClassGroup:
        return ClassGroup.objects.create(
            institution=school, school_year=year, grade=grade, name=name, class_teacher=teacher
        )

    lizuma_7a = klass(lizuma, 7, "7.a", teacher_lizuma)
    lizuma_8a = klass(lizuma, 8, "8.a", teacher_lizuma_8a)
    tirzas_7a = klass(tirzas, 7, "7.a", teacher_tirzas)
    madona_7a = klass(madona_school, 7, "7.a", None)

    def pupil(
        actor: User, klass_: ClassGroup, first: str, last: str, birth: dt.date, serial: int, gender: str
    ) -> Pupil:
        return pupil_create(
            actor=actor,
            personal_code=synthetic_code(birth, serial),
            first_name=first,
            last_name=last,
            birth_date=birth,
            gender=gender,
            class_group=klass_,
            starts_on=year.starts_on,
        )

    born = dt.date(year.starts_on.year - 13, 3, 14)
    return World(
        today=today,
        year=year,
        gulbene=gulbene,
        madona=madona,
        lizuma=lizuma,
        tirzas=tirzas,
        madona_school=madona_school,
        lizuma_7a=lizuma_7a,
        lizuma_8a=lizuma_8a,
        tirzas_7a=tirzas_7a,
        madona_7a=madona_7a,
        teacher_lizuma=teacher_lizuma,
        teacher_lizuma_8a=teacher_lizuma_8a,
        teacher_tirzas=teacher_tirzas,
        specialist_lizuma=specialist_lizuma,
        coordinator_lizuma=coordinator_lizuma,
        director_lizuma=director_lizuma,
        coordinator_tirzas=coordinator_tirzas,
        coordinator_madona_school=coordinator_madona_school,
        coordinator_gulbene=coordinator_gulbene,
        coordinator_madona=coordinator_madona,
        national=national,
        dpo=dpo,
        admin=admin,
        nobody=nobody,
        pupil_lizuma=pupil(coordinator_lizuma, lizuma_7a, "Anna", "Kalniņa", born, 101, Pupil.Gender.FEMALE),
        pupil_lizuma_8a=pupil(
            coordinator_lizuma, lizuma_8a, "Roberts", "Šmits", born.replace(year=born.year - 1), 102, Pupil.Gender.MALE
        ),
        pupil_tirzas=pupil(coordinator_tirzas, tirzas_7a, "Jānis", "Bērziņš", born, 103, Pupil.Gender.MALE),
        pupil_madona=pupil(coordinator_madona_school, madona_7a, "Laura", "Ķēniņa", born, 104, Pupil.Gender.FEMALE),
    )
