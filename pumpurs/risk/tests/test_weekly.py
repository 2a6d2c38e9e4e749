"""Anna's attendance week by week on her page (issue 15): lessons missed each week of the semester,
unjustified, illness and other justified stacked, from the journal's facts in one query — a
pupil-day's daily row when there is one, else its lesson marks — with the numbers in a table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.journal.models import AttendanceCategory, AttendanceDay, AttendanceMark, Subject
from pumpurs.people.calendar import semester_on
from pumpurs.risk.charts import stacked_bars
from pumpurs.risk.weekly import Week, weekly_attendance
from pumpurs.world.personas import World

MON, TUE, WED, THU = (dt.date(2026, 11, d) for d in (2, 3, 11, 12))


def mark(pupil, day: dt.date, lesson: int, category: str) -> AttendanceMark:
    subject = Subject.objects.order_by("pk").first() or Subject.objects.create(code="matematika", name="Matemātika")
    code = {"unjustified": "n", "illness": "ns", "present": "+"}[category]
    return AttendanceMark(pupil=pupil, date=day, lesson=lesson, subject=subject, mark=code, category=category)


@pytest.fixture
def anna(world: World) -> World:
    """Week of 2 Nov: two unjustified lessons on Monday, a whole Tuesday ill (daily rows). Week of
    9 Nov: Wednesday from lesson marks (one unjustified, one ill, one present); Thursday has a
    daily row (one other justified) *and* marks, which must not count twice. A summer day is
    outside the semester."""
    pupil = world.pupil_lizuma
    AttendanceDay.objects.bulk_create(
        [
            AttendanceDay(pupil=pupil, date=MON, lessons=6, unjustified=2),
            AttendanceDay(pupil=pupil, date=TUE, lessons=6, illness=6),
            AttendanceDay(pupil=pupil, date=THU, lessons=6, other_justified=1),
            AttendanceDay(pupil=pupil, date=dt.date(2026, 8, 20), lessons=6, unjustified=6),
        ]
    )
    AttendanceMark.objects.bulk_create(
        [
            mark(pupil, WED, 1, AttendanceCategory.UNJUSTIFIED),
            mark(pupil, WED, 2, AttendanceCategory.ILLNESS),
            mark(pupil, WED, 3, "present"),
            mark(pupil, THU, 1, AttendanceCategory.UNJUSTIFIED),  # the daily row wins
        ]
    )
    return world


def test_weeks_add_daily_rows_and_marks_without_counting_a_day_twice(anna: World, django_assert_num_queries) -> None:
    period = semester_on(anna.today)
    assert period is not None
    with django_assert_num_queries(1):
        weeks = weekly_attendance(anna.pupil_lizuma, period)
    assert weeks == [
        Week(dt.date(2026, 11, 2), lessons=12, unjustified=2, illness=6, other_justified=0),
        Week(dt.date(2026, 11, 9), lessons=9, unjustified=1, illness=1, other_justified=1),
    ]
    assert weekly_attendance(anna.pupil_lizuma_8a, period) == []


def test_bars_stack_bottom_up_on_a_round_scale() -> None:
    chart = stacked_bars([("a", [2, 6, 0]), ("b", [1, 1, 1]), ("c", [0, 0, 0])], parts=["u", "i", "o"])
    first, second, empty = chart.bars
    assert [s.part for s in first.segments] == ["u", "i"]  # nothing drawn for a zero
    assert first.segments[0].y > first.segments[1].y  # unjustified at the bottom
    assert first.segments[0].height == pytest.approx(2 * second.segments[0].height)
    assert first.segments[0].y + first.segments[0].height == pytest.approx(chart.baseline)
    assert [t.label for t in chart.ticks] == ["0", "5", "10"]  # the top: 8 rounded up to a step of 5
    assert empty.segments == []
    assert empty.total == 0


def test_annas_page_shows_the_weeks_and_their_table(anna: World) -> None:
    client = Client()  # Latvian, the default
    client.force_login(anna.teacher_lizuma)
    url = reverse("pupil_detail", args=[anna.pupil_lizuma.public_id])
    html = client.get(url).content.decode()
    assert "Apmeklējums pa nedēļām" in html
    assert "1. semestris (2026/27)" in html
    assert html.count('class="trend__bar trend__bar--unjustified"') == 2
    assert html.count('class="trend__bar trend__bar--illness"') == 2
    assert html.count('class="trend__bar trend__bar--other_justified"') == 1
    assert (
        '<tr><th scope="row">2.11.2026</th><td class="num">12</td><td class="num">2</td><td class="num">6</td>' in html
    )
    assert AuditEvent.objects.filter(action="people.pupil.viewed", pupil_id=anna.pupil_lizuma.pk).exists()


def test_a_pupil_without_facts_says_so_and_tirzas_sees_nothing(anna: World) -> None:
    client = Client()
    client.force_login(anna.teacher_lizuma_8a)
    html = client.get(reverse("pupil_detail", args=[anna.pupil_lizuma_8a.public_id])).content.decode()
    assert "E-žurnālā vēl nav šī skolēna apmeklējuma datu par šo semestri." in html
    client.force_login(anna.teacher_tirzas)
    assert client.get(reverse("pupil_detail", args=[anna.pupil_lizuma.public_id])).status_code == 404
