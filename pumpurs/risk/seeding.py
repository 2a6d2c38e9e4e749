"""The early-identification picture of the demo: flags from the seeded facts, some decided by the
school's coordinator, some questionnaires filled by class teachers (issue 4, "Done when").

Runs after the facts are loaded, inside the seed's transaction, through the real services (so the
audit trail tells the same story). Deterministic by seed. The loops here are over the few percent
of pupils that are flagged, never over all pupils.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from pumpurs.people.models import Enrolment, Period, Role, RoleGrant
from pumpurs.risk.indicators import indicators_refresh
from pumpurs.risk.models import DismissReason, Flag, FlagStatus
from pumpurs.risk.questionnaire import assessment_start, assessment_submit, default_instrument
from pumpurs.risk.services import flag_accept, flag_dismiss

ACCEPT_SHARE = 0.45
DISMISS_SHARE = 0.20
ASSESSED_SHARE = 0.6
DISMISS_COMMENTS = {
    DismissReason.KNOWN_CAUSE: "Ilgstoša slimība, ārsta zīme iesniegta; klases audzinātāja seko līdzi.",
    DismissReason.DATA_ERROR: "E-klasē kavējumi ievadīti kļūdaini, tiks labots.",
    DismissReason.NOT_AT_RISK: "Pārrunāts ar skolēnu un vecākiem; riska nav.",
}


def risk_seed(*, seed: int, today: dt.date) -> dict[str, int]:
    refresh = indicators_refresh(today=today)
    period = Period.objects.filter(pk=refresh.period_id).first() if refresh.period_id is not None else None
    if period is None:
        return {"flags": 0, "accepted": 0, "dismissed": 0, "assessments": 0}
    rng = random.Random(f"risk-{seed}")
    enrolments = {
        e.pupil_id: e
        for e in Enrolment.objects.filter(ends_on__isnull=True).select_related(
            "class_group__class_teacher", "institution"
        )
    }
    coordinators: dict[int, Any] = {}
    for grant in (
        RoleGrant.objects.filter(role=Role.SCHOOL_COORDINATOR).select_related("user").order_by("user__username")
    ):
        coordinators.setdefault(grant.institution_id or 0, grant.user)
    flags = list(
        Flag.objects.filter(period=period, status=FlagStatus.OPEN).select_related("pupil").order_by("pupil_id", "rule")
    )
    accepted = dismissed = 0
    for flag in flags:
        enrolment = enrolments.get(flag.pupil_id)
        coordinator = coordinators.get(enrolment.institution_id) if enrolment else None
        if coordinator is None:
            continue
        draw = rng.random()
        if draw < ACCEPT_SHARE:
            flag_accept(actor=coordinator, flag=flag, comment="Iekļauts atbalsta komandas sanāksmes darba kārtībā.")
            accepted += 1
        elif draw < ACCEPT_SHARE + DISMISS_SHARE:
            reason = rng.choice(list(DISMISS_COMMENTS))
            flag_dismiss(actor=coordinator, flag=flag, reason=reason, comment=DISMISS_COMMENTS[reason])
            dismissed += 1
    assessments = _questionnaires(rng, sorted({f.pupil_id for f in flags}), enrolments, period)
    return {"flags": len(flags), "accepted": accepted, "dismissed": dismissed, "assessments": assessments}


def _questionnaires(rng: random.Random, pupil_ids: list[int], enrolments: dict[int, Any], period: Period) -> int:
    """Class teachers fill the questionnaire for most flagged pupils: answers lean to "yes" on
    learning items, sometimes on the others; a few stay drafts."""
    items = list(default_instrument().items.order_by("order"))
    done = 0
    for pupil_id in pupil_ids:
        enrolment = enrolments.get(pupil_id)
        teacher = enrolment.class_group.class_teacher if enrolment else None
        if enrolment is None or teacher is None or rng.random() > ASSESSED_SHARE:
            continue
        assessment = assessment_start(actor=teacher, pupil=enrolment.pupil, period=period)
        answers = {}
        for item in items:
            lean = 0.45 if item.group == "learning" else 0.15
            draw = rng.random()
            answer = "yes" if draw < lean else "partly" if draw < lean + 0.2 else "no"
            answers[item.code] = (answer, "")
        assessment_submit(actor=teacher, assessment=assessment, answers=answers)
        done += 1
    return done


__all__ = ["risk_seed"]
