"""Review reminders (issue 12): when a plan's semester review becomes overdue, its case lead and
the school's coordinators get one notice each — through the outbox of ``risk.Notice``, in
Latvian, de-duplicated by plan and recipient, so the daily job reminds once, not every day."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from pumpurs.core.display import day_text
from pumpurs.people.access import Perm
from pumpurs.people.actors import Scope, SystemActor
from pumpurs.people.models import Role, RoleGrant, User
from pumpurs.risk.models import Notice
from pumpurs.risk.notices import notices_queue
from pumpurs.risk.tasks import send_notices_after_commit
from pumpurs.support.models import Plan, TeamMember
from pumpurs.support.timeline import overdue_plans

# Looks at every school's plans to find the late reviews; reads, and queues notices only.
REMINDERS = SystemActor(name="system:review-reminders", perms=frozenset({Perm.VIEW_SUPPORT}), scope=Scope.country())


def _recipients(plans: list[Plan]) -> dict[int, list[User]]:
    """Per plan: its case's current leads and its school's active coordinators, each once."""
    leads: dict[int, list[User]] = {}
    team = TeamMember.objects.filter(
        case_id__in={plan.case_id for plan in plans}, role=TeamMember.Role.LEAD, removed_at__isnull=True
    ).select_related("user")
    for member in team:
        leads.setdefault(member.case_id, []).append(member.user)
    coordinators: dict[int, list[User]] = {}
    grants = RoleGrant.objects.filter(
        role=Role.SCHOOL_COORDINATOR, institution_id__in={plan.case.institution_id for plan in plans}
    ).select_related("user")
    for grant in grants:
        coordinators.setdefault(grant.institution_id or 0, []).append(grant.user)
    result = {}
    for plan in plans:
        people = leads.get(plan.case_id, []) + coordinators.get(plan.case.institution_id, [])
        result[plan.pk] = [user for user in {u.pk: u for u in people}.values() if user.is_active]
    return result


@transaction.atomic
def review_reminders_queue(*, today: dt.date) -> int:
    """Queue a reminder for every plan whose review is overdue on ``today`` (its semester ended
    more than PUMPURS_REVIEW_GRACE_DAYS ago and it is still active or in review), to its case lead
    and school coordinators. Returns how many notices are new; idempotent."""
    plans = list(overdue_plans(REMINDERS, today=today))
    recipients = _recipients(plans)
    notices = []
    with override("lv"):
        for plan in plans:
            pupil = plan.case.pupil
            name = f"{pupil.first_name} {pupil.last_name}"
            for user in recipients[plan.pk]:
                notices.append(
                    Notice(
                        kind=Notice.Kind.REVIEW_OVERDUE,
                        pupil=pupil,
                        recipient_user=user,
                        recipient_email=user.email,
                        subject=_("Support plan review overdue: %(pupil)s") % {"pupil": name},
                        body=_(
                            "The support plan of %(pupil)s (%(school)s) for %(period)s ended on %(ended)s and "
                            "has not been reviewed yet. Open PuMPuRS to review it (no personal code is sent "
                            "by e-mail)."
                        )
                        % {
                            "pupil": name,
                            "school": plan.case.institution.name,
                            "period": str(plan.period),
                            "ended": day_text(plan.period.ends_on),
                        },
                        status=Notice.Status.QUEUED if user.email else Notice.Status.NO_CONTACT,
                        dedupe_key=f"review-overdue:{plan.pk}:{user.pk}",
                    )
                )
    created = notices_queue(notices)
    if created:
        send_notices_after_commit()
    return created
