"""The evaluators' scores and declared conflicts of interest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.people.models import User
from pumpurs.youth.models import (
    Application,
    ApplicationStatus,
    CallStatus,
    ConflictDeclaration,
    Criterion,
    Evaluation,
    Score,
)
from pumpurs.youth.services.common import (
    MAX_SCORE,
    _require_status,
)


def _require_evaluator(actor: User, application: Application) -> None:
    call = application.call
    if not call.evaluators.filter(pk=actor.pk).exists():
        raise PermissionDenied(_("You are not an evaluator of this call."))
    _require_status(call, CallStatus.EVALUATION)
    if application.status != ApplicationStatus.SUBMITTED:
        raise ValidationError(_("This application is already decided."))
    if application.conflicts.filter(evaluator=actor).exists():
        raise ValidationError(_("You declared a conflict of interest with this application: you do not score it."))
    if application.evaluations.filter(evaluator=actor).exists():
        raise ValidationError(_("You have already scored this application."))
    if actor.email and actor.email.strip().lower() == application.contact_email.strip().lower():
        raise ValidationError(_("You are the applicant's contact person: you do not score your own application."))


@transaction.atomic
def conflict_declare(*, actor: User, application: Application, reason: str, now: dt.datetime) -> ConflictDeclaration:
    """An evaluator declares a conflict of interest: they will not score this application."""
    _require_evaluator(actor, application)
    if not reason.strip():
        raise ValidationError(_("Say what the conflict of interest is."))
    declaration = ConflictDeclaration.objects.create(
        application=application, evaluator=actor, reason=reason.strip(), declared_at=now
    )
    audit_record(actor=actor, action="youth.application.conflict_declared", target=application, at=now)
    return declaration


def weighted_points(criteria: list[Criterion], scores: dict[int, int]) -> Decimal:
    """Σ score × weight / 10: 0–100 points when every criterion is scored 0–10."""
    total = sum((Decimal(scores[c.pk]) * c.weight for c in criteria), Decimal(0)) / MAX_SCORE
    return total.quantize(Decimal("0.01"))


@transaction.atomic
def evaluation_submit(
    *,
    actor: User,
    application: Application,
    scores: dict[int, int],
    no_conflict: bool,
    comment: str,
    now: dt.datetime,
) -> Evaluation:
    """One evaluator's scores (criterion id → 0–10 for every criterion of the call). The evaluator
    confirms having no conflict of interest; one who declared one, or is the applicant's contact,
    is refused. Each evaluator scores an application once."""
    _require_evaluator(actor, application)
    if not no_conflict:
        raise ValidationError(_("Confirm that you have no conflict of interest, or declare it."))
    criteria = list(application.call.criteria.all())
    if set(scores) != {c.pk for c in criteria}:
        raise ValidationError(_("Score every criterion."))
    if any(not 0 <= value <= MAX_SCORE for value in scores.values()):
        raise ValidationError(_("Scores are from 0 to 10."))
    evaluation = Evaluation.objects.create(
        application=application,
        evaluator=actor,
        points=weighted_points(criteria, scores),
        comment=comment.strip(),
        scored_at=now,
    )
    Score.objects.bulk_create(Score(evaluation=evaluation, criterion_id=pk, score=v) for pk, v in scores.items())
    audit_record(
        actor=actor,
        action="youth.application.scored",
        target=application,
        data={"points": str(evaluation.points)},
        at=now,
    )
    return evaluation
