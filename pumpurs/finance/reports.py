"""The monthly expense report of a school and the municipality's monthly claim (issue 14).

Assembly is set-based: two ``INSERT … SELECT`` statements over every draft report of a month at
once (one school from the page, every school from ``reports_assemble_all``), never a loop over
deliveries. A line's cost is the delivery's amount, else its quantity × the unit price its plan
line was committed at, in whole cents computed in integers on both engines.

    draft ──prepare (school coordinator)──► prepared ──director──► director_approved
      ▲                                          │                        │
      └────── return (an approver, with a comment) ───────────────────────┤
                                                            municipality ──► approved (locked)

Four eyes: whoever prepared a report never approves it, and the director's approver is never the
municipality's. A locked month is never changed: voiding a reported delivery puts a reversal line
(minus the same amount) into the next report assembled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.finance.models import DeliveredMonth, ExpenseLine, ExpenseReport, ReportStatus
from pumpurs.finance.money import split
from pumpurs.people.access import Perm, institutions_visible_to
from pumpurs.people.actors import Actor, actor_user
from pumpurs.people.models import Institution, Municipality, User
from pumpurs.support.models import Delivery, MeasureCategory

# Measures whose delivery needs its file (a ticket, a receipt): everything but consultations, which
# are evidenced by the pupil's signature on the consultation form (DESIGN §4).
NO_EVIDENCE_NEEDED = (MeasureCategory.CONSULTATION,)


MISSING_EVIDENCE = Q(kind="delivery", evidence_required=True, has_evidence=False)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_text(month: dt.date) -> str:
    return date_format(month, "F Y")


# A delivery's cost in whole cents, exactly, on both engines: hundredths of the quantity are made
# whole first (a quantity has two decimals), then multiplied by the integer unit price and rounded
# half up by integer division.
COST_SQL = """
    CASE WHEN d.amount IS NOT NULL THEN CAST(ROUND(d.amount * 100) AS BIGINT)
         WHEN c.unit_cents IS NOT NULL THEN (CAST(ROUND(d.quantity * 100) AS BIGINT) * c.unit_cents + 50) / 100
         ELSE 0 END
"""

_INSERT_DELIVERIES = f"""
INSERT INTO finance_expenseline
    (report_id, delivery_id, kind, amount_cents, measure_code, delivered_on, evidence_required, has_evidence)
SELECT r.id, d.id, 'delivery', {COST_SQL}, m.code, d.delivered_on,
       m.category NOT IN ({", ".join("%s" for _c in NO_EVIDENCE_NEEDED)}),
       COALESCE(d.evidence, '') <> ''
FROM support_delivery d
JOIN support_planmeasure pm ON pm.id = d.line_id
JOIN support_measure m ON m.id = pm.measure_id
JOIN support_plan p ON p.id = pm.plan_id
JOIN support_case cs ON cs.id = p.case_id
JOIN finance_expensereport r ON r.institution_id = cs.institution_id
LEFT JOIN finance_commitment c ON c.line_id = pm.id
WHERE r.id IN ({{ids}}) AND r.status = 'draft'
  AND d.voided_at IS NULL AND d.delivered_on < %s
  AND NOT EXISTS (SELECT 1 FROM finance_expenseline x WHERE x.delivery_id = d.id AND x.kind = 'delivery')
"""  # noqa: S608 — fixed text and integer keys only, every value a parameter

_INSERT_REVERSALS = """
INSERT INTO finance_expenseline
    (report_id, delivery_id, kind, amount_cents, measure_code, delivered_on, evidence_required, has_evidence,
     reverses_id)
SELECT r.id, l.delivery_id, 'reversal', -l.amount_cents, l.measure_code, l.delivered_on, l.evidence_required,
       l.has_evidence, l.id
FROM finance_expenseline l
JOIN finance_expensereport old ON old.id = l.report_id
JOIN support_delivery d ON d.id = l.delivery_id
JOIN finance_expensereport r ON r.institution_id = old.institution_id
WHERE r.id IN ({ids}) AND r.status = 'draft' AND old.status <> 'draft' AND old.month < r.month
  AND l.kind = 'delivery' AND d.voided_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM finance_expenseline x WHERE x.reverses_id = l.id)
"""


def _assemble(report_ids: list[int], month: dt.date) -> None:
    """Fill, or bring up to date, the draft reports ``report_ids`` of ``month``: four statements
    for any number of reports."""
    if not report_ids:
        return
    ids = ", ".join(str(int(i)) for i in report_ids)
    with connection.cursor() as cursor:
        # A draft is brought up to date, not rebuilt: lines of deliveries voided since go, evidence
        # attached since is noted, and the inserts below add only what is not reported yet (so the
        # national month assembled again costs little). Nothing points at a draft's lines.
        drafts = f"report_id IN ({ids}) AND report_id IN (SELECT id FROM finance_expensereport WHERE status = 'draft')"  # noqa: S608 — integer keys
        cursor.execute(
            f"DELETE FROM finance_expenseline WHERE {drafts} AND kind = 'delivery' AND EXISTS "  # noqa: S608 — integer keys
            "(SELECT 1 FROM support_delivery d WHERE d.id = delivery_id AND d.voided_at IS NOT NULL)"
        )
        cursor.execute(
            f"UPDATE finance_expenseline SET has_evidence = %s WHERE {drafts} AND kind = 'delivery' "  # noqa: S608 — integer keys
            "AND has_evidence = %s AND EXISTS (SELECT 1 FROM support_delivery d WHERE d.id = delivery_id "
            "AND COALESCE(d.evidence, '') <> '')",
            [True, False],
        )
        cursor.execute(_INSERT_DELIVERIES.format(ids=ids), [*NO_EVIDENCE_NEEDED, next_month(month)])
        cursor.execute(_INSERT_REVERSALS.format(ids=ids))


def expense_lines_orphaned() -> int:
    """How many report lines point at a report, a delivery or a reversed line that does not exist
    (0 when right): the check that stands in for the foreign-key constraints the lines do without
    (decision 0037). One statement; for ``pumpurs delivered_rebuild --check`` and the tests."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM finance_expenseline l "
            "WHERE NOT EXISTS (SELECT 1 FROM finance_expensereport r WHERE r.id = l.report_id) "
            "OR NOT EXISTS (SELECT 1 FROM support_delivery d WHERE d.id = l.delivery_id) "
            "OR (l.reverses_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM finance_expenseline x WHERE x.id = l.reverses_id))"
        )
        return int(cursor.fetchone()[0])


def _locked_refusal(report: ExpenseReport) -> ValidationError:
    return ValidationError(
        _(
            "%(month)s is approved and locked: it is never changed. To correct it, void the delivery "
            "concerned (and record the right one): the next month's report then carries a reversal line."
        )
        % {"month": month_text(report.month)},
        code="locked",
    )


def _require_preparer(actor: Actor, institution: Institution) -> None:
    if not institutions_visible_to(actor, Perm.PREPARE_EXPENSES).filter(pk=institution.pk).exists():
        raise PermissionDenied(_("You may not prepare this school's expense report."))


@transaction.atomic
def report_assemble(
    *, actor: Actor, institution: Institution, month: dt.date, now: dt.datetime | None = None
) -> ExpenseReport:
    """Assemble (or assemble again) the draft report of ``institution`` for ``month`` from its
    deliveries. A report past draft is refused; a locked one with the reversal path named.
    Inverse: none needed — a draft is assembled again at will."""
    now = now or timezone.now()
    month = month_start(month)
    _require_preparer(actor, institution)
    if month > month_start(timezone.localdate(now)):
        raise ValidationError(_("A month is reported once it has begun."), code="future")
    report, _created = ExpenseReport.objects.select_for_update().get_or_create(
        institution=institution, month=month, defaults={"assembled_at": now}
    )
    if report.is_locked:
        raise _locked_refusal(report)
    if report.status != ReportStatus.DRAFT:
        raise ValidationError(
            _("The report is waiting for approval: it can be assembled again once it is returned."), code="pending"
        )
    report.assembled_at = now
    report.save(update_fields=["assembled_at"])
    _assemble([report.pk], month)
    audit_record(
        actor=actor,
        action="finance.report.assembled",
        target=report,
        data={"institution": institution.code, "month": month.isoformat(), "lines": report.lines.count()},
    )
    return report


def reports_assemble_all(*, actor: Actor, month: dt.date, now: dt.datetime | None = None) -> int:
    """Assemble the draft report of ``month`` of every school in ``actor``'s scope that has a
    delivery to report (the national month in a fixed number of statements). Returns how many."""
    now = now or timezone.now()
    month = month_start(month)
    with transaction.atomic():
        scope = institutions_visible_to(actor, Perm.PREPARE_EXPENSES)
        # Which schools have something to report, from the delivered-cents rollup (50 000 rows for
        # the national month, not 300 000 deliveries), plus any with a reported delivery voided
        # since and not yet reversed — its reversal is due even when nothing else is.
        with_deliveries = set(
            DeliveredMonth.objects.filter(institution__in=scope, month__lt=next_month(month))
            .values_list("institution_id", flat=True)
            .distinct()
        ) | set(
            ExpenseLine.objects.filter(
                kind=ExpenseLine.Kind.DELIVERY,
                report__institution__in=scope,
                report__month__lt=month,
                delivery_id__in=Delivery.objects.filter(voided_at__isnull=False).values("pk"),
                reversals__isnull=True,
            )
            .exclude(report__status=ReportStatus.DRAFT)
            .values_list("report__institution_id", flat=True)
            .distinct()
        )
        existing = set(
            ExpenseReport.objects.filter(month=month, institution__in=scope).values_list("institution_id", flat=True)
        )
        ExpenseReport.objects.bulk_create(
            [
                ExpenseReport(institution_id=pk, month=month, assembled_at=now)
                for pk in sorted(with_deliveries)
                if pk not in existing
            ],
            batch_size=1000,
        )
        drafts = list(
            ExpenseReport.objects.filter(month=month, institution__in=scope, status=ReportStatus.DRAFT).values_list(
                "pk", flat=True
            )
        )
        ExpenseReport.objects.filter(pk__in=drafts).update(assembled_at=now)
        if connection.vendor == "postgresql":
            # Hundreds of reports just created: give the planner their numbers before the big join.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE finance_expensereport")
        _assemble(drafts, month)
        audit_record(
            actor=actor,
            action="finance.report.assembled_all",
            data={"month": month.isoformat(), "reports": len(drafts)},
        )
    return len(drafts)


@dataclass(frozen=True)
class ReportTotals:
    total: int
    lines: int
    reversals: int
    missing_evidence: int


def report_totals(report: ExpenseReport) -> ReportTotals:
    row = report.lines.aggregate(
        total=Sum("amount_cents"),
        lines=Count("id"),
        reversals=Count("id", filter=Q(kind=ExpenseLine.Kind.REVERSAL)),
        missing=Count("id", filter=MISSING_EVIDENCE),
    )
    return ReportTotals(
        total=row["total"] or 0, lines=row["lines"], reversals=row["reversals"], missing_evidence=row["missing"]
    )


def _approver_refusal() -> PermissionDenied:
    return PermissionDenied(_("You may not approve this report."))


@transaction.atomic
def report_prepare(*, actor: User, report: ExpenseReport, now: dt.datetime | None = None) -> ExpenseReport:
    """The school coordinator submits the assembled draft to the director. Inverse: ``report_return``."""
    now = now or timezone.now()
    _require_preparer(actor, report.institution)
    report = ExpenseReport.objects.select_for_update().get(pk=report.pk)
    if report.is_locked:
        raise _locked_refusal(report)
    if report.status != ReportStatus.DRAFT:
        raise ValidationError(_("The report is already prepared."), code="status")
    report.status, report.prepared_by, report.prepared_at, report.returned_comment = (
        ReportStatus.PREPARED,
        actor,
        now,
        "",
    )
    report.save()
    _audit(actor, report, "prepared")
    return report


@transaction.atomic
def report_approve(*, actor: User, report: ExpenseReport, now: dt.datetime | None = None) -> ExpenseReport:
    """The director approves a prepared report, then the municipality coordinator, which locks it
    with its totals and their ESF / state split. The preparer never approves; nor does one person
    approve at both steps. Inverse: none once locked (a reversal in a later month)."""
    now = now or timezone.now()
    report = ExpenseReport.objects.select_for_update().get(pk=report.pk)
    if report.is_locked:
        raise _locked_refusal(report)
    step = _pending_step(report)
    if step is None:
        raise ValidationError(_("The report has not been prepared yet."), code="status")
    perm, by = step
    if not institutions_visible_to(actor, perm).filter(pk=report.institution_id).exists():
        raise _approver_refusal()
    if actor.pk in (report.prepared_by_id, report.director_by_id):
        raise PermissionDenied(
            _("Four eyes: you prepared or already approved this report, so someone else approves it.")
        )
    if by == "director":
        report.status, report.director_by, report.director_at = ReportStatus.DIRECTOR_APPROVED, actor, now
    else:
        totals = report_totals(report)
        parts = split(totals.total)
        report.status, report.municipality_by, report.municipality_at = ReportStatus.APPROVED, actor, now
        report.total_cents, report.esf_cents, report.state_cents = parts.total, parts.esf, parts.state
    report.save()
    _audit(actor, report, "approved" if report.is_locked else "director_approved")
    return report


def _pending_step(report: ExpenseReport) -> tuple[Perm, str] | None:
    if report.status == ReportStatus.PREPARED:
        return Perm.APPROVE_AS_DIRECTOR, "director"
    if report.status == ReportStatus.DIRECTOR_APPROVED:
        return Perm.APPROVE_AS_MUNICIPALITY, "municipality"
    return None


@transaction.atomic
def report_return(*, actor: User, report: ExpenseReport, comment: str) -> ExpenseReport:
    """An approver sends a report back to draft with a comment (it can then be assembled again).
    Inverse: ``report_prepare``."""
    report = ExpenseReport.objects.select_for_update().get(pk=report.pk)
    if report.is_locked:
        raise _locked_refusal(report)
    step = _pending_step(report)
    if step is None or not institutions_visible_to(actor, step[0]).filter(pk=report.institution_id).exists():
        raise _approver_refusal()
    if not comment.strip():
        raise ValidationError({"comment": _("Say what must change.")})
    report.status, report.returned_comment = ReportStatus.DRAFT, comment.strip()
    report.prepared_by = report.prepared_at = report.director_by = report.director_at = None
    report.save()
    _audit(actor, report, "returned")
    return report


def _audit(actor: Actor, report: ExpenseReport, what: str) -> None:
    audit_record(
        actor=actor,
        action=f"finance.report.{what}",
        target=report,
        data={
            "institution": report.institution.code,
            "month": report.month.isoformat(),
            "total_cents": report.total_cents,
            "by": getattr(actor_user(actor), "username", None),
        },
    )


def reports_visible_to(user: Actor) -> QuerySet[ExpenseReport]:
    return ExpenseReport.objects.filter(institution__in=institutions_visible_to(user, Perm.VIEW_FINANCE))


@dataclass(frozen=True)
class Claim:
    """A municipality's monthly claim to the national programme: its schools' approved reports."""

    municipality: Municipality
    month: dt.date
    reports: list[ExpenseReport]
    total: int
    esf: int
    state: int
    schools_without_approved_report: list[Institution]


def municipality_claim(municipality: Municipality, month: dt.date) -> Claim:
    """The sum of the approved (locked) reports of ``municipality``'s schools for ``month``, with
    the ESF / state parts summed from the reports' own frozen splits, so the claim is exactly the
    sum of what the schools approved."""
    month = month_start(month)
    reports = list(
        ExpenseReport.objects.filter(institution__municipality=municipality, month=month, status=ReportStatus.APPROVED)
        .select_related("institution")
        .order_by("institution__name")
    )
    done = {r.institution_id for r in reports}
    missing = [
        i
        for i in Institution.objects.filter(municipality=municipality, expense_reports__month=month).distinct()
        if i.pk not in done
    ]
    return Claim(
        municipality=municipality,
        month=month,
        reports=reports,
        total=sum(r.total_cents or 0 for r in reports),
        esf=sum(r.esf_cents or 0 for r in reports),
        state=sum(r.state_cents or 0 for r in reports),
        schools_without_approved_report=missing,
    )


def report_actions_for(user: Actor, report: ExpenseReport) -> set[str]:
    """What ``user`` may do with ``report`` now — the one answer the page, the API and the
    services share: ``assemble`` and ``prepare`` (a draft, by the school's coordinator),
    ``approve`` and ``return`` (the pending step's approver, never the preparer or the director's
    approver again)."""
    actions: set[str] = set()
    if report.is_locked:
        return actions
    if report.status == ReportStatus.DRAFT:
        if institutions_visible_to(user, Perm.PREPARE_EXPENSES).filter(pk=report.institution_id).exists():
            actions |= {"assemble", "prepare"}
        return actions
    step = _pending_step(report)
    if step is not None and institutions_visible_to(user, step[0]).filter(pk=report.institution_id).exists():
        actions.add("return")
        person = actor_user(user)
        if person is not None and person.pk not in (report.prepared_by_id, report.director_by_id):
            actions.add("approve")
    return actions
