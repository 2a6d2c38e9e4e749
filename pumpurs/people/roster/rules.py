"""The roster rules: what the database knows about the entries, and each entry checked against
it (``people.roster`` lists the rules and their codes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Max
from django.utils.translation import gettext as _

from pumpurs.people import access
from pumpurs.people.actors import Actor
from pumpurs.people.models import ClassGroup, Enrolment, Guardian, Pupil, SchoolYear
from pumpurs.people.personal_code import PersonalCode
from pumpurs.people.roster.entries import GuardianEntry, Problem, PupilEntry

CHUNK = 5000
PUPIL_FIELDS = ("first_name", "last_name", "birth_date", "gender")
GUARDIAN_FIELDS = ("relation", "phone", "email")
# Read once: a choices enum builds its ``values`` anew on every access (~10 µs, twice per roster row).
GENDERS = frozenset(Pupil.Gender.values)
RELATIONS = frozenset(Guardian.Relation.values)


@dataclass
class Known:
    """What the database says about the entries, read with a fixed number of queries."""

    pupils: dict[str, Pupil]  # by personal-code hash
    open: dict[int, Enrolment]  # pupil id → open enrolment
    last_ended: dict[int, dt.date]  # pupil id → end of the latest enrolment (pupils with none open)
    guardians: dict[tuple[int, str, str], Guardian]  # (pupil id, first name, last name)
    classes: dict[tuple[int, str], ClassGroup]  # (institution id, name) in the current year
    manageable: set[int]  # institutions where the actor may register pupils
    # Pupils the actor may already see: of the others a roster says no more than that they are
    # enrolled at a school outside the actor's scope, if they are (issue 17, M7).
    visible: set[int] = field(default_factory=set)


@dataclass(eq=False)
class Plan:
    entry: PupilEntry
    code_hash: str
    digits: str
    birth_date: dt.date
    new: bool = False
    pupil: Pupil | None = None
    changed_fields: list[str] = field(default_factory=list)
    move_from: Enrolment | None = None
    enrol_from: dt.date | None = None  # when a new enrolment starts (None: stays where they are)
    guardian_new: bool = False
    guardian: Guardian | None = None
    guardian_changed: list[str] = field(default_factory=list)
    # A registered pupil the actor could not see: counted as new to them, whatever the record holds.
    hidden: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.changed_fields or self.enrol_from or self.guardian_new or self.guardian_changed)


def _chunks[T](items: Sequence[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), CHUNK):
        yield list(items[start : start + CHUNK])


def load(actor: Actor, hashes: set[str], entries: Sequence[PupilEntry], year: SchoolYear) -> Known:
    pupils: dict[str, Pupil] = {}
    for chunk in _chunks(sorted(hashes)):
        for pupil in Pupil.objects.filter(personal_code_hash__in=chunk):
            pupils[pupil.personal_code_hash] = pupil
    ids = sorted(p.pk for p in pupils.values())
    open_: dict[int, Enrolment] = {}
    guardians: dict[tuple[int, str, str], Guardian] = {}
    for chunk_ids in _chunks(ids):
        for enrolment in Enrolment.objects.filter(pupil_id__in=chunk_ids, ends_on__isnull=True).select_related(
            "class_group"
        ):
            open_[enrolment.pupil_id] = enrolment
        for guardian in Guardian.objects.filter(pupil_id__in=chunk_ids):
            guardians[(guardian.pupil_id, guardian.first_name, guardian.last_name)] = guardian
    closed = [pk for pk in ids if pk not in open_]
    last_ended: dict[int, dt.date] = {}
    for chunk_ids in _chunks(closed):
        rows = Enrolment.objects.filter(pupil_id__in=chunk_ids).values("pupil_id").annotate(last=Max("ends_on"))
        last_ended.update({r["pupil_id"]: r["last"] for r in rows if r["last"] is not None})
    schools = {e.institution.pk for e in entries if e.institution is not None}
    classes = {
        (c.institution_id, c.name): c
        for c in ClassGroup.objects.filter(school_year=year, institution_id__in=sorted(schools)).select_related(
            "institution"
        )
    }
    manageable = set(access.institutions_visible_to(actor, access.Perm.MANAGE_PUPILS).values_list("pk", flat=True))
    visible: set[int] = set()
    for chunk_ids in _chunks(ids):
        mine = access.pupils_visible_to(actor, access.Perm.MANAGE_PUPILS).filter(pk__in=chunk_ids)
        visible.update(mine.values_list("pk", flat=True))
    return Known(pupils, open_, last_ended, guardians, classes, manageable, visible)


def check(
    entry: PupilEntry,
    code: PersonalCode | None,
    code_hash: str | None,
    seen: dict[str, int],
    known: Known,
    pending_classes: dict[tuple[int, str], int],
    year: SchoolYear,
    today: dt.date,
) -> list[Problem]:
    """The rules on the entry's own values (everything but what the pupil's record decides)."""
    out: list[Problem] = []
    row, skip = entry.row, entry.refused

    def add(column: str, code_: str, message: str, *, denied: bool = False) -> None:
        if column not in skip:
            out.append(Problem(row, column, code_, message, denied))

    if code_hash is not None:
        if code_hash in seen:
            add(
                "personal_code",
                "duplicate_row",
                _("This pupil is already on row %(first)s.") % {"first": seen[code_hash]},
            )
        else:
            seen[code_hash] = row
    for column, value, limit in (("first_name", entry.first_name, 100), ("last_name", entry.last_name, 100)):
        if not value.strip():
            add(column, "required", _("The cell is empty: fill in %(column)s.") % {"column": column})
        elif len(value.strip()) > limit:
            add(column, "too_long", _too_long(column, limit))
    if code is not None and entry.birth_date is None and code.birth_date is None and "birth_date" not in skip:
        add("birth_date", "birth_date_required", _("A birth date is required for a new-format personal code."))
    elif code is not None and code.birth_date is not None and entry.birth_date not in (None, code.birth_date):
        message = _("The birth date does not match the one in the personal code (%(date)s).")
        add("birth_date", "birth_date_mismatch", message % {"date": code.birth_date.isoformat()})
    if entry.gender not in GENDERS:
        message = _("'%(value)s' is not a gender code: use F or M (S or V), or leave empty.")
        add("gender", "gender_invalid", message % {"value": entry.gender})
    school = entry.institution
    if school is not None and school.pk not in known.manageable:
        add(
            "institution_code",
            "institution_unknown",
            _("You may not register or move pupils of this school."),
            denied=True,
        )
    if entry.grade is None or (school is not None and not school.grade_min <= entry.grade <= school.grade_max):
        message = _("'%(value)s' is not a grade this school teaches.")
        add("grade", "grade_out_of_range", message % {"value": "" if entry.grade is None else entry.grade})
    name = entry.class_name.strip()
    if not name:
        add("class", "required", _("The cell is empty: fill in the class, e.g. 7.a."))
    elif len(name) > 20:
        add("class", "too_long", _too_long("class", 20))
    elif school is not None and entry.grade is not None:
        existing = known.classes.get((school.pk, name))
        grade = existing.grade if existing is not None else pending_classes.setdefault((school.pk, name), entry.grade)
        if grade != entry.grade:
            message = _("Class %(cls)s is grade %(grade)s, not %(value)s.")
            add("grade", "grade_mismatch", message % {"cls": name, "grade": grade, "value": entry.grade})
    if entry.starts_on is not None and not year.starts_on <= entry.starts_on <= today:
        message = _("'%(value)s' must be a date in the current school year, not in the future.")
        add("enrolled_from", "date_invalid", message % {"value": entry.starts_on.isoformat()})
    if entry.guardian is not None:
        out.extend(guardian_problems(entry.guardian, row=row, refused=skip))
    return out


def _too_long(column: str, limit: int) -> str:
    return _("%(column)s is longer than %(max)s characters.") % {"column": column, "max": limit}


def guardian_problems(guardian: GuardianEntry, *, row: int = 1, refused: frozenset[str] = frozenset()) -> list[Problem]:
    """The rules on a guardian, for a roster's guardian columns and for ``guardian_add``."""
    out: list[Problem] = []
    first, last = guardian.first_name.strip(), guardian.last_name.strip()
    if "guardian_name" not in refused:
        if not first or not last:
            message = _("Write the guardian's first and last name, e.g. Ieva Krūmiņa.")
            out.append(Problem(row, "guardian_name", "guardian_name_invalid", message))
        elif len(first) > 100 or len(last) > 100:
            out.append(Problem(row, "guardian_name", "too_long", _too_long("guardian_name", 100)))
    if "guardian_relation" not in refused and guardian.relation not in RELATIONS:
        message = _("'%(value)s' is not a relation: use mother, father, guardian, foster or other.")
        out.append(Problem(row, "guardian_relation", "relation_invalid", message % {"value": guardian.relation}))
    if "guardian_phone" not in refused and len(guardian.phone.strip()) > 40:
        out.append(Problem(row, "guardian_phone", "too_long", _too_long("guardian_phone", 40)))
    email = guardian.email.strip()
    if email and "guardian_email" not in refused:
        try:
            validate_email(email)
        except ValidationError:
            message = _("'%(value)s' is not an e-mail address.") % {"value": email}
            out.append(Problem(row, "guardian_email", "email_invalid", message))
    return out


def decide(
    entry: PupilEntry,
    code: PersonalCode,
    code_hash: str,
    known: Known,
    create_only: bool,
    year: SchoolYear,
    today: dt.date,
) -> tuple[Plan | None, list[Problem]]:
    """The rules that depend on the pupil's record, and what writing the entry would change."""
    assert entry.institution is not None  # the caller decides only readable entries
    birth = entry.birth_date or code.birth_date
    if birth is None:  # a birth date the caller could not read, for a new-format code
        return None, []
    plan = Plan(entry=entry, code_hash=code_hash, digits=code.digits, birth_date=birth)
    pupil = known.pupils.get(code_hash)
    if pupil is None:
        plan.new = True
        plan.enrol_from = entry.starts_on or year.starts_on
        plan.guardian_new = entry.guardian is not None
        return plan, []
    current = known.open.get(pupil.pk)
    if current is not None and current.institution_id not in known.manageable:
        message = _(
            "This pupil is enrolled at a school outside your scope: that school must end the enrolment "
            "(a transfer) before another school enrols them."
        )
        return None, [Problem(entry.row, "personal_code", "pupil_out_of_scope", message, denied=True)]
    if create_only:
        message = _("A pupil with this personal code is already registered (record %(id)s). Open that record instead.")
        return None, [Problem(entry.row, "personal_code", "personal_code_duplicate", message % {"id": pupil.public_id})]
    plan.pupil = pupil
    plan.hidden = pupil.pk not in known.visible
    wanted = {
        "first_name": entry.first_name.strip(),
        "last_name": entry.last_name.strip(),
        "birth_date": birth,
        "gender": entry.gender,
    }
    plan.changed_fields = [f for f in PUPIL_FIELDS if getattr(pupil, f) != wanted[f]]
    klass = known.classes.get(class_key(entry))
    if current is None or klass is None or current.class_group_id != klass.pk:
        start = entry.starts_on or today
        if current is not None and start <= current.starts_on:
            message = _("The new class must start after the current enrolment began (%(date)s).")
            return None, [_overlap(entry, message % {"date": current.starts_on.isoformat()})]
        ended = known.last_ended.get(pupil.pk)
        if current is None and ended is not None and start <= ended:
            if plan.hidden:  # another school's dates are not the importer's to read
                return None, [_overlap(entry, _("The new class must start later: choose a later enrolment date."))]
            message = _("The new class must start after the pupil's last enrolment ended (%(date)s).")
            return None, [_overlap(entry, message % {"date": ended.isoformat()})]
        plan.move_from, plan.enrol_from = current, start
    if entry.guardian is not None:
        g = entry.guardian
        found = known.guardians.get((pupil.pk, g.first_name.strip(), g.last_name.strip()))
        if found is None:
            plan.guardian_new = True
        else:
            plan.guardian = found
            plan.guardian_changed = [f for f in GUARDIAN_FIELDS if getattr(found, f) != getattr(g, f).strip()]
    return plan, []


def class_key(entry: PupilEntry) -> tuple[int, str]:
    assert entry.institution is not None  # only checked entries get here
    return entry.institution.pk, entry.class_name.strip()


def _overlap(entry: PupilEntry, message: str) -> Problem:
    return Problem(entry.row, "enrolled_from", "enrolment_overlap", message)
