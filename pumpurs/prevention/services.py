"""Every write of a training (issue 16, activity 2), one transaction each with its audit row.
Services called by the seed take a keyword-only ``now`` (decision 0013).

``training_create`` → ``participant_register_staff`` / ``participant_register_external`` →
``attendance_mark`` (again to correct it) → certificates for those present (a page, no write).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Institution, Municipality, User
from pumpurs.prevention import scope
from pumpurs.prevention.models import Participant, Training


@transaction.atomic
def training_create(
    *,
    actor: User,
    municipality: Municipality | None,
    title: str,
    topic: str,
    organiser: str,
    audience: str,
    remote: bool,
    place: str,
    starts_on: dt.date,
    ends_on: dt.date,
    hours: Decimal,
    now: dt.datetime,
    cost_cents: int = 0,
) -> Training:
    """A training organised by ``municipality`` (``None``: by the national team, for everyone).
    ``cost_cents``: what it cost the programme (activity 2's budget counts it as spent)."""
    if municipality is None:
        if not access.is_national(actor, Perm.MANAGE_TRAININGS):
            raise PermissionDenied(_("Only the national team organises a national training."))
    elif not access.municipalities_visible_to(actor, Perm.MANAGE_TRAININGS).filter(pk=municipality.pk).exists():
        raise PermissionDenied(_("You do not organise trainings of this municipality."))
    if ends_on < starts_on:
        raise ValidationError(_("The training ends before it starts."))
    if hours <= 0:
        raise ValidationError(_("A training lasts more than zero hours."))
    if not remote and not place.strip():
        raise ValidationError(_("Say where the training takes place, or mark it as remote."))
    if cost_cents < 0:
        raise ValidationError(_("A training's cost is not negative."))
    training = Training.objects.create(
        municipality=municipality,
        title=title.strip(),
        topic=topic.strip(),
        organiser=organiser.strip(),
        audience=audience,
        remote=remote,
        place=place.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        hours=hours,
        cost_cents=cost_cents,
        created_by=actor,
        created_at=now,
    )
    audit_record(
        actor=actor, action="prevention.training.created", target=training, data={"cost_cents": cost_cents}, at=now
    )
    return training


def _next_number(training: Training) -> int:
    return (Participant.objects.filter(training=training).aggregate(n=Max("number"))["n"] or 0) + 1


def _require_open(training: Training) -> None:
    if training.attendance_marked_at is not None:
        raise ValidationError(_("Attendance is already marked: the list of participants is closed."))


@transaction.atomic
def participant_register_staff(
    *, actor: User, training: Training, user: User, institution: Institution, now: dt.datetime
) -> Participant:
    """Registers a member of ``institution``'s staff: by its school coordinator or director, or by
    the training's organiser. The name is kept as it is now, for the certificate."""
    training = Training.objects.select_for_update().get(pk=training.pk)
    if not scope.registering_schools(actor, training).filter(pk=institution.pk).exists():
        raise PermissionDenied(_("You do not register the staff of this school for this training."))
    _require_open(training)
    if not access.staff_of(institution).filter(pk=user.pk).exists():
        raise ValidationError(_("Choose a member of the school's staff."))
    if Participant.objects.filter(training=training, user=user).exists():
        raise ValidationError(_("%(name)s is already registered.") % {"name": user.get_full_name() or user.username})
    participant = Participant.objects.create(
        training=training,
        number=_next_number(training),
        user=user,
        institution=institution,
        name=user.get_full_name() or user.get_username(),
        organisation=institution.name,
        registered_by=actor,
        registered_at=now,
    )
    audit_record(
        actor=actor,
        action="prevention.participant.registered",
        target=training,
        data={"participant": str(participant.public_id), "staff": user.get_username()},
        at=now,
    )
    return participant


@transaction.atomic
def participant_register_external(
    *, actor: User, training: Training, name: str, organisation: str, now: dt.datetime
) -> Participant:
    """Registers someone without an account (a youth worker, a parent) by name and organisation —
    never a personal code. The organiser's to do."""
    training = Training.objects.select_for_update().get(pk=training.pk)
    if not scope.may_manage(actor, training):
        raise PermissionDenied(_("You do not organise this training."))
    _require_open(training)
    if not name.strip() or not organisation.strip():
        raise ValidationError(_("Give the person's name and organisation."))
    participant = Participant.objects.create(
        training=training,
        number=_next_number(training),
        name=name.strip(),
        organisation=organisation.strip(),
        registered_by=actor,
        registered_at=now,
    )
    audit_record(
        actor=actor,
        action="prevention.participant.registered",
        target=training,
        data={"participant": str(participant.public_id), "external": True},
        at=now,
    )
    return participant


@transaction.atomic
def attendance_mark(*, actor: User, training: Training, present: set[int], now: dt.datetime) -> int:
    """Marks who was present (participant ids in ``present``) and everyone else absent, once the
    training has started; marking again corrects it. Returns how many were present."""
    training = Training.objects.select_for_update().get(pk=training.pk)
    if not scope.may_manage(actor, training):
        raise PermissionDenied(_("You do not organise this training."))
    if now.date() < training.starts_on:
        raise ValidationError(_("The training has not started yet: attendance is marked on or after its first day."))
    rows = Participant.objects.filter(training=training)
    unknown = present - set(rows.values_list("pk", flat=True))
    if unknown:
        raise ValidationError(_("Mark only the training's own participants."))
    rows.filter(pk__in=sorted(present)).update(attended=True)
    rows.exclude(pk__in=sorted(present)).update(attended=False)
    training.attendance_marked_at = now
    training.save(update_fields=["attendance_marked_at"])
    audit_record(
        actor=actor,
        action="prevention.training.attendance_marked",
        target=training,
        data={"present": len(present), "absent": rows.count() - len(present)},
        at=now,
    )
    return len(present)
