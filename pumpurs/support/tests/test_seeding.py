"""The Gulbene demo shows the whole support cycle (issue 5, "Done when"): cases and plans in every
state, consultations logged, and a finished review of the previous semester whose continuations
are this semester's plans — all of it data the services accept.

The demo is seeded once for the module (people, facts and risk picture take a while) inside a
transaction rolled back at the end; each test runs in a savepoint of it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import Period, User
from pumpurs.support.consent import consent_active
from pumpurs.support.delivery import consultation_record, unconfirmed_overdue
from pumpurs.support.models import (
    Case,
    Consent,
    ContactEntry,
    Delivery,
    LowIncomeStatus,
    Plan,
    PlanMeasure,
    PlanStatus,
    PlanTransition,
    Review,
    TeamMember,
)
from pumpurs.support.plans import delivered_by_line, pending_step
from pumpurs.support.scope import may_approve_step, plans_visible_to
from pumpurs.support.seeding import support_seed
from pumpurs.world.testing import at_ten, on_day

TODAY = "2026-11-28"  # a Saturday in semester 1 of 2026/27; semester 2 of 2025/26 is the one before
DAY = dt.date.fromisoformat(TODAY)

# Each test runs on the seed's day too (conftest.py's clock).
pytestmark = [pytest.mark.django_db, on_day(DAY, "seed_day")]


def picture() -> dict[str, Any]:
    """What a person would compare between two demos: counts, and who is in which state."""
    names: dict[str, list[str]] = {}
    for plan in Plan.objects.select_related("case__pupil", "period__school_year"):
        key = f"{plan.period} {plan.status}"
        names.setdefault(key, []).append(f"{plan.case.pupil.first_name} {plan.case.pupil.last_name}")
    return {
        "names": {key: sorted(value) for key, value in names.items()},
        "cases": Case.objects.count(),
        "deliveries": Delivery.objects.count(),
        "contacts": ContactEntry.objects.count(),
        "reviews": sorted(Review.objects.values_list("decision", "close_reason")),
    }


@dataclass(frozen=True)
class Seeded:
    counts: dict[str, int]
    first_counts: dict[str, int]
    first_picture: dict[str, Any]


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[Seeded]:
    with at_ten(DAY), django_db_blocker.unblock(), transaction.atomic():
        call_command("seed", preset="gulbene", today=TODAY, no_support=True, stdout=io.StringIO())
        with transaction.atomic():  # a first run, rolled back: the same seed must tell the same story
            first_counts = support_seed(seed=1, today=DAY)
            first_picture = picture()
            transaction.set_rollback(True)
        counts = support_seed(seed=1, today=DAY)
        yield Seeded(counts, first_counts, first_picture)
        transaction.set_rollback(True)


def current_period() -> Period:
    return Period.objects.get(starts_on__lte=DAY, ends_on__gte=DAY)


def test_plans_in_every_state_and_most_of_this_semesters_active(seeded: Seeded) -> None:
    statuses = Counter(Plan.objects.values_list("status", flat=True))
    assert set(statuses) == set(PlanStatus.values)
    this_semester = Counter(Plan.objects.filter(period=current_period()).values_list("status", flat=True))
    assert this_semester.most_common(1)[0][0] == PlanStatus.ACTIVE
    # The plan waiting for its semester is for the next one, not yet begun.
    waiting = Plan.objects.get(status=PlanStatus.APPROVED)
    assert waiting.period.starts_on > DAY
    assert seeded.counts["plans"] == sum(statuses.values())


def test_previous_semester_is_a_finished_cycle_carried_on_by_this_semesters_plans(seeded: Seeded) -> None:
    current = current_period()
    previous = Period.objects.filter(ends_on__lt=current.starts_on).order_by("-starts_on").first()
    assert previous is not None
    old = list(Plan.objects.filter(period=previous).select_related("review"))
    assert old
    assert all(plan.status == PlanStatus.CLOSED and plan.review for plan in old)
    actions = list(PlanTransition.objects.filter(plan=old[0]).values_list("action", "step"))
    assert actions == [
        ("created", ""),
        ("submitted", ""),
        ("approved", "director"),
        ("approved", "municipality"),
        ("approved", "national"),
        ("activated", ""),
        ("review_started", ""),
        ("closed", ""),
    ]
    continued = Review.objects.filter(plan__period=previous, decision=Review.Decision.CONTINUE)
    assert continued.exists()
    for review in continued.select_related("next_plan", "assessment"):
        assert review.next_plan is not None
        assert review.next_plan.period == current
        assert review.next_plan.previous_id == review.plan_id
        assert review.assessment is not None
        assert review.assessment.period == previous
        assert all(goal.outcome for goal in review.plan.goals.all())
        assert all(line.usefulness for line in review.plan.measures.all())
    for review in Review.objects.filter(plan__period=previous, decision=Review.Decision.CLOSE):
        assert review.plan.case.status == Case.Status.CLOSED
        assert review.plan.case.close_reason == review.close_reason
    assert {r.close_reason for r in Review.objects.filter(decision="close")} >= {"risk_reduced", "moved"}


def test_deliveries_only_on_running_plans_inside_their_periods_and_within_plan(seeded: Seeded) -> None:
    deliveries = list(Delivery.objects.select_related("line__plan__period", "line__plan__case"))
    assert deliveries
    for delivery in deliveries:
        plan = delivery.line.plan
        assert plan.status in (PlanStatus.ACTIVE, PlanStatus.IN_REVIEW, PlanStatus.CLOSED)
        last = delivery.period_end or delivery.delivered_on
        assert plan.period.starts_on <= delivery.delivered_on <= last <= plan.period.ends_on
        assert delivery.delivered_on <= DAY
        assert consent_active(plan.case_id, delivery.delivered_on) is not None
        activated = plan.transitions.get(action=PlanTransition.Action.ACTIVATED).at
        assert delivery.delivered_on > timezone.localtime(activated).date()
    lines = PlanMeasure.objects.annotate(quantity=Sum("deliveries__quantity"), amount=Sum("deliveries__amount"))
    for line in lines:
        assert (line.quantity or 0) <= line.planned_quantity
        if line.planned_cost is not None:
            assert (line.amount or 0) <= line.planned_cost
    assert not Delivery.objects.filter(line__plan__status__in=[PlanStatus.DRAFT, PlanStatus.APPROVED]).exists()


def test_consultations_in_person_and_remote_one_overdue_and_compensations_with_amounts(seeded: Seeded) -> None:
    consultations = Delivery.objects.exclude(mode="")
    assert set(consultations.values_list("mode", flat=True)) == {"in_person", "remote"}
    overdue = unconfirmed_overdue(Delivery.objects.filter(line__plan__status=PlanStatus.ACTIVE), DAY)
    assert overdue.count() == 1
    compensations = Delivery.objects.filter(mode="")
    codes = set(compensations.values_list("line__measure__code", flat=True))
    assert {"transport", "meals"} <= codes
    assert not compensations.filter(amount__isnull=True).exists()
    # Items only for families with a low-income status valid on the day.
    for item in compensations.filter(line__measure__requires_low_income=True):
        pupil_id = item.line.plan.case.pupil_id
        on = item.delivered_on
        assert LowIncomeStatus.objects.filter(pupil_id=pupil_id, valid_from__lte=on, valid_until__gte=on).exists()
    assert compensations.filter(line__measure__requires_low_income=True).exists()


def test_cases_have_teams_contacts_and_consent_one_withdrawn(seeded: Seeded) -> None:
    origins = set(Case.objects.values_list("origin", flat=True))
    assert {Case.Origin.FLAG, Case.Origin.ASSESSMENT, Case.Origin.MANUAL} <= origins
    for case in Case.objects.filter(origin=Case.Origin.FLAG):
        assert case.origin_flag is not None
        assert case.origin_flag.pupil_id == case.pupil_id
    assert not Case.objects.exclude(team__role=TeamMember.Role.LEAD).exists()
    assert TeamMember.objects.filter(role=TeamMember.Role.SPECIALIST).count() >= 10
    assert ContactEntry.objects.filter(sensitive=True).exists()
    assert ContactEntry.objects.filter(sensitive=False).exists()
    withdrawn = Consent.objects.get(withdrawn_on__isnull=False)
    assert not Delivery.objects.filter(
        line__plan__case=withdrawn.case, delivered_on__gte=withdrawn.withdrawn_on
    ).exists()
    # Without consent a plan stays a draft.
    assert Plan.objects.filter(status=PlanStatus.DRAFT, case__consents__isnull=True).exists()


def test_every_demo_login_finds_work_waiting(seeded: Seeded) -> None:
    teacher = User.objects.get(username="lizums.audzinataja")
    mine = plans_visible_to(teacher).filter(period=current_period())
    assert {PlanStatus.ACTIVE, PlanStatus.SUBMITTED, PlanStatus.DRAFT} <= set(mine.values_list("status", flat=True))
    overdue = unconfirmed_overdue(Delivery.objects.filter(line__plan__in=mine), DAY).get()
    assert overdue.specialist == User.objects.get(username="lizums.psihologs")
    for username in ("lizums.direktors", "gulbene.koordinators", "ikvd.programma"):
        approver = User.objects.get(username=username)
        waiting = [
            plan
            for plan in plans_visible_to(approver).exclude(status=PlanStatus.DRAFT)
            if (step := pending_step(plan)) and may_approve_step(approver, plan, step)
        ]
        assert waiting, username


def test_a_seeded_active_plan_takes_a_new_consultation_through_the_service(seeded: Seeded) -> None:
    line = (
        PlanMeasure.objects.filter(
            plan__status=PlanStatus.ACTIVE,
            plan__period=current_period(),
            measure__category="consultation",
            plan__case__consents__withdrawn_on__isnull=True,
        )
        .select_related("plan", "measure", "provider")
        .order_by("pk")
        .first()
    )
    assert line is not None
    assert line.provider is not None
    before = delivered_by_line(line.plan).get(line.pk, (Decimal(0), Decimal(0)))[0]
    consultation_record(
        actor=line.provider,
        plan=line.plan,
        measure=line.measure,
        held_on=DAY,
        minutes=60,
        specialist=line.provider,
        mode="in_person",
        topic="Sarunu turpinājums",
    )
    assert delivered_by_line(line.plan)[line.pk][0] == before + 1


def test_same_seed_same_story(seeded: Seeded) -> None:
    assert seeded.first_counts == seeded.counts
    assert seeded.first_picture == picture()


def test_the_real_clock_is_back_after_seeding(seeded: Seeded) -> None:
    assert abs(timezone.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_the_story_s_events_carry_the_story_s_moments(seeded: Seeded) -> None:
    """The seed hands each service its step's moment (decision 0013): cases opened, plans moved and
    consultations recorded over the semester, each audited at that moment — not all at the moment
    the seed ran, and never after its day."""
    semester = current_period()
    opened = [timezone.localtime(e.at).date() for e in AuditEvent.objects.filter(action="support.case.opened")]
    moves = PlanTransition.objects.filter(plan__period=semester).values_list("at", flat=True)
    recorded = Delivery.objects.filter(line__plan__period=semester).values_list("recorded_at", flat=True)
    assert len(set(opened)) >= 5
    assert len({timezone.localtime(m).date() for m in moves}) >= 5
    # A continued plan was drafted at the previous semester's review; nothing happens after the day.
    assert all(timezone.localtime(m).date() <= DAY for m in moves)
    assert all(semester.starts_on <= timezone.localtime(m).date() <= DAY for m in recorded)
    assert all(semester.starts_on <= day <= DAY for day in opened)
