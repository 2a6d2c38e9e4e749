"""The monthly expense report (issue 14): Līga (Lizuma's coordinator) assembles November from
its deliveries, with the evidence that is there and the list of what is missing; Juris (the
director) approves it, Inese (Gulbene) approves and locks it; nobody approves what they prepared;
a locked month is never edited — a voided delivery comes back as a reversal line in December.
Gulbene's claim sums its schools' approved reports, split ESF / state. Runs on both engines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from pumpurs.audit.models import AuditEvent
from pumpurs.finance.models import DeliveredMonth, ExpenseLine, ReportStatus
from pumpurs.finance.rates import rate_set
from pumpurs.finance.reports import (
    expense_lines_orphaned,
    municipality_claim,
    report_approve,
    report_assemble,
    report_prepare,
    report_return,
    report_totals,
    reports_assemble_all,
)
from pumpurs.people.access import forget_cached_grants
from pumpurs.people.models import Role
from pumpurs.support.delivery import compensation_record, consultation_record, delivery_void
from pumpurs.support.models import Delivery, Plan
from pumpurs.support.testing import active_plan, measure
from pumpurs.support.tests import stories
from pumpurs.world.personas import World, make_user

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)
NOVEMBER = dt.date(2026, 11, 1)


def november(world: World) -> Plan:
    """Anna's active plan with a psychologist hour at 25.00 (example rate), a 1.5-hour session
    (37.50), and two transport compensations — one with its ticket, one without."""
    rate_set(
        actor=world.national, measure_code="consult-psychologist", valid_from=world.year.starts_on, unit_cents=2500
    )
    plan = active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    consultation_record(
        actor=world.specialist_lizuma,
        plan=plan,
        measure=measure("consult-psychologist"),
        held_on=world.today,
        minutes=90,
        specialist=world.specialist_lizuma,
        mode="in_person",
        topic="Motivācija",
    )
    with_ticket = compensation_record(
        actor=world.coordinator_lizuma,
        plan=plan,
        measure=measure("transport"),
        starts_on=world.today,
        ends_on=None,
        quantity=Decimal(4),
        amount=Decimal("6.00"),
    )
    with_ticket.evidence.save("biletes.pdf", ContentFile(b"%PDF-1.4 biletes"))
    compensation_record(
        actor=world.coordinator_lizuma,
        plan=plan,
        measure=measure("transport"),
        starts_on=world.today,
        ends_on=None,
        quantity=Decimal(2),
        amount=Decimal("3.05"),
    )
    return plan


def test_the_month_is_assembled_from_its_deliveries_with_the_missing_evidence_listed(world: World) -> None:
    november(world)
    report = report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=world.today)
    assert report.month == NOVEMBER
    totals = report_totals(report)
    assert (totals.total, totals.lines, totals.reversals, totals.missing_evidence) == (3750 + 600 + 305, 3, 0, 1)
    missing = report.lines.get(evidence_required=True, has_evidence=False)
    assert missing.amount_cents == 305
    # Assembling again gives the same lines, never twice.
    report = report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=world.today)
    assert report_totals(report).lines == 3
    # The missing ticket arrives and a delivery is voided: the draft, assembled again, follows.
    missing.delivery.evidence.save("biletes2.pdf", ContentFile(b"%PDF-1.4 biletes"))
    ticketed = Delivery.objects.get(pk=missing.delivery_id)
    delivery_void(
        actor=world.coordinator_lizuma,
        delivery=Delivery.objects.get(line__measure__code="transport", amount=Decimal("6.00")),
        reason="Kļūda",
    )
    report = report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=world.today)
    totals = report_totals(report)
    assert (totals.total, totals.lines, totals.missing_evidence) == (3750 + 305, 2, 0)
    assert report.lines.get(delivery=ticketed).has_evidence


def test_prepared_by_the_coordinator_approved_by_the_director_then_the_municipality_then_locked(world: World) -> None:
    november(world)
    report = report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=world.today)
    with pytest.raises(PermissionDenied):
        report_prepare(actor=world.teacher_lizuma, report=report)
    report = report_prepare(actor=world.coordinator_lizuma, report=report)
    with pytest.raises(PermissionDenied):
        report_approve(actor=world.coordinator_gulbene, report=report)  # the director's step first
    with pytest.raises(PermissionDenied):
        report_approve(actor=world.coordinator_tirzas, report=report)
    report = report_approve(actor=world.director_lizuma, report=report)
    assert report.status == ReportStatus.DIRECTOR_APPROVED
    report = report_approve(actor=world.coordinator_gulbene, report=report)
    assert report.is_locked
    assert (report.total_cents, report.esf_cents, report.state_cents) == (4655, 3957, 698)
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="finance.report.").order_by("pk")] == [
        "finance.report.assembled",
        "finance.report.prepared",
        "finance.report.director_approved",
        "finance.report.approved",
    ]
    with pytest.raises(ValidationError, match="locked") as refused:
        report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=world.today)
    assert "reversal line" in refused.value.messages[0]
    with pytest.raises(ValidationError, match="locked"):
        report_return(actor=world.coordinator_gulbene, report=report, comment="Labot")


def test_the_preparer_never_approves_even_with_the_directors_role(world: World) -> None:
    november(world)
    # Līga is also made Lizuma's director: she may approve other people's reports, never her own.
    world.coordinator_lizuma.role_grants.create(role=Role.DIRECTOR, institution=world.lizuma)
    forget_cached_grants(world.coordinator_lizuma)
    report = report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=world.today)
    report = report_prepare(actor=world.coordinator_lizuma, report=report)
    with pytest.raises(PermissionDenied, match="Four eyes"):
        report_approve(actor=world.coordinator_lizuma, report=report)
    assert report.__class__.objects.get(pk=report.pk).status == ReportStatus.PREPARED


def test_a_return_needs_a_comment_and_sends_the_report_back_to_draft(world: World) -> None:
    november(world)
    report = report_prepare(
        actor=world.coordinator_lizuma,
        report=report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=world.today),
    )
    with pytest.raises(ValidationError, match="what must change"):
        report_return(actor=world.director_lizuma, report=report, comment=" ")
    report = report_return(actor=world.director_lizuma, report=report, comment="Trūkst biļetes")
    assert (report.status, report.prepared_by) == (ReportStatus.DRAFT, None)


def test_a_voided_delivery_of_a_locked_month_is_a_reversal_line_in_the_next_month(world: World, clock) -> None:
    plan = november(world)
    report = report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=world.today)
    report = report_prepare(actor=world.coordinator_lizuma, report=report)
    report = report_approve(actor=world.director_lizuma, report=report)
    report = report_approve(actor=world.coordinator_gulbene, report=report)
    wrong = Delivery.objects.get(line__plan=plan, amount=Decimal("3.05"))
    delivery_void(actor=world.coordinator_lizuma, delivery=wrong, reason="Dublikāts")
    clock.move_to(dt.datetime(2026, 12, 3, 10, 0))
    december = report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=dt.date(2026, 12, 3))
    reversal = december.lines.get()
    assert (reversal.kind, reversal.amount_cents, reversal.reverses.report) == (ExpenseLine.Kind.REVERSAL, -305, report)
    assert report_totals(december).total == -305
    # The locked month is untouched.
    report.refresh_from_db()
    assert report_totals(report).total == report.total_cents == 4655
    # Assembling December again does not reverse twice.
    december = report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=dt.date(2026, 12, 3))
    assert december.lines.count() == 1


def test_the_national_assembly_reverses_a_locked_month_even_when_nothing_else_is_delivered(world: World, clock) -> None:
    """Which schools report is read from the delivered-cents rollup, which no longer holds a voided
    delivery: a school whose every reported delivery was voided still gets the reversals."""
    plan = november(world)
    assert reports_assemble_all(actor=world.coordinator_lizuma, month=world.today) == 1
    report = report_prepare(actor=world.coordinator_lizuma, report=world.lizuma.expense_reports.get())
    report = report_approve(
        actor=world.coordinator_gulbene, report=report_approve(actor=world.director_lizuma, report=report)
    )
    for delivery in Delivery.objects.filter(line__plan=plan):
        delivery_void(actor=world.coordinator_lizuma, delivery=delivery, reason="Dublikāts")
    assert not DeliveredMonth.objects.filter(institution=world.lizuma).exists()
    clock.move_to(dt.datetime(2026, 12, 3, 10, 0))
    assert reports_assemble_all(actor=world.coordinator_lizuma, month=dt.date(2026, 12, 3)) == 1
    december = world.lizuma.expense_reports.get(month=dt.date(2026, 12, 1))
    assert sorted(december.lines.values_list("kind", "amount_cents")) == [
        ("reversal", -3750),
        ("reversal", -600),
        ("reversal", -305),
    ]
    assert report_totals(december).total == -report.total_cents
    assert expense_lines_orphaned() == 0
    # Nothing new to report in January: no empty report is made.
    clock.move_to(dt.datetime(2027, 1, 5, 10, 0))
    assert reports_assemble_all(actor=world.coordinator_lizuma, month=dt.date(2027, 1, 5)) == 0


def test_a_line_without_its_report_delivery_or_reversed_line_is_found(world: World) -> None:
    """The lines do without foreign-key constraints (decision 0037): the check stands in for them."""
    november(world)
    report = report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=world.today)
    assert expense_lines_orphaned() == 0
    line = report.lines.order_by("id").first()
    assert line is not None
    ExpenseLine.objects.filter(pk=line.pk).update(delivery_id=10**9)
    assert expense_lines_orphaned() == 1
    ExpenseLine.objects.filter(pk=line.pk).update(delivery_id=line.delivery_id, report_id=10**9)
    assert expense_lines_orphaned() == 1
    with pytest.raises(CommandError, match="1 expense report lines"):
        call_command("delivered_rebuild", "--check")


def test_gulbenes_claim_sums_its_schools_approved_reports(world: World) -> None:
    november(world)
    assert reports_assemble_all(actor=world.coordinator_lizuma, month=world.today) == 1
    report = world.lizuma.expense_reports.get()
    report = report_prepare(actor=world.coordinator_lizuma, report=report)
    claim = municipality_claim(world.gulbene, NOVEMBER)
    assert (claim.total, claim.reports, claim.schools_without_approved_report) == (0, [], [world.lizuma])
    report_approve(actor=world.coordinator_gulbene, report=report_approve(actor=world.director_lizuma, report=report))
    claim = municipality_claim(world.gulbene, NOVEMBER)
    assert (claim.total, claim.esf, claim.state) == (4655, 3957, 698)
    assert claim.esf + claim.state == claim.total
    assert municipality_claim(world.madona, NOVEMBER).total == 0


def test_a_future_month_and_another_schools_report_are_refused(world: World) -> None:
    with pytest.raises(ValidationError, match="once it has begun"):
        report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=dt.date(2026, 12, 1))
    with pytest.raises(PermissionDenied):
        report_assemble(actor=world.coordinator_lizuma, institution=world.tirzas, month=world.today)
    outsider = make_user("svesais", "Svešais", "Cilvēks")
    with pytest.raises(PermissionDenied):
        report_assemble(actor=outsider, institution=world.lizuma, month=world.today)
