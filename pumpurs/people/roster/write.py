"""Writing checked roster entries in bulk, each change audited (``people.roster``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pumpurs.audit.services import Entry, audit_record_many
from pumpurs.core import crypto
from pumpurs.people.actors import Actor
from pumpurs.people.models import ClassGroup, Enrolment, Guardian, Pupil, SchoolYear
from pumpurs.people.roster.entries import PupilEntry, RosterOutcome
from pumpurs.people.roster.rules import GUARDIAN_FIELDS, PUPIL_FIELDS, Known, Plan, class_key

BULK_BATCH = 1000


def write(
    actor: Actor,
    plans: list[Plan],
    known: Known,
    pending_classes: dict[tuple[int, str], int],
    year: SchoolYear,
    outcome: RosterOutcome,
) -> None:
    """Write the checked plans in bulk: classes, pupils, closed and new enrolments, guardians, and
    one audit event per change, in the caller's transaction."""
    new_classes = classes_to_create(plans, known, pending_classes, year)
    ClassGroup.objects.bulk_create(new_classes, batch_size=BULK_BATCH)
    for klass in new_classes:
        known.classes[(klass.institution_id, klass.name)] = klass
    outcome.classes_created = new_classes
    now = timezone.now()
    events: list[Entry] = []
    fresh = [p for p in plans if p.new]
    for plan in fresh:
        e = plan.entry
        plan.pupil = Pupil(
            personal_code_encrypted=crypto.encrypt(plan.digits),
            personal_code_hash=plan.code_hash,
            first_name=e.first_name.strip(),
            last_name=e.last_name.strip(),
            birth_date=plan.birth_date,
            gender=e.gender,
        )
    Pupil.objects.bulk_create([p.pupil for p in fresh if p.pupil is not None], batch_size=BULK_BATCH)
    changed = [p for p in plans if p.changed_fields and not p.new]
    for plan in changed:
        assert plan.pupil is not None
        for name in plan.changed_fields:
            setattr(plan.pupil, name, plan.birth_date if name == "birth_date" else _wanted(plan.entry, name))
        plan.pupil.updated_at = now
    Pupil.objects.bulk_update(
        [p.pupil for p in changed if p.pupil is not None], [*PUPIL_FIELDS, "updated_at"], batch_size=BULK_BATCH
    )
    closing = []
    for plan in plans:
        if plan.move_from is not None and plan.enrol_from is not None:
            klass = known.classes[class_key(plan.entry)]
            same_school = plan.move_from.institution_id == klass.institution_id
            plan.move_from.ends_on = plan.enrol_from - dt.timedelta(days=1)
            plan.move_from.end_reason = (
                Enrolment.EndReason.CLASS_CHANGED if same_school else Enrolment.EndReason.TRANSFERRED
            )
            closing.append(plan.move_from)
    # Closed first: the database allows one open enrolment per pupil.
    Enrolment.objects.bulk_update(closing, ["ends_on", "end_reason"], batch_size=BULK_BATCH)
    started: list[Enrolment] = []
    for plan in plans:
        if plan.enrol_from is not None:
            assert plan.pupil is not None
            klass = known.classes[class_key(plan.entry)]
            started.append(
                Enrolment(pupil=plan.pupil, class_group=klass, institution=klass.institution, starts_on=plan.enrol_from)
            )
    Enrolment.objects.bulk_create(started, batch_size=BULK_BATCH)
    new_guardians, changed_guardians = _guardians(plans)
    for plan in plans:
        assert plan.pupil is not None
        outcome.pupils.append(plan.pupil)
        if plan.new:
            events.append(Entry("people.pupil.created", plan.pupil.pk, plan.pupil))
        elif plan.changed_fields:
            events.append(Entry("people.pupil.updated", plan.pupil.pk, plan.pupil, {"fields": plan.changed_fields}))
    for enrolment in closing:
        data = {"until": enrolment.ends_on.isoformat() if enrolment.ends_on else None, "reason": enrolment.end_reason}
        events.append(Entry("people.enrolment.ended", enrolment.pupil_id, enrolment.class_group, data))
    for enrolment in started:
        outcome.enrolments[enrolment.pupil_id] = enrolment
        data = {
            "institution": enrolment.institution.code,
            "class": enrolment.class_group.name,
            "from": enrolment.starts_on.isoformat(),
        }
        events.append(Entry("people.enrolment.started", enrolment.pupil_id, enrolment.class_group, data))
    for guardian in new_guardians:
        events.append(Entry("people.guardian.added", guardian.pupil_id, guardian))
    for guardian, fields in changed_guardians:
        events.append(Entry("people.guardian.updated", guardian.pupil_id, guardian, {"fields": fields}))
    audit_record_many(actor=actor, entries=events)


def classes_to_create(
    plans: list[Plan], known: Known, pending_classes: dict[tuple[int, str], int], year: SchoolYear
) -> list[ClassGroup]:
    """The classes of the current year the plans need that do not exist yet (unsaved)."""
    schools = {p.entry.institution.pk: p.entry.institution for p in plans if p.entry.institution is not None}
    return [
        ClassGroup(institution=schools[school], school_year=year, grade=grade, name=name)
        for (school, name), grade in pending_classes.items()
        if (school, name) not in known.classes and school in schools
    ]


def _wanted(entry: PupilEntry, name: str) -> str:
    value: str = getattr(entry, name)
    return value.strip()


def _guardians(plans: list[Plan]) -> tuple[list[Guardian], list[tuple[Guardian, list[str]]]]:
    new: list[Guardian] = []
    changed: list[tuple[Guardian, list[str]]] = []
    for plan in plans:
        g = plan.entry.guardian
        if g is None or plan.pupil is None:
            continue
        if plan.guardian_new:
            new.append(
                Guardian(
                    pupil=plan.pupil,
                    first_name=g.first_name.strip(),
                    last_name=g.last_name.strip(),
                    relation=g.relation,
                    phone=g.phone.strip(),
                    email=g.email.strip(),
                )
            )
        elif plan.guardian is not None and plan.guardian_changed:
            for name in plan.guardian_changed:
                setattr(plan.guardian, name, getattr(g, name).strip())
            changed.append((plan.guardian, plan.guardian_changed))
    Guardian.objects.bulk_create(new, batch_size=BULK_BATCH)
    Guardian.objects.bulk_update([g for g, _fields in changed], list(GUARDIAN_FIELDS), batch_size=BULK_BATCH)
    return new, changed
