"""Money in the Gulbene demo (issue 14): example rates, budgets for the school year, one school
close to its budget with a plan that would overspend waiting for approval, Lizuma's monthly
expense reports — locked, pending and draft, with one reversal line — and the previous semester's
finished plans committed, reported and locked month by month.

Every figure here is an **example** for the demonstration (``Rate.is_example``; the rates' note says
so): the programme's real unit prices were never published (DESIGN §4). Date-independent: the
months are those that have deliveries up to the seed's ``today``, and every service is told the
moment it acts (decision 0013).

``finance_seed_rates`` runs before the support seed, so that the plans it approves commit at these
rates; ``finance_seed`` runs after it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models.functions import TruncMonth

from pumpurs.audit.services import audit_record
from pumpurs.finance.budgets import budget_set
from pumpurs.finance.commitments import headroom, plan_need_cents, plans_commit_late
from pumpurs.finance.delivered import delivered_refresh
from pumpurs.finance.models import Activity, Budget
from pumpurs.finance.rates import rate_set
from pumpurs.finance.reports import month_start, report_approve, report_assemble, report_prepare
from pumpurs.people.access import Perm
from pumpurs.people.actors import Scope, SystemActor
from pumpurs.people.calendar import school_year_on, semester_on
from pumpurs.people.models import Institution, Municipality, Role, SchoolYear, User
from pumpurs.support.models import Delivery, Measure, MeasureCategory, Plan, PlanStatus

EXAMPLE_NOTE = "Piemērs demonstrācijai — nav programmas likme / example for the demo, not the programme's rate"
# Example hourly rates of consultations, in cents (not the programme's: it never published them).
CONSULTATION_CENTS = 2500
SEED_ACTOR = SystemActor(
    name="system:demo-seed",
    perms=frozenset({Perm.MANAGE_RATES, Perm.MANAGE_BUDGETS, Perm.PREPARE_EXPENSES}),
    scope=Scope.country(),
)
AWAITING = (PlanStatus.SUBMITTED, PlanStatus.DIRECTOR_APPROVED, PlanStatus.MUNICIPALITY_APPROVED)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(settings.TIME_ZONE))


def finance_seed_rates(*, today: dt.date) -> int:
    """Example national hourly rates for every consultation, from the first school year seeded."""
    first = SchoolYear.objects.order_by("starts_on").first()
    if first is None:
        return 0
    codes = sorted(set(Measure.objects.filter(category=MeasureCategory.CONSULTATION).values_list("code", flat=True)))
    for code in codes:
        rate_set(
            actor=SEED_ACTOR,
            measure_code=code,
            valid_from=first.starts_on,
            unit_cents=CONSULTATION_CENTS,
            is_example=True,
            note=EXAMPLE_NOTE,
            now=_at(min(today, first.starts_on), 8),
        )
    return len(codes)


def finance_seed(*, today: dt.date) -> dict[str, int]:
    year = school_year_on(today) or SchoolYear.objects.filter(starts_on__lte=today).order_by("-starts_on").first()
    gulbene = Municipality.objects.filter(code="gulbenes-novads").first()
    if year is None or gulbene is None:
        return {}
    counts = {"budgets": 0, "reports": 0}
    moment = _at(today, 8, 30)
    schools = list(Institution.objects.filter(municipality=gulbene).order_by("code"))
    # The school near its budget: the first with a plan waiting for approval that costs something.
    tight: tuple[Institution, int] | None = None
    for plan in (
        Plan.objects.filter(status__in=AWAITING, period__school_year=year, case__institution__in=schools)
        .select_related("case__institution", "period")
        .order_by("pk")
    ):
        need = plan_need_cents(plan)
        if need > 0:
            tight = (plan.case.institution, need)
            break
    total = 0
    for school in schools:
        money = headroom(school, year)
        used = money.spent + money.committed
        if tight is not None and school == tight[0]:
            amount = used + tight[1] // 2  # the waiting plan needs twice what is left
        else:
            amount = max(200_000, (used * 3 // 2 + 9_999) // 10_000 * 10_000)  # half again, in whole 100 EUR
        budget_set(
            actor=SEED_ACTOR, school_year=year, activity=Activity.SUPPORT, institution=school, amount_cents=amount,
            now=moment,
        )  # fmt: skip
        total += amount
        counts["budgets"] += 1
    budget_set(
        actor=SEED_ACTOR, school_year=year, activity=Activity.SUPPORT, municipality=gulbene,
        amount_cents=total + 1_000_000, now=moment,
    )  # fmt: skip
    counts["budgets"] += 1
    # The history's months first: a report assembled later picks up every delivery not yet reported.
    counts.update(_history_money(today, gulbene, year))
    counts["reports"] = _lizuma_reports(today, year)
    return counts


def _history_money(today: dt.date, gulbene: Municipality, year: SchoolYear) -> dict[str, int]:
    """The previous semester (the support seed's history, written with the ORM): its finished plans
    committed as their final approval would have, each Gulbene school's months of it reported and
    locked (coordinator → director → municipality), and, where its school year has no budgets yet,
    a budget per school of what it committed rounded up — so the earlier year's budget page and the
    municipality's claims are not empty."""
    current = semester_on(today)
    before = current.starts_on if current is not None else today
    plans = list(
        Plan.objects.filter(
            status=PlanStatus.CLOSED, period__ends_on__lt=before, case__institution__municipality=gulbene
        )
        .select_related("case__institution", "period__school_year")
        .order_by("pk")
    )
    counts = {"history_commitments": 0, "history_reports": 0, "history_budgets": 0}
    counts["history_commitments"] = plans_commit_late(
        actor=SEED_ACTOR, plans=[(plan, _at(plan.period.starts_on + dt.timedelta(days=21), 10)) for plan in plans]
    )
    municipality_user = (
        User.objects.filter(role_grants__role=Role.MUNICIPALITY_COORDINATOR, role_grants__municipality=gulbene)
        .order_by("username")
        .first()
    )
    # Reports only for an earlier school year: this year's months are Lizuma's story (``_lizuma_reports``).
    earlier = [p for p in plans if p.period.school_year_id != year.pk]
    for school in sorted({p.case.institution for p in earlier}, key=lambda i: i.code):
        counts["history_reports"] += _report_months(school, earlier, municipality_user)
    for year in {p.period.school_year for p in plans}:
        if Budget.objects.filter(school_year=year, activity=Activity.SUPPORT, municipality=gulbene).exists():
            continue
        moment = _at(year.starts_on, 9)
        total = 0
        for school in sorted({p.case.institution for p in plans if p.period.school_year == year}, key=lambda i: i.code):
            money = headroom(school, year)
            amount = max(100_000, (money.spent + money.committed + 9_999) // 10_000 * 10_000)
            budget_set(actor=SEED_ACTOR, school_year=year, activity=Activity.SUPPORT, institution=school,
                       amount_cents=amount, now=moment)  # fmt: skip
            total += amount
            counts["history_budgets"] += 1
        budget_set(actor=SEED_ACTOR, school_year=year, activity=Activity.SUPPORT, municipality=gulbene,
                   amount_cents=total, now=moment)  # fmt: skip
    return counts


def _report_months(school: Institution, plans: list[Plan], municipality_user: User | None) -> int:
    """Every month of ``school``'s history deliveries, reported and locked at the month's end."""
    coordinator = _holder(Role.SCHOOL_COORDINATOR, school)
    director = _holder(Role.DIRECTOR, school)
    if coordinator is None or director is None or municipality_user is None:
        return 0
    months = sorted(
        {
            m.date() if isinstance(m, dt.datetime) else m
            for m in Delivery.objects.filter(line__plan__in=[p for p in plans if p.case.institution_id == school.pk])
            .annotate(m=TruncMonth("delivered_on"))
            .values_list("m", flat=True)
        }
    )
    for month in months:
        now = _at(_next(month), 9)
        report = report_assemble(actor=coordinator, institution=school, month=month, now=now)
        report = report_prepare(actor=coordinator, report=report, now=now)
        report = report_approve(actor=director, report=report, now=now + dt.timedelta(hours=1))
        report_approve(actor=municipality_user, report=report, now=now + dt.timedelta(hours=2))
    return len(months)


def _holder(role: Role, school: Institution) -> User | None:
    return User.objects.filter(role_grants__role=role, role_grants__institution=school).order_by("username").first()


def _lizuma_reports(today: dt.date, year: SchoolYear) -> int:
    """Lizuma's months: all but the last two locked, the one before last approved by the director
    and waiting for the municipality — with a reversal line for a delivery of the first month,
    voided after it was locked — and the current one a draft."""
    lizuma = Institution.objects.filter(code="DEMO-LIZUMS").first()
    coordinator = User.objects.filter(username="lizums.koordinators").first()
    director = User.objects.filter(username="lizums.direktors").first()
    municipality = User.objects.filter(username="gulbene.koordinators").first()
    if lizuma is None or coordinator is None or director is None or municipality is None:
        return 0
    deliveries = Delivery.objects.filter(
        line__plan__case__institution=lizuma, voided_at__isnull=True, delivered_on__lte=today,
        delivered_on__gte=year.starts_on,
    )  # fmt: skip
    months = sorted(
        {
            m.date() if isinstance(m, dt.datetime) else m
            for m in deliveries.annotate(m=TruncMonth("delivered_on")).values_list("m", flat=True)
        }
    )
    months = [m for m in months if m <= month_start(today)]
    if not months:
        return 0
    now = _at(today, 9)
    locked, pending = (months[:-2], months[-2]) if len(months) >= 2 else (months[:1], None)
    for month in locked:
        report = report_assemble(actor=coordinator, institution=lizuma, month=month, now=now)
        report = report_prepare(actor=coordinator, report=report, now=now)
        report = report_approve(actor=director, report=report, now=now)
        report_approve(actor=municipality, report=report, now=now)
    if pending is not None:
        # A duplicate entry of the first locked month is voided: the correction is a reversal line.
        wrong = deliveries.filter(delivered_on__lt=_next(months[0]), amount__isnull=False).order_by("pk").first()
        if wrong is not None:
            _void(wrong, coordinator, now)
        report = report_assemble(actor=coordinator, institution=lizuma, month=pending, now=now)
        report = report_prepare(actor=coordinator, report=report, now=now)
        report_approve(actor=director, report=report, now=now)
    if len(months) >= 2:
        report_assemble(actor=coordinator, institution=lizuma, month=months[-1], now=now)
    return len(months)


def _next(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _void(delivery: Delivery, actor: User, now: dt.datetime) -> None:
    """Void as ``support.delivery.delivery_void`` would, at the story's moment (it takes no ``now``)."""
    delivery.voided_at, delivery.voided_by, delivery.void_reason = now, actor, "Dublikāts (demonstrācijas piemērs)"
    delivery.save(update_fields=["voided_at", "voided_by", "void_reason"])
    delivered_refresh([delivery.line_id])
    audit_record(
        actor=actor,
        action="support.delivery.voided",
        pupil_id=delivery.line.plan.case.pupil_id,
        target=delivery,
        data={"reason_length": len(delivery.void_reason)},
        at=now,
    )


__all__ = ["finance_seed", "finance_seed_rates"]
