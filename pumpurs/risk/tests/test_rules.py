"""Every default rule at its boundary, the reason in words, municipal thresholds, and fairness."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import formats, translation

from pumpurs.journal.models import Incident
from pumpurs.people.models import Period, Pupil
from pumpurs.risk.indicators import indicators_refresh
from pumpurs.risk.models import Flag, IndicatorSnapshot, ThresholdOverride
from pumpurs.risk.rules import RULES, reason_text, rule_label, rule_severity, threshold_for
from pumpurs.risk.tests.test_indicators import (
    absences_on,
    flags_of,
    friday_in,
    grade,
    scores,
    term,
    weekdays,
)
from pumpurs.world.personas import World


def refresh(world: World) -> Period:
    period = term(world)
    indicators_refresh(today=friday_in(period, weeks=10), period=period)
    return period


def unjustified(n: int) -> Callable[[World, Pupil], None]:
    def make(world: World, pupil: Pupil) -> None:
        period = term(world)
        # Early in the semester, so the last 4 weeks stay clean.
        absences_on(pupil, weekdays(period.starts_on, period.starts_on + dt.timedelta(days=20)), n)

    return make


def four_week_attendance(
    lessons_per_day: int, absent: int, field: str = "unjustified"
) -> Callable[[World, Pupil], None]:
    """20 school days inside the 4-week window, ``absent`` lessons of them missed (``field``: why)."""

    def make(world: World, pupil: Pupil) -> None:
        friday = friday_in(term(world), weeks=10)
        days = weekdays(friday - dt.timedelta(days=25), friday)
        assert len(days) == 20
        absences_on(pupil, days, absent, field=field, lessons=lessons_per_day)

    return make


def failing_term(n: int) -> Callable[[World, Pupil], None]:
    def make(world: World, pupil: Pupil) -> None:
        for _ in range(n):
            grade(pupil, term(world), kind="term", score=3)
        grade(pupil, term(world), kind="term", score=4)

    return make


def nv(n: int) -> Callable[[World, Pupil], None]:
    def make(world: World, pupil: Pupil) -> None:
        for _ in range(n):
            grade(pupil, term(world), value_kind="nv")

    return make


def averages(before: list[int], now: list[int]) -> Callable[[World, Pupil], None]:
    def make(world: World, pupil: Pupil) -> None:
        period = term(world)
        previous = Period.objects.filter(starts_on__lt=period.starts_on).order_by("-starts_on").first()
        assert previous is not None
        scores(pupil, previous, before)
        scores(pupil, period, now)

    return make


def incidents(n: int) -> Callable[[World, Pupil], None]:
    def make(world: World, pupil: Pupil) -> None:
        friday = friday_in(term(world), weeks=10)
        absences_on(pupil, [friday], 0)
        for i in range(n):
            Incident.objects.create(
                pupil=pupil, date=friday - dt.timedelta(days=i * 7), category="conflict", severity="low"
            )
        # One long before the window does not count.
        Incident.objects.create(pupil=pupil, date=term(world).starts_on, category="old", severity="low")

    return make


def over_age(years: int) -> Callable[[World, Pupil], None]:
    def make(world: World, pupil: Pupil) -> None:
        start = world.year.starts_on
        Pupil.objects.filter(pk=pupil.pk).update(birth_date=start.replace(year=start.year - 13 - years))

    return make


BOUNDARIES = [
    ("unjustified_semester", unjustified(20), unjustified(21), Decimal(21)),
    ("attendance_4w", four_week_attendance(5, 10), four_week_attendance(500, 1001), Decimal("89.99")),
    (
        "illness_4w",
        four_week_attendance(5, 49, field="illness"),
        four_week_attendance(5, 50, field="illness"),
        Decimal("50.00"),
    ),
    ("failing_term_grade", failing_term(0), failing_term(1), Decimal(1)),
    ("nv_period", nv(1), nv(2), Decimal(2)),
    # 7.67 → 6.68 is a drop of 0.99; 7.67 → 6.67 a drop of 1.00.
    ("average_drop", averages([8, 8, 7], [7] * 17 + [6] * 8), averages([8, 8, 7], [7, 7, 6]), Decimal("1.00")),
    ("incidents_4w", incidents(1), incidents(2), Decimal(2)),
    ("over_age", over_age(1), over_age(2), Decimal(2)),
]


@pytest.mark.parametrize(("rule", "below", "at", "value"), BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_every_default_rule_at_its_boundary(world: World, rule: str, below, at, value: Decimal) -> None:
    below(world, world.pupil_lizuma)
    at(world, world.pupil_tirzas)
    period = refresh(world)
    assert rule not in flags_of(world.pupil_lizuma)
    assert rule in flags_of(world.pupil_tirzas)
    flag = Flag.objects.get(pupil=world.pupil_tirzas, rule=rule)
    assert flag.value == value
    assert flag.threshold == Decimal(str(settings.PUMPURS_RISK_THRESHOLDS[rule]))
    assert flag.period == period
    assert flag.rule_version == "2026.2"
    assert flag.evidence["rule_version"] == "2026.2"
    assert flag.evidence["source"] == RULES[rule].source


def test_exactly_90_per_cent_is_not_flagged(world: World) -> None:
    four_week_attendance(5, 10)(world, world.pupil_lizuma)  # 100 lessons, 10 missed
    period = refresh(world)
    assert IndicatorSnapshot.objects.get(pupil=world.pupil_lizuma, period=period).w4_attendance_rate == Decimal("90.00")
    assert "attendance_4w" not in flags_of(world.pupil_lizuma)


def test_illness_does_not_lower_the_4_week_attendance_rule(world: World) -> None:
    """Trap 10: three days in bed in four weeks is no sign of leaving school. Illness has its own,
    softer rule; unjustified and other non-illness absence still count, together."""
    four_week_attendance(6, 18, field="illness")(world, world.pupil_lizuma)  # 3 of 20 days ill: 85 %
    friday = friday_in(term(world), weeks=10)
    days = weekdays(friday - dt.timedelta(days=25), friday)
    absences_on(world.pupil_tirzas, days[:10], 6, field="unjustified")  # 6 + 7 of 120 lessons
    absences_on(world.pupil_tirzas, days[10:], 7, field="other_justified")
    period = refresh(world)
    ill = IndicatorSnapshot.objects.get(pupil=world.pupil_lizuma, period=period)
    assert ill.w4_attendance_rate == Decimal("85.00")  # the indicator still says how much was missed
    assert flags_of(world.pupil_lizuma) == set()
    flag = Flag.objects.get(pupil=world.pupil_tirzas, rule="attendance_4w")
    assert flag.value == Decimal("89.17")
    assert rule_severity("illness_4w") < rule_severity("attendance_4w")


def test_a_municipality_can_still_make_illness_count(world: World) -> None:
    four_week_attendance(6, 18, field="illness")(world, world.pupil_lizuma)  # 15 % ill
    ThresholdOverride.objects.create(
        municipality=world.gulbene, rule="illness_4w", value=10, set_by=world.coordinator_gulbene
    )
    refresh(world)
    assert flags_of(world.pupil_lizuma) == {"illness_4w"}
    with translation.override("en"):
        text = reason_text(Flag.objects.get(pupil=world.pupil_lizuma, rule="illness_4w"))
    assert text.startswith("Ill for 15 % of lessons in the 4 weeks ")


def short(day: dt.date | str) -> str:
    """A date as the reason text writes it (the evidence keeps it as ISO text)."""
    return formats.date_format(dt.date.fromisoformat(day) if isinstance(day, str) else day, "SHORT_DATE_FORMAT")


def test_the_reason_states_the_numbers_and_the_source(world: World) -> None:
    unjustified(23)(world, world.pupil_lizuma)
    four_week_attendance(10, 27)(world, world.pupil_tirzas)  # 86.5 %
    period = refresh(world)
    name = period.school_year.name
    with translation.override("en"):
        text = reason_text(Flag.objects.get(pupil=world.pupil_lizuma, rule="unjustified_semester"))
        assert text.startswith(
            f"23 unjustified lessons in semester 1 of {name}; threshold 20 — the municipality must be involved"
        )
        assert f"(data: attendance records {short(period.starts_on)} – " in text
        flag = Flag.objects.get(pupil=world.pupil_tirzas, rule="attendance_4w")
        text = reason_text(flag)
        assert text.startswith(
            f"Attendance 86.5 % in the 4 weeks {short(flag.evidence['from'])} – {short(flag.evidence['to'])}, "
            "illness not counted; threshold 90 %"
        )
        assert flag.evidence["to"] == friday_in(period, weeks=10).isoformat()
        assert rule_label("attendance_4w") == "low attendance in the last 4 weeks (illness not counted)"
    assert flag.evidence["lessons"] == 200
    assert flag.evidence["unjustified"] == 27


def test_severity_puts_unjustified_lessons_and_failing_grades_first() -> None:
    top = max(rule_severity(code) for code in RULES)
    assert rule_severity("unjustified_semester") == rule_severity("failing_term_grade") == top
    assert rule_severity("over_age") < top
    assert set(RULES) == {
        "unjustified_semester",
        "attendance_4w",
        "illness_4w",
        "failing_term_grade",
        "nv_period",
        "average_drop",
        "incidents_4w",
        "over_age",
    }


def test_a_municipal_override_changes_the_outcome_only_in_that_municipality(world: World) -> None:
    # 21 unjustified lessons in Lizuma (Gulbene), Tirzas (Gulbene) and Madona alike.
    for pupil in (world.pupil_lizuma, world.pupil_tirzas, world.pupil_madona):
        unjustified(21)(world, pupil)
    ThresholdOverride.objects.create(
        municipality=world.madona, rule="unjustified_semester", value=25, set_by=world.coordinator_madona
    )
    refresh(world)
    assert "unjustified_semester" in flags_of(world.pupil_lizuma)
    assert "unjustified_semester" in flags_of(world.pupil_tirzas)
    assert "unjustified_semester" not in flags_of(world.pupil_madona)
    assert threshold_for("unjustified_semester", world.madona) == Decimal(25)
    assert threshold_for("unjustified_semester", world.gulbene) == Decimal(20)
    assert threshold_for("unjustified_semester", None) == Decimal(20)

    # A stricter Gulbene threshold flags Gulbene's pupils with fewer lessons, and says so.
    ThresholdOverride.objects.create(
        municipality=world.gulbene, rule="nv_period", value=1, set_by=world.coordinator_gulbene
    )
    nv(1)(world, world.pupil_lizuma)
    nv(1)(world, world.pupil_madona)
    refresh(world)
    assert "nv_period" in flags_of(world.pupil_lizuma)
    assert "nv_period" not in flags_of(world.pupil_madona)
    assert Flag.objects.get(pupil=world.pupil_lizuma, rule="nv_period").threshold == Decimal(1)


def _everything(world: World, pupils: list[Pupil]) -> None:
    for i, pupil in enumerate(pupils):
        unjustified(21 + i)(world, pupil)
        failing_term(1)(world, pupil)
        nv(2)(world, pupil)


def test_gender_never_changes_a_result(world: World) -> None:
    pupils = [world.pupil_lizuma, world.pupil_lizuma_8a, world.pupil_tirzas, world.pupil_madona]
    _everything(world, pupils)
    over_age(3)(world, world.pupil_tirzas)
    period = refresh(world)

    def result() -> list[tuple[object, ...]]:
        return list(
            Flag.objects.filter(period=period)
            .order_by("pupil_id", "rule", "pk")
            .values_list("pupil_id", "rule", "status", "value", "threshold", "condition_holds", "evidence")
        )

    before = result()
    assert before
    for pupil in pupils:
        flipped = {"F": "M", "M": "F", "U": "F"}[Pupil.objects.get(pk=pupil.pk).gender]
        Pupil.objects.filter(pk=pupil.pk).update(gender=flipped)
    Flag.objects.all().delete()
    refresh(world)
    assert result() == before
