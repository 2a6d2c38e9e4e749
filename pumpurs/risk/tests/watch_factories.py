"""Rows for the watch-list, risk-picture and fairness tests, made directly with the ORM.

Flags, decisions, snapshots and assessments are plain models; making them here keeps these tests
independent of the flag engine and the questionnaire pages, which are tested on their own.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from pumpurs.people.calendar import semester_on
from pumpurs.people.models import ClassGroup, Period, Pupil, User
from pumpurs.people.personal_code import synthetic_code
from pumpurs.people.services import pupil_create
from pumpurs.risk.models import (
    Assessment,
    Flag,
    FlagDecision,
    FlagStatus,
    IndicatorSnapshot,
    Instrument,
    InstrumentItem,
    Level,
    RiskGroup,
)
from pumpurs.world.personas import World

_serial = itertools.count(500)


def period_now(world: World) -> Period:
    period = semester_on(world.today)
    assert period is not None
    return period


def add_pupil(
    world: World,
    klass: ClassGroup,
    first: str,
    last: str,
    *,
    gender: str = Pupil.Gender.FEMALE,
    actor: User | None = None,
) -> Pupil:
    n = next(_serial)
    # A different birthday for each pupil: a serial bumped past a bad check digit never collides.
    born = dt.date(world.year.starts_on.year - (klass.grade + 6), 5, 1 + n % 28)
    return pupil_create(
        actor=actor or world.coordinator_lizuma,
        personal_code=synthetic_code(born, n),
        first_name=first,
        last_name=last,
        birth_date=born,
        gender=gender,
        class_group=klass,
        starts_on=world.year.starts_on,
    )


def flag_for(
    pupil: Pupil,
    rule: str = "unjustified_semester",
    *,
    period: Period,
    value: str = "23",
    threshold: str = "20",
    status: str = FlagStatus.OPEN,
    evidence: dict[str, Any] | None = None,
    raised_at: dt.datetime | None = None,
) -> Flag:
    now = raised_at or timezone.now()
    return Flag.objects.create(
        pupil=pupil,
        period=period,
        rule=rule,
        rule_version="test",
        status=status,
        value=Decimal(value),
        threshold=Decimal(threshold),
        evidence=evidence
        if evidence is not None
        else {"source": "attendance", "from": "2026-09-01", "to": "2026-11-20", "unjustified": int(Decimal(value))},
        raised_at=now,
        last_seen_at=now,
    )


def decide(flag: Flag, decision: str, by: User, *, reason: str = "", comment: str = "") -> FlagDecision:
    made = FlagDecision.objects.create(
        flag=flag, decision=decision, reason=reason, comment=comment, decided_by=by, decided_at=timezone.now()
    )
    flag.status = {"accepted": FlagStatus.ACCEPTED, "dismissed": FlagStatus.DISMISSED}.get(decision, FlagStatus.OPEN)
    flag.save(update_fields=["status"])
    return made


def instrument() -> Instrument:
    made, created = Instrument.objects.get_or_create(
        code="watch-test",
        version=1,
        defaults={"name": "Test instrument", "low_from": 10, "medium_from": 30, "high_from": 60},
    )
    if created:
        InstrumentItem.objects.create(
            instrument=made, group=RiskGroup.LEARNING, code="motivation", text="Lack of motivation", order=1
        )
        InstrumentItem.objects.create(
            instrument=made, group=RiskGroup.FAMILY, code="family", text="Family conflict", order=2, sensitive=True
        )
    return made


def assessment_for(pupil: Pupil, level: str, *, period: Period, by: User, submitted: bool = True) -> Assessment:
    return Assessment.objects.create(
        pupil=pupil,
        period=period,
        instrument=instrument(),
        status=Assessment.Status.SUBMITTED if submitted else Assessment.Status.DRAFT,
        created_by=by,
        submitted_at=timezone.now() if submitted else None,
        level=level if submitted else "",
        score_share=Decimal("65.00") if level == Level.HIGH else Decimal("35.00"),
        group_scores={RiskGroup.LEARNING: "75.00", RiskGroup.FAMILY: "50.00"},
    )


def snapshot(pupil: Pupil, period: Period, *, attendance: str | None, average: str | None) -> IndicatorSnapshot:
    return IndicatorSnapshot.objects.create(
        pupil=pupil,
        period=period,
        window_start=period.starts_on,
        window_end=period.ends_on,
        w4_start=period.ends_on - dt.timedelta(days=27),
        w4_end=period.ends_on,
        computed_at=timezone.now(),
        rule_version="test",
        attendance_rate=Decimal(attendance) if attendance is not None else None,
        average_grade=Decimal(average) if average is not None else None,
    )
