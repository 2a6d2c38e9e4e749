"""The programme's indicators, each defined once: a stable code, its name in Latvian and English,
what it counts and how small cells protect it (docs/indicators.md says it in words, with the SQL).

Kinds of figure:

* ``PEOPLE`` — a count of people or of their plans: above school level a count of 1–4 is hidden
  (``reporting.suppression``);
* ``FOLLOWS`` — hours or money spent on a group of people: hidden when the count of the people
  behind it (``behind``) is hidden;
* ``PLAIN`` — a count of schools, municipalities, calls or trainings: names nobody, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pumpurs.people.models import SpecialistKind
from pumpurs.risk.models import RiskGroup
from pumpurs.support.models import MeasureCategory


class Kind(StrEnum):
    PEOPLE = "people"
    FOLLOWS = "follows"
    PLAIN = "plain"


class Unit(StrEnum):
    COUNT = "count"
    HOURS = "hours"  # a Decimal with one place
    CENTS = "cents"  # an integer number of euro cents


@dataclass(frozen=True)
class Indicator:
    code: str
    name: Promise  # an English msgid, possibly with ``%(part)s``
    family: str
    kind: Kind = Kind.PEOPLE
    unit: Unit = Unit.COUNT
    part: Promise | None = None  # the kind of specialist, compensation or risk group it is about
    behind: str = ""  # for FOLLOWS: the PEOPLE code whose hiding hides this one
    total: str = ""  # for a part of an additive family: the code of the family's total

    @property
    def label(self) -> str:
        """The name in the active language."""
        text = str(self.name)
        return text % {"part": str(self.part)} if self.part is not None else text

    def label_in(self, language: str) -> str:
        with translation.override(language):
            return self.label


def _upper(value: str) -> str:
    return value.upper()


# Compensations: every measure category but the consultations (counted by specialist).
COMPENSATION_CATEGORIES = [c for c in MeasureCategory if c != MeasureCategory.CONSULTATION]

FAMILY_SUPPORT = "support"
FAMILY_RISK = "risk_groups"
FAMILY_CONSULTATIONS = "consultations"
FAMILY_COMPENSATIONS = "compensations"
FAMILY_YOUTH = "youth"
FAMILY_PREVENTION = "prevention"


def _build() -> tuple[Indicator, ...]:
    found: list[Indicator] = [
        Indicator("IAP_MADE", _("Individual support plans made"), FAMILY_SUPPORT),
        Indicator("PUPILS_SUPPORTED", _("Pupils supported"), FAMILY_SUPPORT),
        Indicator("PUPILS_AT_RISK", _("Pupils at risk"), FAMILY_SUPPORT),
        Indicator("PUPILS_WITH_ACTIVE_PLAN", _("Pupils with a plan in force"), FAMILY_SUPPORT),
        Indicator("SCHOOLS_TAKING_PART", _("Schools taking part"), FAMILY_SUPPORT, Kind.PLAIN),
        Indicator("MUNICIPALITIES_TAKING_PART", _("Municipalities taking part"), FAMILY_SUPPORT, Kind.PLAIN),
    ]
    for group in RiskGroup:
        found.append(
            Indicator(f"RISK_{_upper(group.value)}", _("Pupils with risks: %(part)s"), FAMILY_RISK, part=group.label)
        )
    found += [
        Indicator("CONSULT_PUPILS", _("Pupils consulted"), FAMILY_CONSULTATIONS),
        Indicator("CONSULTATIONS", _("Consultations"), FAMILY_CONSULTATIONS, Kind.FOLLOWS, behind="CONSULT_PUPILS"),
        Indicator(
            "CONSULT_HOURS",
            _("Consultation hours"),
            FAMILY_CONSULTATIONS,
            Kind.FOLLOWS,
            Unit.HOURS,
            behind="CONSULT_PUPILS",
        ),
    ]
    for specialist in SpecialistKind:
        key = _upper(specialist.value)
        found += [
            Indicator(
                f"CONSULT_PUPILS_{key}", _("Pupils consulted: %(part)s"), FAMILY_CONSULTATIONS, part=specialist.label
            ),
            Indicator(
                f"CONSULTATIONS_{key}",
                _("Consultations: %(part)s"),
                FAMILY_CONSULTATIONS,
                Kind.FOLLOWS,
                part=specialist.label,
                behind=f"CONSULT_PUPILS_{key}",
                total="CONSULTATIONS",
            ),
            Indicator(
                f"CONSULT_HOURS_{key}",
                _("Consultation hours: %(part)s"),
                FAMILY_CONSULTATIONS,
                Kind.FOLLOWS,
                Unit.HOURS,
                part=specialist.label,
                behind=f"CONSULT_PUPILS_{key}",
                total="CONSULT_HOURS",
            ),
        ]
    found += [
        Indicator("COMP_PUPILS", _("Pupils compensated"), FAMILY_COMPENSATIONS),
        Indicator(
            "COMP_CENTS",
            _("Compensations, cents"),
            FAMILY_COMPENSATIONS,
            Kind.FOLLOWS,
            Unit.CENTS,
            behind="COMP_PUPILS",
        ),
    ]
    for category in COMPENSATION_CATEGORIES:
        key = _upper(category.value)
        found += [
            Indicator(
                f"COMP_PUPILS_{key}", _("Pupils compensated: %(part)s"), FAMILY_COMPENSATIONS, part=category.label
            ),
            Indicator(
                f"COMP_CENTS_{key}",
                _("Compensations, cents: %(part)s"),
                FAMILY_COMPENSATIONS,
                Kind.FOLLOWS,
                Unit.CENTS,
                part=category.label,
                behind=f"COMP_PUPILS_{key}",
                total="COMP_CENTS",
            ),
        ]
    found += [
        Indicator("YOUTH_CALLS", _("Youth initiative calls"), FAMILY_YOUTH, Kind.PLAIN),
        Indicator("YOUTH_PROJECTS_APPROVED", _("Youth initiative projects approved"), FAMILY_YOUTH, Kind.PLAIN),
        Indicator(
            "YOUTH_AWARDED_CENTS", _("Youth initiative projects, awarded cents"), FAMILY_YOUTH, Kind.PLAIN, Unit.CENTS
        ),
        Indicator(
            "YOUTH_SPENT_CENTS", _("Youth initiative projects, spent cents"), FAMILY_YOUTH, Kind.PLAIN, Unit.CENTS
        ),
        Indicator("YOUTH_PARTICIPANTS", _("Youth initiative participants reached"), FAMILY_YOUTH),
        Indicator("TRAININGS", _("Trainings held"), FAMILY_PREVENTION, Kind.PLAIN),
        Indicator("TRAINING_PARTICIPANTS", _("Training participants present"), FAMILY_PREVENTION),
    ]
    return tuple(found)


INDICATORS: tuple[Indicator, ...] = _build()
BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}
CODES: tuple[str, ...] = tuple(BY_CODE)
