"""The risk app's record kinds (decision 0040): former pupils' risk records, and the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pumpurs.core.retention import Action, Part, record_kind_register, unprotected
from pumpurs.people.models import Enrolment, Pupil
from pumpurs.risk.models import AbsenceFollowUp, Assessment, Flag, IndicatorSnapshot, Notice


def former_pupils(*, left_before: dt.date) -> QuerySet[Pupil]:
    """Pupils enrolled nowhere now whose last enrolment ended before ``left_before``."""
    open_enrolment = Enrolment.objects.filter(pupil=OuterRef("pk"), ends_on__isnull=True)
    return (
        Pupil.objects.filter(~Exists(open_enrolment))
        .annotate(left_on=Max("enrolments__ends_on"))
        .filter(left_on__lt=left_before)
    )


def former_pupils_risk_due(now: dt.datetime) -> Sequence[Part]:
    """Flags (with their decisions), questionnaires (with their answers), indicator snapshots and
    absence follow-ups of pupils who left before the period. A questionnaire a support review
    rests on stays with the case (the closed-cases kind decides about it)."""
    left = former_pupils(left_before=timezone.localdate(former_risk.cutoff(now))).values("pk")
    return (
        Part(Flag.objects.filter(pupil__in=left), "raised_at"),
        Part(unprotected(Assessment.objects.filter(pupil__in=left)), "created_at"),
        Part(IndicatorSnapshot.objects.filter(pupil__in=left), "window_end"),
        Part(AbsenceFollowUp.objects.filter(pupil__in=left), "updated_at"),
    )


def notices_due(now: dt.datetime) -> Sequence[Part]:
    """Notices no longer waiting to be sent, written before the period."""
    done = Notice.objects.exclude(status=Notice.Status.QUEUED)
    return (Part(done.filter(created_at__lt=notices.cutoff(now)), "created_at"),)


former_risk = record_kind_register(
    code="risk.former_pupils",
    label=_("Risk records of former pupils (flags, questionnaires, indicators)"),
    setting="PUMPURS_RETENTION_FORMER_PUPIL_RISK_DAYS",
    due=former_pupils_risk_due,
    action=Action.DELETE,
    order=40,
)
notices = record_kind_register(
    code="risk.notices",
    label=_("Notices in the outbox"),
    setting="PUMPURS_RETENTION_NOTICE_DAYS",
    due=notices_due,
    action=Action.DELETE,
    order=30,
)
