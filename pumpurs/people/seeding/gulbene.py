"""The Gulbene demo: Gulbenes novads' eight real schools with synthetic pupils and staff.

The school names and pupil counts are real (1 September 2022, DESIGN.md §4); everything else is
invented. In particular the schools' registration numbers are not known to us, so the codes are
clearly synthetic (``DEMO-GNV``, ``DEMO-LIZUMS`` …) rather than real-looking numbers.

User names (password ``demo`` for all):

* the class teacher of each school's first grade-7 class is ``<school>.audzinataja`` (so
  ``lizums.audzinataja`` leads Lizuma's class "7."), every other class teacher
  ``<school>.audzinataja.<class>`` (``gnv.audzinataja.10b``);
* per school ``<school>.direktors``, ``<school>.koordinators``, ``<school>.psihologs`` and
  ``<school>.socpedagogs``; at the vidusskola also ``gnv.logopeds`` and ``gnv.skolotajapalgs``;
* ``gulbene.koordinators`` (municipality), ``ikvd.programma``, ``dati.aizsardziba``,
  ``sistema.admins``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pumpurs.people.models import Institution, Municipality, Role, SpecialistKind
from pumpurs.people.seeding.common import Builder, apportion, class_slug, classes_for, split_evenly

MUNICIPALITY_CODE = "gulbenes-novads"
FOUNDER = "Gulbenes novada pašvaldība"
LETTERS = "abcdefgh"


@dataclass(frozen=True)
class School:
    code: str
    slug: str  # user-name prefix
    name: str
    pupils: int
    grade_max: int


SCHOOLS = (
    School("DEMO-GNV", "gnv", "Gulbenes novada vidusskola", 1120, 12),
    School("DEMO-LIZUMS", "lizums", "Lizuma pamatskola", 139, 9),
    School("DEMO-LEJASCIEMS", "lejasciems", "Lejasciema pamatskola", 123, 9),
    School("DEMO-STAKI", "staki", "Stāķu pamatskola", 122, 9),
    School("DEMO-TIRZA", "tirza", "Tirzas pamatskola", 115, 9),
    School("DEMO-RANKA", "ranka", "Rankas pamatskola", 87, 9),
    School("DEMO-SVEKI", "sveki", "Sveķu pamatskola", 78, 9),
    School("DEMO-GULBITIS", "gulbitis", "Gulbīša pamatskola", 57, 9),
)

# The accounts that `pumpurs demo` prints get fixed names (the same as the test personas).
FIXED_NAMES = {
    "lizums.audzinataja": ("Ilze", "Ozola"),
    "lizums.psihologs": ("Māris", "Egle"),
    "lizums.koordinators": ("Līga", "Bērza"),
    "lizums.direktors": ("Juris", "Priede"),
    "tirza.audzinataja": ("Dace", "Kalna"),
    "gulbene.koordinators": ("Inese", "Gulbe"),
    "ikvd.programma": ("Zane", "Lapsa"),
    "dati.aizsardziba": ("Edgars", "Sargs"),
    "sistema.admins": ("Olga", "Vilka"),
}


def grade_weights(grade_max: int) -> list[float]:
    """Grades 10–12 are smaller: many pupils leave for vocational schools after grade 9."""
    return [1.0 if grade <= 9 else 0.6 for grade in range(1, grade_max + 1)]


def national_users(b: Builder, names: dict[str, tuple[str, str]]) -> None:
    """The three country-wide accounts, shared by both presets."""
    for username, role in (
        ("ikvd.programma", Role.NATIONAL_PROGRAMME),
        ("dati.aizsardziba", Role.DATA_PROTECTION_OFFICER),
        ("sistema.admins", Role.SYSTEM_ADMIN),
    ):
        b.grant(b.user(username, *names.get(username, ("", ""))), role)


def build(b: Builder) -> None:
    municipality = Municipality.objects.get(code=MUNICIPALITY_CODE)

    def user(username: str, female_share: float = 0.5) -> int:
        return b.user(username, *FIXED_NAMES.get(username, ("", "")), female_share=female_share)

    for school in SCHOOLS:
        institution_id = b.institution(
            code=school.code,
            name=school.name,
            municipality_id=municipality.pk,
            founder=FOUNDER,
            kind=Institution.Kind.GENERAL,
            grade_min=1,
            grade_max=school.grade_max,
        )
        for suffix, role, kind in (
            ("direktors", Role.DIRECTOR, ""),
            ("koordinators", Role.SCHOOL_COORDINATOR, ""),
            ("psihologs", Role.SPECIALIST, SpecialistKind.PSYCHOLOGIST),
            ("socpedagogs", Role.SPECIALIST, SpecialistKind.SOCIAL_PEDAGOGUE),
        ):
            b.grant(user(f"{school.slug}.{suffix}"), role, institution_id=institution_id, specialist_kind=kind)
        if school.grade_max == 12:
            for suffix, kind in (
                ("logopeds", SpecialistKind.SPEECH_THERAPIST),
                ("skolotajapalgs", SpecialistKind.TEACHERS_ASSISTANT),
            ):
                b.grant(
                    user(f"{school.slug}.{suffix}"),
                    Role.SPECIALIST,
                    institution_id=institution_id,
                    specialist_kind=kind,
                )

        # A little unevenness between grades, as in any real school.
        weights = [w * b.rng.uniform(0.85, 1.15) for w in grade_weights(school.grade_max)]
        for grade, in_grade in enumerate(apportion(school.pupils, weights), start=1):
            sizes = split_evenly(in_grade, classes_for(in_grade))
            for index, size in enumerate(sizes):
                name = f"{grade}." if school.grade_max == 9 and len(sizes) == 1 else f"{grade}.{LETTERS[index]}"
                username = f"{school.slug}.audzinataja"
                if not (grade == 7 and index == 0):
                    username += f".{class_slug(name)}"
                teacher_id = user(username, female_share=0.85)
                b.grant(teacher_id, Role.CLASS_TEACHER, institution_id=institution_id)
                class_id = b.class_group(institution_id=institution_id, grade=grade, name=name, teacher_id=teacher_id)
                for _ in range(size):
                    b.pupil(
                        class_id=class_id, institution_id=institution_id, birth_year=b.year.starts_on.year - 6 - grade
                    )

    b.grant(user("gulbene.koordinators"), Role.MUNICIPALITY_COORDINATOR, municipality_id=municipality.pk)
    national_users(b, FIXED_NAMES)
