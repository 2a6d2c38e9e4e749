"""The municipality's follow-up of pupils over the unjustified-absence threshold (issue 13).

The threshold notice (``notices.threshold_notices_create``) tells the municipality coordinators by
e-mail; this makes it a task: each pupil with an ``unjustified_semester`` flag in a semester is
open until a coordinator takes it (in progress, with an owner) and closes it with a note (done).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Min, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Period, Pupil, Role, RoleGrant, User
from pumpurs.people.selectors import open_on
from pumpurs.risk.models import AbsenceFollowUp, Flag

RULE = "unjustified_semester"


def _semester(today: dt.date) -> Subquery:
    return Subquery(Period.objects.filter(starts_on__lte=today).order_by("-starts_on").values("pk")[:1])


def pupils_over_threshold(user: Any, today: dt.date, *, include_done: bool = False) -> QuerySet[Pupil]:
    """Pupils the user follows up (``FOLLOW_ABSENCES``: the municipality coordinator, her schools)
    with an unjustified-absence flag this semester, annotated with the follow-up's status, owner
    and ``work_since`` (when the first such flag was raised). Done ones only with ``include_done``."""
    semester = _semester(today)
    flags = Flag.objects.filter(pupil_id=OuterRef("pk"), period_id=semester, rule=RULE)
    follow_up = AbsenceFollowUp.objects.filter(pupil_id=OuterRef("pk"), period_id=semester)
    first = flags.order_by().values("pupil_id").annotate(m=Min("raised_at")).values("m")[:1]
    pupils = (
        access.pupils_visible_to(user, Perm.FOLLOW_ABSENCES, today=today)
        # From the semester's flags of the rule (thousands), not from every pupil in scope.
        .filter(pk__in=Flag.objects.filter(period_id=semester, rule=RULE).values("pupil_id"))
        .annotate(
            work_since=Subquery(first),
            follow_status=Coalesce(Subquery(follow_up.values("status")[:1]), Value(AbsenceFollowUp.Status.OPEN.value)),
            follow_owner=Subquery(follow_up.values("owner__last_name")[:1]),
            follow_owner_first=Subquery(follow_up.values("owner__first_name")[:1]),
            unjustified=Subquery(flags.order_by("-raised_at").values("value")[:1]),
        )
    )
    if not include_done:
        pupils = pupils.exclude(follow_status=AbsenceFollowUp.Status.DONE)
    return pupils


def owners_for(pupil: Pupil, today: dt.date) -> QuerySet[User]:
    """Who may own the follow-up: the active municipality coordinators of the pupil's school's
    municipality."""
    municipalities = pupil.enrolments.filter(open_on(today)).values("institution__municipality_id")
    grants = RoleGrant.objects.filter(
        user_id=OuterRef("pk"), role=Role.MUNICIPALITY_COORDINATOR, municipality_id__in=municipalities
    )
    return User.objects.filter(Exists(grants), is_active=True).order_by("last_name", "first_name")


@transaction.atomic
def absence_follow_up_set(
    *,
    actor: User,
    pupil: Pupil,
    period: Period,
    status: str,
    owner: User | None,
    note: str,
    now: dt.datetime | None = None,
) -> AbsenceFollowUp:
    """Record where the municipality's follow-up of ``pupil`` in ``period`` stands: open, in
    progress (with an owner) or done (with a note saying what was done). Refused outside the
    actor's scope; the owner must be a coordinator of the pupil's municipality. Its own inverse:
    setting it open again."""
    now = now or timezone.now()
    access.require_pupil(actor, pupil, Perm.FOLLOW_ABSENCES)
    errors = []
    if status not in AbsenceFollowUp.Status.values:
        errors.append(_("Choose a status."))
    if status == AbsenceFollowUp.Status.IN_PROGRESS and owner is None:
        errors.append(_("A follow-up in progress needs an owner."))
    if status == AbsenceFollowUp.Status.DONE and not note.strip():
        errors.append(_("Say in a note what was done."))
    if owner is not None and not owners_for(pupil, now.date()).filter(pk=owner.pk).exists():
        errors.append(_("The owner must be a coordinator of the pupil's municipality."))
    if errors:
        raise ValidationError(errors)
    follow_up, _created = AbsenceFollowUp.objects.update_or_create(
        pupil=pupil,
        period=period,
        defaults={"status": status, "owner": owner, "note": note.strip(), "updated_by": actor, "updated_at": now},
    )
    audit_record(
        actor=actor,
        action="risk.absence_follow_up.updated",
        pupil_id=pupil.pk,
        target=follow_up,
        data={"status": status, "owner": owner.username if owner else ""},
    )
    return follow_up
