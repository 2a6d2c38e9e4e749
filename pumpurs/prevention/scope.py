"""Who sees and organises which training (on top of ``people.access``).

* the national team sees every training and organises the national ones (no municipality);
* the municipality coordinator sees the national trainings and their municipality's, and
  organises their municipality's;
* school coordinators and directors see the same as their municipality and register the staff of
  their school; of a training they do not organise they see only their own school's participants;
* anyone else sees nothing (404).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.models import Institution
from pumpurs.prevention.models import Participant, Training


def trainings_visible_to(user: Viewer) -> QuerySet[Training]:
    if access.is_national(user, Perm.VIEW_TRAININGS):
        return Training.objects.all()
    if not access.has_perm(user, Perm.VIEW_TRAININGS):
        return Training.objects.none()
    return Training.objects.filter(
        Q(municipality__isnull=True) | Q(municipality__in=access.municipalities_visible_to(user, Perm.VIEW_TRAININGS))
    )


def trainings_managed_by(user: Viewer) -> QuerySet[Training]:
    if access.is_national(user, Perm.MANAGE_TRAININGS):
        return Training.objects.filter(municipality__isnull=True)
    if not access.has_perm(user, Perm.MANAGE_TRAININGS):
        return Training.objects.none()
    return Training.objects.filter(municipality__in=access.municipalities_visible_to(user, Perm.MANAGE_TRAININGS))


def may_manage(user: Viewer, training: Training) -> bool:
    return trainings_managed_by(user).filter(pk=training.pk).exists()


def registering_schools(user: Viewer, training: Training) -> QuerySet[Institution]:
    """The schools whose staff ``user`` may register for ``training``: every school the training
    is for when they organise it, otherwise their own school(s)."""
    if may_manage(user, training):
        schools = Institution.objects.all()
        if training.municipality_id is not None:
            schools = schools.filter(municipality_id=training.municipality_id)
        return schools
    mine = access.institutions_visible_to(user, Perm.REGISTER_TRAINEES)
    if training.municipality_id is not None:
        mine = mine.filter(municipality_id=training.municipality_id)
    return mine


def participants_visible_to(user: Viewer, training: Training) -> QuerySet[Participant]:
    rows = Participant.objects.filter(training=training)
    if may_manage(user, training):
        return rows
    return rows.filter(institution__in=access.institutions_visible_to(user, Perm.VIEW_TRAININGS))
