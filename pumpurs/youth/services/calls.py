"""A call's life: create (draft, with its criteria), open, name evaluators, evaluate, close."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pumpurs.audit.services import audit_record
from pumpurs.people.access import Perm, is_national, municipalities_visible_to
from pumpurs.people.models import Municipality, User
from pumpurs.youth import scope
from pumpurs.youth.models import (
    ApplicationStatus,
    Call,
    CallStatus,
    Criterion,
)
from pumpurs.youth.money import eur_text, project_max_cents
from pumpurs.youth.services.common import (
    EVALUATIONS_NEEDED,
    _require_manager,
    _require_status,
)


@transaction.atomic
def call_create(
    *,
    actor: User,
    municipality: Municipality | None,
    title: str,
    opens_on: dt.date,
    closes_on: dt.date,
    total_cents: int,
    max_per_project_cents: int,
    eligibility: str,
    criteria: list[tuple[str, int]],
    now: dt.datetime,
) -> Call:
    """A draft call of ``municipality`` (``None``: a national call, for the national team only).
    The maximum per project is at most the programme's (PUMPURS_YOUTH_PROJECT_MAX_EUR); criteria
    weights add up to 100 %."""
    if municipality is None:
        if not is_national(actor, Perm.MANAGE_YOUTH):
            raise PermissionDenied(_("Only the national team opens a national call."))
    elif not municipalities_visible_to(actor, Perm.MANAGE_YOUTH).filter(pk=municipality.pk).exists():
        raise PermissionDenied(_("You do not run calls of this municipality."))
    if closes_on < opens_on:
        raise ValidationError(_("The call closes before it opens."))
    limit = project_max_cents()
    if max_per_project_cents <= 0 or max_per_project_cents > limit:
        raise ValidationError(
            _("The maximum per project is %(asked)s; the programme allows at most %(limit)s.")
            % {"asked": eur_text(max_per_project_cents), "limit": eur_text(limit)}
        )
    if total_cents < max_per_project_cents:
        raise ValidationError(
            _("The call's total %(total)s does not cover even one project of %(max)s.")
            % {"total": eur_text(total_cents), "max": eur_text(max_per_project_cents)}
        )
    if not criteria or any(not name.strip() or weight < 1 for name, weight in criteria):
        raise ValidationError(_("Name at least one criterion, each with a weight of at least 1 %."))
    weights = sum(weight for _name, weight in criteria)
    if weights != 100:
        raise ValidationError(_("The criteria's weights add up to %(sum)d %%, not 100 %%.") % {"sum": weights})
    call = Call.objects.create(
        municipality=municipality,
        title=title.strip(),
        opens_on=opens_on,
        closes_on=closes_on,
        total_cents=total_cents,
        max_per_project_cents=max_per_project_cents,
        eligibility=eligibility.strip(),
        created_by=actor,
        created_at=now,
    )
    Criterion.objects.bulk_create(
        Criterion(call=call, position=i, name=name.strip(), weight=weight)
        for i, (name, weight) in enumerate(criteria, 1)
    )
    audit_record(actor=actor, action="youth.call.created", target=call, data={"total_cents": total_cents}, at=now)
    return call


@transaction.atomic
def call_open(*, actor: User, call: Call, now: dt.datetime) -> Call:
    """Draft → open: applications may be entered. Inverse: none (a call once announced stays)."""
    _require_manager(actor, call)
    _require_status(call, CallStatus.DRAFT)
    call.status = CallStatus.OPEN
    call.save(update_fields=["status"])
    audit_record(actor=actor, action="youth.call.opened", target=call, at=now)
    return call


@transaction.atomic
def call_evaluators_set(*, actor: User, call: Call, evaluators: list[User], now: dt.datetime) -> Call:
    """Names the call's evaluators (staff of its municipality) before the evaluation starts."""
    _require_manager(actor, call)
    _require_status(call, CallStatus.DRAFT, CallStatus.OPEN)
    allowed = set(scope.evaluator_candidates(call).values_list("pk", flat=True))
    if any(user.pk not in allowed for user in evaluators):
        raise ValidationError(_("Choose evaluators among the staff of the call's municipality."))
    call.evaluators.set(evaluators)
    audit_record(
        actor=actor,
        action="youth.call.evaluators_set",
        target=call,
        data={"evaluators": sorted(u.get_username() for u in evaluators)},
        at=now,
    )
    return call


@transaction.atomic
def call_start_evaluation(*, actor: User, call: Call, now: dt.datetime) -> Call:
    """Open → evaluation: no more applications; the evaluators score (at least two named)."""
    _require_manager(actor, call)
    _require_status(call, CallStatus.OPEN)
    if call.evaluators.count() < EVALUATIONS_NEEDED:
        raise ValidationError(_("Name at least two evaluators before the evaluation starts."))
    call.status = CallStatus.EVALUATION
    call.save(update_fields=["status"])
    audit_record(actor=actor, action="youth.call.evaluation_started", target=call, at=now)
    return call


@transaction.atomic
def call_close(*, actor: User, call: Call, now: dt.datetime) -> Call:
    """Evaluation → closed, once every application is decided. Reports are still received."""
    _require_manager(actor, call)
    _require_status(call, CallStatus.EVALUATION)
    waiting = call.applications.filter(status=ApplicationStatus.SUBMITTED).count()
    if waiting:
        raise ValidationError(
            ngettext("%(n)d application is not decided yet.", "%(n)d applications are not decided yet.", waiting)
            % {"n": waiting}
        )
    call.status = CallStatus.CLOSED
    call.save(update_fields=["status"])
    audit_record(actor=actor, action="youth.call.closed", target=call, at=now)
    return call
