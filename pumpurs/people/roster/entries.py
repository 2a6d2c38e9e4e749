"""What the roster rules take and give: entries, problems, the outcome (``people.roster``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError

from pumpurs.people.models import ClassGroup, Enrolment, Guardian, Institution, Pupil


@dataclass(frozen=True)
class GuardianEntry:
    first_name: str
    last_name: str
    relation: str = Guardian.Relation.OTHER
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class PupilEntry:
    """One pupil to register, move or update. ``row`` says where it came from (a file's row, 1 for
    a single pupil); ``refused`` names fields the caller could not read and has already reported
    (a roster cell that is not a date), whose rules are then skipped."""

    row: int
    personal_code: str
    first_name: str
    last_name: str
    birth_date: dt.date | None
    gender: str
    institution: Institution | None
    class_name: str
    grade: int | None
    starts_on: dt.date | None = None
    guardian: GuardianEntry | None = None
    refused: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    code: str
    message: str
    denied: bool = False  # a refusal of permission (the single-pupil services raise PermissionDenied)


@dataclass
class RosterOutcome:
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    pupils: list[Pupil] = field(default_factory=list)  # every pupil written or confirmed, in entry order
    enrolments: dict[int, Enrolment] = field(default_factory=dict)  # pupil id → the enrolment started
    classes_created: list[ClassGroup] = field(default_factory=list)


class NotInScope(PermissionDenied):
    """A refusal of permission that says which rule refused (``code``), like a ``ValidationError``."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def raise_first(problems: list[Problem]) -> None:
    """For the single-pupil services: raise the first problem (permission first) as an exception."""
    if not problems:
        return
    problem = next((p for p in problems if p.denied), problems[0])
    if problem.denied:
        raise NotInScope(problem.message, code=problem.code)
    raise ValidationError(problem.message, code=problem.code)
