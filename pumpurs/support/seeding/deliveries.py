"""Deliveries: consultations, monthly claims and purchases inside a plan's active weeks and
within its planned quantities."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from pumpurs.core.display import CENT
from pumpurs.people.calendar import is_weekday, weekday_on_or_before, weekdays_between
from pumpurs.people.models import Enrolment, SpecialistKind
from pumpurs.support.delivery import compensation_record, consultation_confirm, consultation_record
from pumpurs.support.models import Delivery, Plan, PlanMeasure
from pumpurs.support.seeding.clock import at
from pumpurs.support.seeding.profiles import TOPICS
from pumpurs.support.seeding.story import Story

MINUTES = (40, 45, 45, 60)
RESERVE_HOURS = Decimal(2)  # left on every consultation line: room for the demo user's own entry


@dataclass
class Visit:
    """One delivery the story will record: a consultation, a month's claim or a purchase."""

    line: PlanMeasure
    day: dt.date
    quantity: Decimal
    amount: Decimal | None = None
    until: dt.date | None = None
    minutes: int | None = None
    remote: bool = False


def _schedule(rng: random.Random, lines: list[PlanMeasure], start: dt.date, until: dt.date) -> list[Visit]:
    """Consultations every two weeks or so, transport and meals claimed per calendar month, items and
    activities once — inside [start, until] and never beyond a line's planned quantity."""
    visits: list[Visit] = []
    for line in lines:
        measure, planned, done = line.measure, line.planned_quantity, Decimal(0)
        price = (line.planned_cost / planned) if line.planned_cost is not None else None
        if measure.is_consultation:
            day = start + dt.timedelta(days=rng.randint(0, 4))
            while day <= until:
                minutes = rng.choice(MINUTES)
                hours = (Decimal(minutes) / 60).quantize(CENT)
                if done + hours > planned - RESERVE_HOURS:
                    break
                if is_weekday(day):
                    remote = measure.specialist_kind != SpecialistKind.TEACHER and rng.random() < 0.25
                    visits.append(Visit(line, day, hours, minutes=minutes, remote=remote))
                    done += hours
                day += dt.timedelta(days=rng.randint(12, 19))
        elif measure.unit in ("trip", "day"):
            first = start
            while first <= until and done < planned:
                month_end = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
                last = min(month_end, until)
                quantity = min(
                    Decimal(weekdays_between(first, last) * (2 if measure.unit == "trip" else 1)), planned - done
                )
                if quantity > 0:
                    amount = (price * quantity).quantize(CENT) if price is not None else None
                    visits.append(Visit(line, first, quantity, amount, until=last))
                    done += quantity
                first = month_end + dt.timedelta(days=1)
        else:
            day = weekday_on_or_before(min(start + dt.timedelta(days=rng.randint(5, 15)), until), start)
            share = Decimal(rng.randint(55, 90)) / 100 if measure.unit == "eur" else Decimal(1)
            quantity = (planned * share).quantize(CENT)
            if start <= day <= until:
                visits.append(Visit(line, day, quantity, (price * quantity).quantize(CENT) if price else None))
    return sorted(visits, key=lambda v: (v.day, v.line.pk))


def _deliver(story: Story, plan: Plan, enrolment: Enrolment, start: dt.date, until: dt.date, extra: str) -> None:
    """Record this semester's deliveries through the services, and the pupils' confirmations of
    remote consultations (one confirmed late, one left unconfirmed past its deadline)."""
    coordinator = story.staff[enrolment.institution_id].coordinator
    lines = list(plan.measures.select_related("measure", "provider").order_by("pk"))
    visits = _schedule(story.rng, lines, start, until)
    consult = next(
        (line for line in lines if line.measure.is_consultation and line.provider != story.teacher(enrolment)), None
    )
    overdue = weekday_on_or_before(until - dt.timedelta(days=3), start)
    if extra == "remote_overdue" and consult is not None and start <= overdue:
        visits.append(Visit(consult, overdue, Decimal("0.75"), minutes=45, remote=True))
    late = extra == "late_confirmation"
    for visit in visits:
        line = visit.line
        if visit.minutes is None:
            story.clock.set(at(visit.until or visit.day, 16))
            compensation_record(
                now=story.now,
                actor=coordinator,
                plan=plan,
                measure=line.measure,
                starts_on=visit.day,
                ends_on=visit.until,
                quantity=visit.quantity,
                amount=visit.amount,
            )
            story.counts["compensations"] += 1
            continue
        specialist = line.provider or story.teacher(enrolment)
        story.clock.set(at(visit.day, 15))
        delivery = consultation_record(
            now=story.now,
            actor=specialist,
            plan=plan,
            measure=line.measure,
            held_on=visit.day,
            minutes=visit.minutes,
            specialist=specialist,
            mode=Delivery.Mode.REMOTE if visit.remote else Delivery.Mode.IN_PERSON,
            topic=story.rng.choice(TOPICS),
        )
        story.counts["consultations"] += 1
        confirm_on = visit.day + dt.timedelta(days=3 if late else 1)
        if (
            visit.remote
            and confirm_on <= story.clock.latest
            and not (extra == "remote_overdue" and visit.day == overdue)
        ):
            story.clock.set(at(confirm_on, 8, 30))
            consultation_confirm(now=story.now, actor=specialist, delivery=delivery, confirmed_at=story.clock.moment)
            late = False
