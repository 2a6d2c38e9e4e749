"""Applications: entered from the applicant's form, refused with the numbers; the decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.people.models import User
from pumpurs.youth.models import (
    Application,
    ApplicationStatus,
    BudgetLine,
    Call,
    CallStatus,
)
from pumpurs.youth.money import eur_text
from pumpurs.youth.selectors import call_money
from pumpurs.youth.services.common import (
    EVALUATIONS_NEEDED,
    Line,
    _check_lines,
    _require_manager,
    _require_status,
)


@dataclass(frozen=True)
class ApplicationInput:
    organisation: str
    registration_number: str
    contact_name: str
    contact_email: str
    contact_phone: str
    youth_group: str
    title: str
    aims: str
    activities: str
    starts_on: dt.date
    ends_on: dt.date
    participants_expected: int
    age_from: int
    age_to: int
    requested_cents: int
    budget: list[Line]


@transaction.atomic
def application_enter(*, actor: User, call: Call, data: ApplicationInput, now: dt.datetime) -> Application:
    """Enters an applicant's form into an open call. Refused, with the numbers, when the request
    is over the call's maximum or the budget lines do not add up to it."""
    _require_manager(actor, call)
    _require_status(call, CallStatus.OPEN)
    budget_total = _check_lines(data.budget)
    if budget_total != data.requested_cents:
        raise ValidationError(
            _("The budget lines add up to %(lines)s, not the %(asked)s requested.")
            % {"lines": eur_text(budget_total), "asked": eur_text(data.requested_cents)}
        )
    if data.requested_cents > call.max_per_project_cents:
        raise ValidationError(
            _("The request of %(asked)s is over the call's maximum of %(max)s per project.")
            % {"asked": eur_text(data.requested_cents), "max": eur_text(call.max_per_project_cents)}
        )
    if data.ends_on < data.starts_on:
        raise ValidationError(_("The project ends before it starts."))
    if data.age_to < data.age_from:
        raise ValidationError(_("The age band ends below where it starts."))
    if data.participants_expected < 1:
        raise ValidationError(_("A project expects at least one participant."))
    number = (Application.objects.filter(call=call).aggregate(n=Max("number"))["n"] or 0) + 1
    fields = {k: v for k, v in data.__dict__.items() if k != "budget"}
    application = Application.objects.create(call=call, number=number, entered_by=actor, entered_at=now, **fields)
    BudgetLine.objects.bulk_create(
        BudgetLine(application=application, position=i, item=line.item.strip(), amount_cents=line.amount_cents)
        for i, line in enumerate(data.budget, 1)
    )
    audit_record(
        actor=actor,
        action="youth.application.entered",
        target=application,
        data={"call": str(call.public_id), "requested_cents": data.requested_cents},
        at=now,
    )
    return application


@transaction.atomic
def application_decide(
    *,
    actor: User,
    application: Application,
    approve: bool,
    awarded_cents: int | None,
    note: str,
    now: dt.datetime,
) -> Application:
    """The decision on a scored application: approved with an amount (at most the request and
    what is left of the call), or not supported with the reasons. Final: there is no undo."""
    call = Call.objects.select_for_update().get(pk=application.call_id)
    _require_manager(actor, call)
    _require_status(call, CallStatus.EVALUATION)
    if application.status != ApplicationStatus.SUBMITTED:
        raise ValidationError(_("This application is already decided."))
    scored = application.evaluations.count()
    if scored < EVALUATIONS_NEEDED:
        raise ValidationError(_("The application has %(n)d of the two evaluations a decision needs.") % {"n": scored})
    if approve:
        if not awarded_cents or awarded_cents <= 0:
            raise ValidationError(_("Enter the amount awarded."))
        if awarded_cents > application.requested_cents:
            raise ValidationError(
                _("The award of %(award)s is more than the %(asked)s requested.")
                % {"award": eur_text(awarded_cents), "asked": eur_text(application.requested_cents)}
            )
        available = call_money(call).available_cents
        if awarded_cents > available:
            raise ValidationError(
                _("The award of %(award)s is more than the %(left)s left in the call.")
                % {"award": eur_text(awarded_cents), "left": eur_text(available)}
            )
        application.status = ApplicationStatus.APPROVED
        application.awarded_cents = awarded_cents
    else:
        if not note.strip():
            raise ValidationError(_("Give the reasons why the application is not supported."))
        application.status = ApplicationStatus.REJECTED
        application.awarded_cents = None
    application.decision_note = note.strip()
    application.decided_by = actor
    application.decided_at = now
    application.save(update_fields=["status", "awarded_cents", "decision_note", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="youth.application.approved" if approve else "youth.application.rejected",
        target=application,
        data={"awarded_cents": application.awarded_cents},
        at=now,
    )
    return application
