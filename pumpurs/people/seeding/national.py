"""A country-sized synthetic data set: all 43 municipalities, ~650 generated schools, N pupils.

Everything here is invented and looks it: schools are numbered per municipality ("Rīgas 12.
vidusskola", "Ogres novada 2. pamatskola", "Liepājas tehnikums"), their codes are ``SYN-00001``
onwards. The municipality weights below are rounded, approximate relative sizes used only to
spread the synthetic schools and pupils plausibly (Rīga the most); they are not statistics and
must not be reported as such.

User names (password ``demo``): ``syn00001.direktors``, ``syn00001.koordinators``,
``syn00001.audzinataja.7a`` per school and class, ``<municipality code>.koordinators`` per
municipality, and the country-wide ``ikvd.programma``, ``dati.aizsardziba``, ``sistema.admins``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pumpurs.people.models import Institution, Municipality, Role
from pumpurs.people.seeding.common import Builder, apportion, class_slug, classes_for, split_evenly
from pumpurs.people.seeding.gulbene import grade_weights, national_users

DEFAULT_PUPILS = 250_000
GENERAL_SCHOOLS = 600
STATE_GYMNASIA = 6
VOCATIONAL_SCHOOLS = 50
RIGA_VOCATIONAL = 14
VOCATIONAL_PUPIL_SHARE = 0.12
VOCATIONAL_FOUNDER = "Izglītības un zinātnes ministrija"
LETTERS = "abcdefghijklmnopqrstuvwxyz"

# Rounded relative sizes (thousands of residents, approximately) — for spreading synthetic data only.
WEIGHTS = {
    "riga": 605, "daugavpils": 80, "jelgava": 55, "jurmala": 50, "liepaja": 67, "rezekne": 27,
    "ventspils": 33, "aizkraukles-novads": 30, "aluksnes-novads": 14, "augsdaugavas-novads": 25,
    "adazu-novads": 12, "balvu-novads": 19, "bauskas-novads": 42, "cesu-novads": 41,
    "dienvidkurzemes-novads": 34, "dobeles-novads": 29, "gulbenes-novads": 20, "jelgavas-novads": 32,
    "jekabpils-novads": 42, "kraslavas-novads": 20, "kuldigas-novads": 31, "kekavas-novads": 29,
    "limbazu-novads": 31, "livanu-novads": 10, "ludzas-novads": 23, "madonas-novads": 32,
    "marupes-novads": 35, "ogres-novads": 57, "olaines-novads": 20, "preilu-novads": 17,
    "rezeknes-novads": 30, "ropazu-novads": 31, "salaspils-novads": 23, "saldus-novads": 29,
    "saulkrastu-novads": 6, "siguldas-novads": 31, "smiltenes-novads": 19, "talsu-novads": 38,
    "tukuma-novads": 43, "valkas-novads": 8, "valmieras-novads": 54, "varaklanu-novads": 3,
    "ventspils-novads": 11,
}  # fmt: skip

# Genitive of the seven state cities (a novads' name already starts with its genitive stem).
CITY_GENITIVE = {
    "riga": "Rīgas",
    "daugavpils": "Daugavpils",
    "jelgava": "Jelgavas",
    "jurmala": "Jūrmalas",
    "liepaja": "Liepājas",
    "rezekne": "Rēzeknes",
    "ventspils": "Ventspils",
}
STATE_GYMNASIUM_PLACES = ("riga", "riga", "daugavpils", "liepaja", "jelgava", "valmieras-novads")


@dataclass
class Plan:
    municipality_id: int
    name: str
    kind: str
    grade_min: int
    grade_max: int
    founder: str
    size: float  # relative share of its municipality's pupils
    pupils: int = 0


def stem(municipality: Municipality) -> tuple[str, str]:
    """("Rīgas", "Rīgas valstspilsētas pašvaldība") or ("Ogres novada", "Ogres novada pašvaldība")."""
    if municipality.kind == Municipality.Kind.STATE_CITY:
        genitive = CITY_GENITIVE[municipality.code]
        return genitive, f"{genitive} valstspilsētas pašvaldība"
    genitive = municipality.name.replace(" novads", " novada")
    return genitive, f"{genitive} pašvaldība"


def numbered(count: int, place: str, noun: str) -> list[str]:
    """``Ogres novada pamatskola`` when there is one, else ``Ogres novada 1. pamatskola`` …"""
    if count == 1:
        return [f"{place} {noun}"]
    return [f"{place} {n}. {noun}" for n in range(1, count + 1)]


def plan_schools(b: Builder, municipalities: list[Municipality], pupils: int) -> list[Plan]:
    rng = b.rng
    weights = [float(WEIGHTS[m.code]) for m in municipalities]
    # Rural municipalities have many small schools: schools grow slower than population.
    school_counts = apportion(GENERAL_SCHOOLS - STATE_GYMNASIA, [w**0.7 for w in weights])
    # Rīga has the most vocational schools; the largest other municipalities one each.
    order_by_size = sorted(range(len(municipalities)), key=lambda i: (-weights[i], i))
    vocational_counts = [0] * len(municipalities)
    vocational_counts[order_by_size[0]] = RIGA_VOCATIONAL
    for i in order_by_size[1 : 1 + VOCATIONAL_SCHOOLS - RIGA_VOCATIONAL]:
        vocational_counts[i] = 1

    plans: list[Plan] = []
    vocational: list[Plan] = []
    general_pupils = apportion(pupils - round(pupils * VOCATIONAL_PUPIL_SHARE), weights)
    for m, count, vocational_count, in_municipality in zip(
        municipalities, school_counts, vocational_counts, general_pupils, strict=True
    ):
        place, founder = stem(m)
        secondary = min(count, max(1, round(count * rng.uniform(0.3, 0.45))))
        local: list[Plan] = []
        for noun, n, grade_max, base in (("vidusskola", secondary, 12, 2.0), ("pamatskola", count - secondary, 9, 1.0)):
            for name in numbered(n, place, noun):
                size = base * rng.uniform(0.5, 1.5)
                local.append(Plan(m.pk, name, Institution.Kind.GENERAL, 1, grade_max, founder, size))
        gymnasia = STATE_GYMNASIUM_PLACES.count(m.code)
        for n in range(1, gymnasia + 1):
            name = f"{place} Valsts {n}. ģimnāzija" if gymnasia > 1 else f"{place} Valsts ģimnāzija"
            local.append(Plan(m.pk, name, Institution.Kind.GENERAL, 7, 12, founder, 1.5 * rng.uniform(0.8, 1.2)))
        for plan, share in zip(local, apportion(in_municipality, [p.size for p in local]), strict=True):
            plan.pupils = share
        plans.extend(local)
        for name in numbered(vocational_count, place, "tehnikums"):
            size = rng.uniform(0.5, 1.5)
            vocational.append(Plan(m.pk, name, Institution.Kind.VOCATIONAL, 1, 4, VOCATIONAL_FOUNDER, size))
    vocational_pupils = pupils - sum(p.pupils for p in plans)
    for plan, share in zip(vocational, apportion(vocational_pupils, [p.size for p in vocational]), strict=True):
        plan.pupils = share
    return plans + vocational


def build(b: Builder, *, pupils: int = DEFAULT_PUPILS) -> None:
    municipalities = list(Municipality.objects.order_by("code"))
    missing = {m.code for m in municipalities} - WEIGHTS.keys()
    if missing:
        raise ValueError(f"No size weight for municipalities {sorted(missing)}")
    plans = plan_schools(b, municipalities, pupils)
    start_year = b.year.starts_on.year
    for number, plan in enumerate(plans, start=1):
        code = f"SYN-{number:05d}"
        slug = code.lower().replace("-", "")
        institution_id = b.institution(
            code=code,
            name=plan.name,
            municipality_id=plan.municipality_id,
            founder=plan.founder,
            kind=plan.kind,
            grade_min=plan.grade_min,
            grade_max=plan.grade_max,
        )
        for suffix, role in (("direktors", Role.DIRECTOR), ("koordinators", Role.SCHOOL_COORDINATOR)):
            b.grant(b.user(f"{slug}.{suffix}"), role, institution_id=institution_id)

        grades = list(range(plan.grade_min, plan.grade_max + 1))
        if plan.kind == Institution.Kind.VOCATIONAL:
            weights = [1.0 - 0.1 * (course - 1) for course in grades]
            # Course 1 of a vocational school follows grade 9.
            birth_years = [start_year - 15 - course for course in grades]
        else:
            weights = grade_weights(12)[plan.grade_min - 1 : plan.grade_max]
            birth_years = [start_year - 6 - grade for grade in grades]
        for grade, birth_year, in_grade in zip(grades, birth_years, apportion(plan.pupils, weights), strict=True):
            if in_grade == 0:
                continue
            for index, size in enumerate(split_evenly(in_grade, classes_for(in_grade))):
                name = f"{grade}.{LETTERS[index]}"
                teacher_id = b.user(f"{slug}.audzinataja.{class_slug(name)}", female_share=0.85)
                b.grant(teacher_id, Role.CLASS_TEACHER, institution_id=institution_id)
                class_id = b.class_group(institution_id=institution_id, grade=grade, name=name, teacher_id=teacher_id)
                for _ in range(size):
                    b.pupil(class_id=class_id, institution_id=institution_id, birth_year=birth_year)

    for m in municipalities:
        b.grant(b.user(f"{m.code}.koordinators"), Role.MUNICIPALITY_COORDINATOR, municipality_id=m.pk)
        b.municipality_ids.add(m.pk)
    national_users(b, {})
