"""Every write of a youth initiative call (issue 16, activity 3), one transaction each with its
audit row. Order: permission → validation → write → audit. Services called by the seed take a
keyword-only ``now`` (decision 0013).

The life of a call: ``call_create`` (draft, with its weighted criteria) → ``call_open`` →
applications entered (``application_enter``) → ``call_start_evaluation`` (two evaluators named)
→ ``evaluation_submit`` / ``conflict_declare`` → ``application_decide`` → ``call_close`` once all
are decided. After a project ends: ``report_submit`` → ``report_approve``; what was not spent
returns to the call (``selectors.call_money``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pumpurs.audit.services import audit_record
from pumpurs.people.access import Perm, is_national, municipalities_visible_to
from pumpurs.people.models import Municipality, User
from pumpurs.youth import scope
from pumpurs.youth.models import (
    Application,
    ApplicationStatus,
    BudgetLine,
    Call,
    CallStatus,
    ConflictDeclaration,
    Criterion,
    Evaluation,
    ExpenseLine,
    ProjectReport,
    ReportStatus,
    Score,
)
from pumpurs.youth.money import eur_text, project_max_cents
from pumpurs.youth.selectors import call_money

EVALUATIONS_NEEDED = 2
MAX_SCORE = 10


@dataclass(frozen=True)
class Line:
    """A budget or expense line as typed: what, and how many cents."""

    item: str
    amount_cents: int


def _require_manager(actor: User, call: Call) -> None:
    if not scope.may_manage(actor, call):
        raise PermissionDenied(_("You do not run this call."))


def _require_status(call: Call, *allowed: CallStatus) -> None:
    if call.status not in allowed:
        raise ValidationError(
            _("The call is “%(status)s”; this is done when it is “%(allowed)s”.")
            % {"status": call.get_status_display(), "allowed": ", ".join(str(s.label) for s in allowed)}
        )


def _check_lines(lines: list[Line]) -> int:
    """The total of budget or expense lines, each with an item and an amount above zero."""
    if not lines:
        raise ValidationError(_("Enter at least one line with an item and its amount."))
    if any(line.amount_cents <= 0 or not line.item.strip() for line in lines):
        raise ValidationError(_("Every line needs an item and an amount above zero."))
    return sum(line.amount_cents for line in lines)


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
