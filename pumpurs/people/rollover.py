"""The year-end move of one school (issue 12): classes move up a grade into the next school year,
pupils of the school's last grade complete, pupils who do not continue leave with a reason, and a
pupil who repeats the grade (``REPEATS``) stays in it, in the new year's class of the same name.

``year_move_plan`` reads what would change; ``year_move_apply`` writes exactly that in one
transaction, set-based (a fixed number of statements per school, not a save per pupil), with the
roster's audit events (``people.enrolment.ended`` / ``people.enrolment.started``) and one
``people.rollover.applied``. A second run finds no open enrolment left in the old year's classes
and changes nothing. The invariants are the roster's (``people.roster``): one open enrolment per
pupil, an ended enrolment has a reason, only a school where the actor may register pupils.

What the support cases do is ``support.rollover``'s business (the layer above).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import Entry, audit_record, audit_record_many
from pumpurs.people import access
from pumpurs.people.actors import Actor, require_actor
from pumpurs.people.models import ClassGroup, Enrolment, Institution, SchoolYear
from pumpurs.people.roster import NotInScope

# Reasons a coordinator may give for a pupil who does not continue (completion and a class change
# are the rollover's own).
LEAVING_REASONS = (
    Enrolment.EndReason.LEFT,
    Enrolment.EndReason.MOVED_ABROAD,
    Enrolment.EndReason.TRANSFERRED,
    Enrolment.EndReason.OTHER,
)
# A pupil who repeats the grade stays in it: into the new year's class of the same name.
REPEATS = "repeats"


@dataclass
class ClassMove:
    """One class of the old year and where it goes: ``target`` is None for the last grade."""

    source: ClassGroup
    target_name: str = ""
    target_grade: int | None = None
    existing: ClassGroup | None = None  # the new year's class of that name, if it exists already
    pupils: int = 0  # open enrolments in the old class
    moving: int = 0  # of which move up with the class
    repeating: int = 0  # of which stay in the grade (the new year's class of the same name)


@dataclass
class YearMovePlan:
    institution: Institution
    from_year: SchoolYear
    to_year: SchoolYear
    classes: list[ClassMove] = field(default_factory=list)
    moving: list[Enrolment] = field(default_factory=list)  # to the class a grade up
    completing: list[Enrolment] = field(default_factory=list)  # the school's last grade
    leaving: list[tuple[Enrolment, str]] = field(default_factory=list)  # with the reason given
    repeating: list[Enrolment] = field(default_factory=list)  # stay in their grade
    problems: list[ValidationError] = field(default_factory=list)
    existing: dict[str, ClassGroup] = field(default_factory=dict)  # the new year's classes by name

    @property
    def classes_to_create(self) -> list[ClassMove]:
        return [m for m in self.classes if m.target_grade is not None and m.existing is None and m.moving]

    @property
    def repeat_classes_to_create(self) -> dict[str, ClassGroup]:
        """The old-year classes whose repeaters need a class of the same name the new year lacks
        and no class moving up brings (by name)."""
        coming = {m.target_name for m in self.classes_to_create}
        out: dict[str, ClassGroup] = {}
        for e in self.repeating:
            name = e.class_group.name
            if name not in self.existing and name not in coming:
                out.setdefault(name, e.class_group)
        return out

    @property
    def is_empty(self) -> bool:
        return not (self.classes_to_create or self.moving or self.completing or self.leaving or self.repeating)


def rollover_target(name: str) -> SchoolYear:
    """The school year a rollover goes to, by its name (``2027/28``) or its first calendar year
    (``2027``); a year the calendar does not hold is refused by name."""
    raw = name.strip()
    if re.fullmatch(r"\d{4}", raw):
        raw = f"{raw}/{(int(raw) + 1) % 100:02d}"
    year = SchoolYear.objects.filter(name=raw).first()
    if year is None:
        raise ValidationError(
            _(
                "The %(year)s school year does not exist in the calendar: the national programme must "
                "enter it (School calendar) before the rollover."
            )
            % {"year": raw},
            code="year_missing",
        )
    return year


def next_class_name(name: str, grade: int) -> str:
    """8.c → 9.c; a name that does not start with its grade gets the new grade in front."""
    match = re.match(r"^(\d+)(.*)$", name.strip())
    rest = match.group(2) if match else f".{name.strip()}"
    return f"{grade + 1}{rest}"[:20]


def _require(actor: Actor, institution: Institution) -> None:
    if not access.can_manage_pupils_of(actor, institution):
        raise NotInScope(_("You may not register or move pupils of this school."), code="institution_unknown")


def year_move_plan(
    *,
    actor: Actor,
    institution: Institution,
    to_year: SchoolYear,
    leaving: Mapping[UUID, str] | None = None,
) -> YearMovePlan:
    """What moving ``institution`` into ``to_year`` would change; writes nothing. ``leaving`` maps
    a pupil's public id to the reason they do not continue (one of ``LEAVING_REASONS``), or to
    ``REPEATS`` for a pupil who stays in the grade.
    Refused: a school outside the actor's scope (``NotInScope``); no year before ``to_year``."""
    actor = require_actor(actor)
    _require(actor, institution)
    from_year = SchoolYear.objects.filter(starts_on__lt=to_year.starts_on).order_by("-starts_on").first()
    if from_year is None:
        message = _("The calendar holds no school year before %(year)s to move from.") % {"year": to_year.name}
        raise ValidationError(message, code="no_previous_year")
    plan = YearMovePlan(institution=institution, from_year=from_year, to_year=to_year)
    leaving = dict(leaving or {})
    for reason in set(leaving.values()):
        if reason not in LEAVING_REASONS and reason != REPEATS:
            message = _("'%(value)s' is not a reason for leaving: use left, moved_abroad, transferred or other.")
            plan.problems.append(ValidationError(message % {"value": reason}, code="reason_invalid"))
    existing = {c.name: c for c in ClassGroup.objects.filter(institution=institution, school_year=to_year)}
    plan.existing = existing
    moves: dict[int, ClassMove] = {}
    for klass in ClassGroup.objects.filter(institution=institution, school_year=from_year).select_related(
        "class_teacher"
    ):
        move = ClassMove(source=klass)
        if klass.grade < institution.grade_max:
            move.target_grade = klass.grade + 1
            move.target_name = next_class_name(klass.name, klass.grade)
            move.existing = existing.get(move.target_name)
        moves[klass.pk] = move
    open_ = (
        Enrolment.objects.filter(class_group__in=list(moves), ends_on__isnull=True)
        .select_related("pupil", "class_group")
        .order_by("class_group__grade", "class_group__name", "pupil__last_name", "pupil__first_name")
    )
    found: set[UUID] = set()
    for enrolment in open_:
        move = moves[enrolment.class_group_id]
        move.pupils += 1
        given = leaving.get(enrolment.pupil.public_id)
        if given == REPEATS:
            found.add(enrolment.pupil.public_id)
            move.repeating += 1
            plan.repeating.append(enrolment)
        elif given is not None:
            found.add(enrolment.pupil.public_id)
            plan.leaving.append((enrolment, given))
        elif move.target_grade is None:
            plan.completing.append(enrolment)
        else:
            move.moving += 1
            plan.moving.append(enrolment)
    # A class nobody is left in is not carried: the new year gets no empty class from the rollover.
    plan.classes = sorted((m for m in moves.values() if m.pupils), key=lambda m: (m.source.grade, m.source.name))
    for move in plan.classes:
        if move.moving and move.existing is not None and move.existing.grade != move.target_grade:
            message = _("Class %(cls)s of %(year)s is grade %(grade)s, not %(value)s.")
            values = {"cls": move.target_name, "year": to_year.name, "grade": move.existing.grade}
            problem = ValidationError(message % {**values, "value": move.target_grade}, code="grade_mismatch")
            plan.problems.append(problem)
    # A repeater's class of the same name must be of the same grade, whoever else it takes.
    needed = {m.target_name: m.target_grade for m in plan.classes if m.moving and m.target_grade is not None}
    for enrolment in plan.repeating:
        klass = enrolment.class_group
        grade = existing[klass.name].grade if klass.name in existing else needed.get(klass.name, klass.grade)
        if grade != klass.grade:
            message = _("Class %(cls)s of %(year)s is grade %(grade)s, not %(value)s.")
            values = {"cls": klass.name, "year": to_year.name, "grade": grade, "value": klass.grade}
            plan.problems.append(ValidationError(message % values, code="grade_mismatch"))
    unknown = set(leaving) - found
    if unknown:
        message = _("%(count)s pupil(s) marked as leaving are not in this school's classes of %(year)s.")
        plan.problems.append(
            ValidationError(message % {"count": len(unknown), "year": from_year.name}, code="pupil_unknown")
        )
    return plan


def _completion_day(plan: YearMovePlan, grade: int) -> dt.date:
    year = plan.from_year
    special = {9: year.grade9_ends_on, 12: year.grade12_ends_on}.get(grade)
    return special or year.ends_on


@transaction.atomic(durable=True)
def year_move_apply(
    *,
    actor: Actor,
    institution: Institution,
    to_year: SchoolYear,
    leaving: Mapping[UUID, str] | None = None,
    today: dt.date | None = None,
) -> YearMovePlan:
    """Write the plan ``year_move_plan`` makes, in one transaction: the new year's classes (the
    class teacher moves up with the class), the old enrolments ended (``class_changed`` the day
    before the new year, ``completed`` on the last day of the grade, a leaver's reason on the old
    year's last day) and the new enrolments from the new year's first day. Refused: any problem
    of the plan, and a run before the old year's last day. Idempotent: a second run finds nothing
    to move and writes nothing. Inverse: none — a pupil is moved back with the roster."""
    today = today or timezone.localdate()
    plan = year_move_plan(actor=actor, institution=institution, to_year=to_year, leaving=leaving)
    if plan.problems:
        raise ValidationError(plan.problems)
    if plan.is_empty:
        return plan
    if today < plan.from_year.ends_on:
        message = _("The %(year)s school year ends on %(day)s: the rollover runs from that day on.")
        raise ValidationError(
            message % {"year": plan.from_year.name, "day": f"{plan.from_year.ends_on:%d.%m.%Y}"}, code="too_early"
        )
    new_classes = [
        ClassGroup(
            institution=institution,
            school_year=to_year,
            grade=m.target_grade,
            name=m.target_name,
            class_teacher=m.source.class_teacher,
        )
        for m in plan.classes_to_create
        if m.target_grade is not None
    ]
    # A class only repeaters need has no teacher yet: theirs moves up with her class.
    new_classes += [
        ClassGroup(institution=institution, school_year=to_year, grade=source.grade, name=name)
        for name, source in sorted(plan.repeat_classes_to_create.items())
    ]
    ClassGroup.objects.bulk_create(new_classes)
    target_of = {m.source.pk: m.existing for m in plan.classes if m.existing is not None}
    by_name = plan.existing | {c.name: c for c in new_classes}
    for m in plan.classes_to_create:
        target_of[m.source.pk] = by_name[m.target_name]
    events: list[Entry] = []
    # Ends first (one UPDATE per end date and reason): the database allows one open enrolment.
    groups: dict[tuple[dt.date, str], list[Enrolment]] = {}
    summer_eve = to_year.starts_on - dt.timedelta(days=1)
    for e in [*plan.moving, *plan.repeating]:
        groups.setdefault((summer_eve, Enrolment.EndReason.CLASS_CHANGED), []).append(e)
    for e in plan.completing:
        groups.setdefault((_completion_day(plan, e.class_group.grade), Enrolment.EndReason.COMPLETED), []).append(e)
    for e, reason in plan.leaving:
        groups.setdefault((plan.from_year.ends_on, reason), []).append(e)
    for (day, reason), enrolments in groups.items():
        # A pupil who joined after that day still ends on the day they joined (never before it).
        ending = Enrolment.objects.filter(pk__in=[e.pk for e in enrolments])
        ending.filter(starts_on__lte=day).update(ends_on=day, end_reason=reason)
        ending.filter(starts_on__gt=day).update(ends_on=F("starts_on"), end_reason=reason)
        for e in enrolments:
            until = max(day, e.starts_on)
            data = {"until": until.isoformat(), "reason": reason, "rollover": to_year.name}
            events.append(Entry("people.enrolment.ended", e.pupil_id, e.class_group, data))
    started = [
        Enrolment(
            pupil_id=e.pupil_id,
            class_group=target_of[e.class_group_id],
            institution=institution,
            starts_on=to_year.starts_on,
        )
        for e in plan.moving
    ] + [
        Enrolment(
            pupil_id=e.pupil_id,
            class_group=by_name[e.class_group.name],
            institution=institution,
            starts_on=to_year.starts_on,
        )
        for e in plan.repeating
    ]
    Enrolment.objects.bulk_create(started)
    for s in started:
        data = {
            "institution": institution.code,
            "class": s.class_group.name,
            "from": s.starts_on.isoformat(),
            "rollover": to_year.name,
        }
        events.append(Entry("people.enrolment.started", s.pupil_id, s.class_group, data))
    audit_record_many(actor=actor, entries=events)
    audit_record(
        actor=actor,
        action="people.rollover.applied",
        target=institution,
        data={
            "from": plan.from_year.name,
            "to": to_year.name,
            "classes_created": [c.name for c in new_classes],
            "moved": len(plan.moving),
            "repeating": len(plan.repeating),
            "completed": len(plan.completing),
            "not_continuing": len(plan.leaving),
        },
    )
    return plan
