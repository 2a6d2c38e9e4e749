"""The project's content and expense report, and its approval (unspent money returns to the call)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.people.models import User
from pumpurs.youth import scope
from pumpurs.youth.models import (
    Application,
    ApplicationStatus,
    ExpenseLine,
    ProjectReport,
    ReportStatus,
)
from pumpurs.youth.money import eur_text
from pumpurs.youth.services.common import (
    Line,
    _check_lines,
    _require_manager,
)


@transaction.atomic
def report_submit(
    *,
    actor: User,
    application: Application,
    participants_reached: int,
    activities_done: str,
    expenses: list[Line],
    now: dt.datetime,
) -> ProjectReport:
    """The project's content and expense report, entered after the project ends. Spending more
    than awarded is refused with the numbers."""
    _require_manager(actor, application.call)
    if application.status != ApplicationStatus.APPROVED:
        raise ValidationError(_("Only an approved project reports."))
    if now.date() < application.ends_on:
        raise ValidationError(_("The project has not ended yet; it reports after it ends."))
    if ProjectReport.objects.filter(application=application).exists():
        raise ValidationError(_("The project's report is already entered."))
    if not activities_done.strip():
        raise ValidationError(_("Describe the activities done."))
    spent = _check_lines(expenses)
    awarded = application.awarded_cents or 0
    if spent > awarded:
        raise ValidationError(
            _("The expenses add up to %(spent)s, more than the %(award)s awarded.")
            % {"spent": eur_text(spent), "award": eur_text(awarded)}
        )
    report = ProjectReport.objects.create(
        application=application,
        participants_reached=participants_reached,
        activities_done=activities_done.strip(),
        spent_cents=spent,
        entered_by=actor,
        entered_at=now,
    )
    ExpenseLine.objects.bulk_create(
        ExpenseLine(report=report, position=i, item=line.item.strip(), amount_cents=line.amount_cents)
        for i, line in enumerate(expenses, 1)
    )
    audit_record(actor=actor, action="youth.report.submitted", target=report, data={"spent_cents": spent}, at=now)
    return report


@transaction.atomic
def report_approve(*, actor: User, report: ProjectReport, now: dt.datetime) -> ProjectReport:
    """Another coordinator of the municipality (or the national team) approves the report — never
    the one who entered it (four eyes); the money not spent returns to the call."""
    if not scope.may_approve_reports(actor, report.application.call):
        raise PermissionDenied(_("You do not run this call."))
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("The report is already approved."))
    if report.entered_by_id == actor.pk:
        raise ValidationError(
            _("You entered this report: another coordinator of the municipality or the national team approves it.")
        )
    report.status = ReportStatus.APPROVED
    report.approved_by = actor
    report.approved_at = now
    report.save(update_fields=["status", "approved_by", "approved_at"])
    returned = (report.application.awarded_cents or 0) - report.spent_cents
    audit_record(actor=actor, action="youth.report.approved", target=report, data={"returned_cents": returned}, at=now)
    return report
