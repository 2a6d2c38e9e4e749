"""Handing a case over when its pupil moves school (decision 0020).

A pupil moves through the roster: the school they are at ends the enrolment ("transferred to
another school") and the new school enrols them — or a coordinator over both moves them in one
step. Nothing in ``people`` knows about cases, so the hand-over is read from the facts: an open
case whose school is not the pupil's current school is *waiting* for the new school. Until that
school accepts, the sending school keeps running the case; accepting moves ``Case.institution``
with its plans, contacts and consents, and leaves a ``CaseHandover`` row (who, when, from, to) so
the sending school keeps reading its own history.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.models import Enrolment, Institution, User
from pumpurs.support.guards import deliveries_changed_run
from pumpurs.support.models import Case, CaseHandover, PlanMeasure, TeamMember


def _current_school(today: dt.date) -> Subquery:
    """The school of the pupil's enrolment in force on ``today`` (the latest begun), per case."""
    in_force = Enrolment.objects.filter(pupil_id=OuterRef("pupil_id"), starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )
    return Subquery(in_force.order_by("-starts_on", "-pk").values("institution_id")[:1])


def handovers_waiting(*, today: dt.date) -> QuerySet[Case]:
    """Every open case whose pupil is now at another school, annotated with ``receiving_id``."""
    return (
        Case.objects.filter(status=Case.Status.OPEN)
        .annotate(receiving_id=_current_school(today))
        .filter(Q(receiving_id__isnull=False))
        .exclude(institution_id=F("receiving_id"))
    )


def handovers_waiting_for(user: Viewer, *, today: dt.date | None = None) -> QuerySet[Case]:
    """The cases handed over to ``user``'s schools: waiting where they may run cases."""
    schools = access.school_roles_institutions(user, Perm.MANAGE_CASES)
    return handovers_waiting(today=today or timezone.localdate()).filter(Q(receiving_id__in=schools.values("pk")))


@transaction.atomic
def case_handover_accept(*, actor: User, case: Case, now: dt.datetime | None = None) -> CaseHandover:
    """The pupil's new school takes over their open case: ``Case.institution`` moves to it, the
    sending school's team members leave the team, the acceptor leads it, and the movement is
    recorded and audited. The plans, contacts and consents stay on the case.

    Invariants: only an open case, only to the pupil's current school, only by someone who runs
    cases there. Inverse: none — should the pupil come back, the first school accepts it back."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    found = handovers_waiting(today=today).filter(pk=case.pk).first()
    waiting: int | None = getattr(found, "receiving_id", None)
    if waiting is None:
        raise ValidationError(_("This case is not waiting to be handed over to a new school."))
    if not access.school_roles_institutions(actor, Perm.MANAGE_CASES).filter(pk=waiting).exists():
        raise PermissionDenied(_("You may not do this for this pupil."))
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.status != Case.Status.OPEN or locked.institution_id == waiting:
        raise ValidationError(_("This case is not waiting to be handed over to a new school."))
    sending = locked.institution_id
    handover = CaseHandover.objects.create(
        case=locked, from_institution_id=sending, to_institution_id=waiting, accepted_by=actor, accepted_at=now
    )
    staying = access.staff_of(waiting).values("pk")
    TeamMember.objects.filter(case=locked, removed_at__isnull=True).exclude(user__in=staying).update(removed_at=now)
    if not TeamMember.objects.filter(case=locked, user=actor, removed_at__isnull=True).exists():
        TeamMember.objects.create(case=locked, user=actor, role=TeamMember.Role.LEAD, added_by=actor, added_at=now)
    locked.institution_id = waiting
    locked.save(update_fields=["institution"])
    # What the case's lines delivered is counted at its school now (finance's rollup, decision 0033).
    deliveries_changed_run(list(PlanMeasure.objects.filter(plan__case=locked).values_list("pk", flat=True)))
    audit_record(
        at=now,
        actor=actor,
        action="support.case.handed_over",
        pupil_id=locked.pupil_id,
        target=locked,
        data={"from": sending, "to": waiting},
    )
    case.institution_id = waiting
    return handover


def sending_schools(cases: list[Case]) -> dict[int, Institution]:
    """The schools named on a list of waiting cases (their current and receiving schools)."""
    ids = {c.institution_id for c in cases} | {getattr(c, "receiving_id", None) for c in cases}
    return Institution.objects.in_bulk([i for i in ids if i is not None])
