"""What each school still has committed and how many pupils it supports (decision 0043).

Gulbene's schools go through a term of money: Anna's and Roberts's plans at Lizuma and Jānis's at
Tirzas are approved, a trip is recorded and voided, a reported trip is voided and reversed in the
next month's report, Anna's plan is reviewed and closed (releasing what it did not use), a plan of
the previous school year is committed late, and a plan that would overspend Tirzas's budget is
refused. After every step the sums equal a live recount of the commitments (``delivered_rebuild
--check``'s comparison) and the budget page shows what the statements it ran before read live.
Runs on both engines."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.finance.budgets import budget_set
from pumpurs.finance.commitments import plans_commit_late
from pumpurs.finance.committed import COMMITTING, committed_differences, committed_rebuild
from pumpurs.finance.delivered import delivered_differences
from pumpurs.finance.models import Commitment, StillCommitted, SupportedPupils
from pumpurs.finance.rates import rate_set
from pumpurs.finance.reports import report_approve, report_assemble, report_prepare
from pumpurs.finance.selectors import budget_overview, finance_institutions
from pumpurs.people.models import Period, Role
from pumpurs.risk.models import Assessment
from pumpurs.risk.questionnaire import assessment_reopen, assessment_start, assessment_submit
from pumpurs.support.delivery import compensation_record, delivery_void
from pumpurs.support.models import Case as CaseModel
from pumpurs.support.models import Delivery, Plan, PlanMeasure, PlanStatus
from pumpurs.support.plans import plan_approve, plan_submit
from pumpurs.support.reviews import review_submit
from pumpurs.support.testing import active_plan, draft_plan, measure, open_case
from pumpurs.support.tests import stories
from pumpurs.world.personas import World, make_user

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)


def live(world: World, year_id: int) -> tuple[dict[tuple[int, str], int], dict[int, int], bool]:
    """The budget page's reads before decision 0043, over every commitment joined to its plan."""
    open_cents = (
        Commitment.objects.filter(school_year_id=year_id, plan__status__in=COMMITTING)
        .values("institution_id", "measure_code")
        .annotate(
            t=Sum(
                Case(
                    When(amount_cents__gt=F("delivered_cents"), then=F("amount_cents") - F("delivered_cents")),
                    default=Value(0),
                )
            )
        )
    )
    pupils = (
        Commitment.objects.filter(school_year_id=year_id)
        .values("institution_id")
        .annotate(n=Count("plan__case__pupil_id", distinct=True), ex=Count("pk", filter=Q(rate__is_example=True)))
    )
    return (
        {(r["institution_id"], r["measure_code"]): int(r["t"]) for r in open_cents},
        {r["institution_id"]: r["n"] for r in pupils},
        any(r["ex"] for r in pupils),
    )


def assert_page_reads_what_live_reads(world: World) -> None:
    assert committed_differences() == 0
    assert delivered_differences() == 0
    for year_id in {world.year.pk, *Commitment.objects.values_list("school_year_id", flat=True)}:
        year = type(world.year).objects.get(pk=year_id)
        overview = budget_overview(finance_institutions(world.coordinator_gulbene), year)
        still, pupils, examples = live(world, year_id)
        by_key = {row.key: row for row in overview.schools}
        for school in (world.lizuma, world.tirzas):
            row = by_key[str(school.public_id)]
            assert row.committed == sum(c for (inst, _code), c in still.items() if inst == school.pk)
            assert row.pupils == pupils.get(school.pk, 0)
        for measure_row in overview.measures:
            assert measure_row.committed == sum(c for (_inst, code), c in still.items() if code == measure_row.key)
        assert {code for _inst, code in still} <= {m.key for m in overview.measures}
        if examples:  # (the page also says so for a planned line at an example rate)
            assert overview.examples


def psychologist_rate(world: World) -> None:
    rate_set(
        actor=world.national,
        measure_code="consult-psychologist",
        valid_from=world.year.starts_on,
        unit_cents=2500,
        is_example=True,
    )


def budget(world: World, school: object, cents: int) -> None:
    budget_set(
        actor=world.coordinator_gulbene, school_year=world.year, activity=1, institution=school, amount_cents=cents
    )


def trip(world: World, plan: Plan, amount: str) -> Delivery:
    return compensation_record(
        actor=world.coordinator_lizuma,
        plan=plan,
        measure=measure("transport"),
        starts_on=world.today,
        ends_on=None,
        quantity=Decimal(2),
        amount=Decimal(amount),
    )


def close_by_review(world: World, plan: Plan) -> None:
    draft = assessment_start(actor=world.teacher_lizuma, pupil=world.pupil_lizuma)
    if draft.status == Assessment.Status.SUBMITTED:
        draft = assessment_reopen(actor=world.teacher_lizuma, assessment=draft)
    assessment = assessment_submit(
        unanswered_confirmed=True, actor=world.teacher_lizuma, assessment=draft, answers={"motivation": ("yes", "")}
    )
    review_submit(
        actor=world.teacher_lizuma,
        plan=plan,
        goal_outcomes={goal.pk: ("achieved", "") for goal in plan.goals.all()},
        measure_usefulness={line.pk: "useful" for line in plan.measures.all()},
        assessment=assessment,
        decision="close",
        close_reason="risk_reduced",
    )


def previous_year_plan(world: World) -> Plan:
    """Jānis's plan of last school year, written past the services (as the demo's history is) and
    committed late at the rates of its semester."""
    semester = Period.objects.filter(school_year__ends_on__lt=world.year.starts_on).order_by("-starts_on").first()
    assert semester is not None
    case = CaseModel.objects.get(pupil=world.pupil_tirzas)  # the case of this year's plan
    plan = Plan.objects.create(
        case=case, period=semester, status=PlanStatus.ACTIVE, chain="", prepared_by=world.teacher_tirzas
    )
    PlanMeasure.objects.create(
        plan=plan, measure=measure("transport"), planned_quantity=Decimal(10), planned_cost=Decimal("15.00")
    )
    committed_at = timezone.make_aware(dt.datetime.combine(world.today, dt.time(10)))
    plans_commit_late(actor=world.national, plans=[(plan, committed_at)])
    return plan


def sums() -> tuple[list[tuple[int, int, str, int]], list[tuple[int, int, int, int]]]:
    return (
        sorted(StillCommitted.objects.values_list("institution_id", "school_year_id", "measure_code", "cents")),
        sorted(
            SupportedPupils.objects.values_list("institution_id", "school_year_id", "pupils", "example_commitments")
        ),
    )


def test_the_sums_follow_approvals_deliveries_voids_reversals_a_close_and_two_years(world: World, clock) -> None:
    stories.semester_now()
    psychologist_rate(world)
    approvers = (world.director_lizuma, world.coordinator_gulbene, world.national)
    anna = active_plan(world.teacher_lizuma, world.pupil_lizuma, *approvers)
    assert sums()[0] == [
        (world.lizuma.pk, world.year.pk, "consult-psychologist", 25000),
        (world.lizuma.pk, world.year.pk, "transport", 6000),
    ]
    assert sums()[1] == [(world.lizuma.pk, world.year.pk, 1, 1)]
    assert_page_reads_what_live_reads(world)

    tirzas_director = make_user("aivars.tirza", "Aivars", "Tirza", {"role": Role.DIRECTOR, "institution": world.tirzas})
    roberts = active_plan(world.teacher_lizuma_8a, world.pupil_lizuma_8a, *approvers)
    active_plan(world.teacher_tirzas, world.pupil_tirzas, tirzas_director, world.coordinator_gulbene, world.national)
    assert_page_reads_what_live_reads(world)

    # A trip recorded, then voided: still committed goes down, then back up.
    wrong = trip(world, anna, "6.00")
    assert (world.lizuma.pk, world.year.pk, "transport", 5400 + 6000) in sums()[0]
    assert_page_reads_what_live_reads(world)
    delivery_void(actor=world.coordinator_lizuma, delivery=wrong, reason="Ievadīts kļūdaini")
    assert_page_reads_what_live_reads(world)

    # Roberts's trip is reported and locked, then voided: December's report reverses it.
    reported = trip(world, roberts, "4.00")
    report = report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=world.today)
    report = report_prepare(actor=world.coordinator_lizuma, report=report)
    report = report_approve(
        actor=world.coordinator_gulbene, report=report_approve(actor=world.director_lizuma, report=report)
    )
    delivery_void(actor=world.coordinator_lizuma, delivery=reported, reason="Dubultots")
    clock.move_to(dt.datetime(2026, 12, 3, 10, 0))
    report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=dt.date(2026, 12, 3))
    assert_page_reads_what_live_reads(world)

    # Anna's plan is reviewed and closed: what it did not deliver is released; she stays supported.
    trip(world, anna, "3.00")
    before = dict(((i, c), v) for i, _y, c, v in sums()[0] if _y == world.year.pk)
    close_by_review(world, Plan.objects.get(pk=anna.pk))
    assert Plan.objects.get(pk=anna.pk).status == PlanStatus.CLOSED
    after = dict(((i, c), v) for i, _y, c, v in sums()[0] if _y == world.year.pk)
    assert after[(world.lizuma.pk, "transport")] == before[(world.lizuma.pk, "transport")] - 5700  # 60.00 − 3.00
    assert after[(world.lizuma.pk, "consult-psychologist")] == 25000  # Roberts's only
    assert (world.lizuma.pk, world.year.pk, 2, 2) in sums()[1]  # two pupils, two psychologist lines at the example rate
    assert_page_reads_what_live_reads(world)

    # Last school year's plan, committed late, counts in its own year only.
    old = previous_year_plan(world)
    assert (world.tirzas.pk, old.period.school_year_id, "transport", 1500) in sums()[0]
    assert_page_reads_what_live_reads(world)


def test_an_approval_refused_for_overspending_changes_nothing_in_the_sums(world: World) -> None:
    psychologist_rate(world)
    budget(world, world.lizuma, 40_000)
    active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    before = sums()
    case = open_case(world.teacher_lizuma_8a, world.pupil_lizuma_8a)
    second = plan_submit(actor=world.teacher_lizuma_8a, plan=draft_plan(world.teacher_lizuma_8a, case))
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        plan_approve(actor=world.director_lizuma, plan=second)
    assert refused.value.code == "over_budget"
    assert sums() == before
    # At the last step too: the budget is cut after the earlier steps, and the final approval is refused.
    budget(world, world.lizuma, 100_000)
    second = plan_approve(actor=world.coordinator_gulbene, plan=plan_approve(actor=world.director_lizuma, plan=second))
    budget(world, world.lizuma, 40_000)
    with pytest.raises(ValidationError), transaction.atomic():
        plan_approve(actor=world.national, plan=second)
    assert sums() == before
    assert Plan.objects.get(pk=second.pk).status == PlanStatus.MUNICIPALITY_APPROVED
    assert committed_differences() == 0


def test_the_check_finds_wrong_sums_and_the_rebuild_repairs_them_with_the_same_page(world: World) -> None:
    psychologist_rate(world)
    active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    client = Client()
    client.force_login(world.coordinator_gulbene)

    def page_now() -> str:  # the forms' CSRF tokens are masked afresh on every response
        return re.sub(
            r'name="csrfmiddlewaretoken" value="[^"]*"', "", client.get(reverse("finance_budget")).content.decode()
        )

    page = page_now()
    assert "310.00" in page or "310,00" in page
    StillCommitted.objects.filter(measure_code="transport").update(cents=1)  # as if written past the services
    SupportedPupils.objects.all().delete()
    with pytest.raises(CommandError, match=r"^2 "):  # two rows wrong, whatever the language
        call_command("delivered_rebuild", "--check")
    call_command("delivered_rebuild", stdout=StringIO())
    call_command("delivered_rebuild", "--check", stdout=StringIO())
    assert page_now() == page
    with transaction.atomic():
        committed_rebuild()
    assert page_now() == page
