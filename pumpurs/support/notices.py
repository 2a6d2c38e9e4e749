"""Notices to guardians about support (issue 5, item 7): when a plan is approved and when a
measure starts. They go through the same outbox as the risk notices (``risk.Notice``), written in
Latvian, de-duplicated by key, and sent by the worker after the transaction commits."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import override

from pumpurs.core.display import day_text
from pumpurs.risk.models import Notice
from pumpurs.risk.notices import guardian_notice, notices_queue
from pumpurs.risk.tasks import send_notices_after_commit
from pumpurs.support.models import Plan, PlanMeasure


def _to_guardians(*, plan: Plan, kind: str, key: str, subject: str, body: str) -> int:
    notices = [
        guardian_notice(guardian, kind=kind, subject=subject, body=body, key=key)
        for guardian in plan.case.pupil.guardians.all()
    ]
    created = notices_queue(notices)
    if created:
        send_notices_after_commit()
    return created


def plan_approved_notice(*, plan: Plan) -> int:
    """Tell the guardians that the plan is approved (once per plan and guardian)."""
    with override("lv"):
        pupil = plan.case.pupil
        subject = _("Support plan approved: %(pupil)s") % {"pupil": f"{pupil.first_name} {pupil.last_name}"}
        body = _(
            "The individual support plan of %(pupil)s for %(period)s has been approved. "
            "The school will contact you about the support. Contact person: %(contact)s."
        ) % {
            "pupil": f"{pupil.first_name} {pupil.last_name}",
            "period": str(plan.period),
            "contact": plan.contact_person,
        }
        return _to_guardians(
            plan=plan, kind=Notice.Kind.PLAN_APPROVED, key=f"plan:{plan.pk}", subject=subject, body=body
        )


def measure_started_notice(*, line: PlanMeasure, on: dt.date) -> int:
    """Tell the guardians that a measure of the plan has started (once per plan line)."""
    plan = line.plan
    with override("lv"):
        pupil = plan.case.pupil
        subject = _("Support has started: %(measure)s") % {"measure": line.measure.name}
        body = _("From %(date)s %(pupil)s receives: %(measure)s. Contact person: %(contact)s.") % {
            "date": day_text(on),
            "pupil": f"{pupil.first_name} {pupil.last_name}",
            "measure": line.measure.name,
            "contact": plan.contact_person,
        }
        return _to_guardians(
            plan=plan, kind=Notice.Kind.MEASURE_STARTED, key=f"measure:{line.pk}", subject=subject, body=body
        )
