"""The cycle on every telling day of the year (issue 11): a school day, the last day of semester 1,
the Christmas break, the first day of semester 2, the last school day and mid-summer.

On each day the watch list, the questionnaire, plans, reviews, the refresh after an import and
its notices answer from the calendar's one answer (docs/calendar.md): pages and the questionnaire
look back at the semester under way or just ended, plans look ahead to the semester under way or
the next, and a page in a holiday says which semester it shows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from pumpurs.imports.facts import facts_after_import
from pumpurs.imports.services import import_batch_actor, import_batch_create, import_batch_run
from pumpurs.imports.tests.conftest import write_csv
from pumpurs.people.calendar import Phase, calendar_on, planning_semester_on, semester_on, weekday_on_or_before
from pumpurs.people.models import Period
from pumpurs.risk.models import IndicatorSnapshot, Notice
from pumpurs.risk.questionnaire import assessment_start, assessment_submit
from pumpurs.risk.tests.watch_factories import flag_for
from pumpurs.support.models import Plan, PlanStatus
from pumpurs.support.plans import plan_review_start, plan_submit, plans_activate_due
from pumpurs.support.testing import approve_all, draft_plan, guardian_for, open_case
from pumpurs.support.timeline.overdue import overdue_plans
from pumpurs.world.personas import World
from pumpurs.world.testing import on_calendar_days

pytestmark = [pytest.mark.django_db, on_calendar_days]


def looking_back(world: World) -> Period:
    period = semester_on(world.today)
    assert period is not None
    return period


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_watch_list_shows_the_semester_the_day_speaks_of(world: World) -> None:
    period = looking_back(world)
    flag_for(world.pupil_lizuma, period=period)
    page = signed_in(world.teacher_lizuma).get(reverse("watch_list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Kalniņa" in body
    assert str(period) in body
    phase = calendar_on(world.today).phase
    assert ('class="note semester-note"' in body) is (phase != Phase.IN_SEMESTER)
    if phase != Phase.IN_SEMESTER:
        assert f'data-phase="{phase}"' in body
        assert period.ends_on.strftime("%d.%m.%Y") in body


def test_the_questionnaire_is_for_the_semester_the_day_speaks_of(world: World) -> None:
    teacher, anna = world.teacher_lizuma, world.pupil_lizuma
    draft = assessment_start(actor=teacher, pupil=anna)
    assert draft.period == looking_back(world)  # in a holiday: the semester that ended last
    done = assessment_submit(
        unanswered_confirmed=True, actor=teacher, assessment=draft, answers={"motivation": ("yes", "")}
    )
    assert done.period == draft.period
    page = signed_in(teacher).get(reverse("questionnaire_pupil", args=[anna.public_id]))
    assert page.status_code == 200
    assert str(draft.period) in page.content.decode()


def test_a_plan_is_drawn_up_for_the_semester_under_way_or_the_next(world: World) -> None:
    coordinator = world.coordinator_lizuma
    planning = planning_semester_on(world.today)
    assert planning is not None  # the summer too: the calendar holds the next year from June
    case = open_case(coordinator, world.pupil_lizuma)
    client = signed_in(coordinator)
    page = client.get(reverse("support_case", args=[case.public_id]))
    assert page.status_code == 200
    in_semester = planning.starts_on <= world.today
    with override("lv"):
        button = (
            _("Plan for this semester (%(period)s)") if in_semester else _("Plan for the next semester (%(period)s)")
        ) % {"period": planning}
    assert button in page.content.decode()

    started = client.post(reverse("support_plan_start", args=[case.public_id]))
    assert started.status_code == 302
    plan = Plan.objects.get(case=case)
    assert plan.period == planning

    plan = draft_plan(coordinator, open_case(coordinator, world.pupil_lizuma_8a))
    assert plan.period == planning
    plan = approve_all(
        plan_submit(actor=coordinator, plan=plan), world.director_lizuma, world.coordinator_gulbene, world.national
    )
    plans_activate_due(today=world.today)
    plan.refresh_from_db()
    # A plan for the next semester waits, approved, until its semester begins.
    assert plan.status == (PlanStatus.ACTIVE if in_semester else PlanStatus.APPROVED)


def test_a_review_is_due_once_the_semester_is_over_and_late_after_the_grace_days(world: World, clock: Any) -> None:
    period = looking_back(world)
    # The plan was made and approved on the semester's third day; now it is ``today`` again.
    clock.move_to(dt.datetime.combine(period.starts_on + dt.timedelta(days=2), dt.time(10)))
    guardian_for(world.pupil_lizuma)
    plan = draft_plan(world.coordinator_lizuma, open_case(world.coordinator_lizuma, world.pupil_lizuma))
    plan = approve_all(
        plan_submit(actor=world.coordinator_lizuma, plan=plan),
        world.director_lizuma,
        world.coordinator_gulbene,
        world.national,
    )
    assert plan.period == period
    clock.move_to(dt.datetime.combine(world.today, dt.time(10)))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE

    late = world.today > period.ends_on + dt.timedelta(days=settings.PUMPURS_REVIEW_GRACE_DAYS)
    assert overdue_plans(world.coordinator_lizuma, today=world.today).filter(pk=plan.pk).exists() is late
    page = signed_in(world.coordinator_lizuma).get(reverse("watch_list"))
    assert page.status_code == 200
    assert (f'href="{reverse("support_plan", args=[plan.public_id])}"' in page.content.decode()) is late
    assert plan_review_start(actor=world.coordinator_lizuma, plan=plan).status == PlanStatus.IN_REVIEW


HEADER = ["personal_code", "date", "lessons", "unjustified", "illness", "other_justified", "late"]


def test_an_import_refreshes_the_semester_the_day_speaks_of_and_notices_only_today_s_absence(
    world: World, tmp_path: Path
) -> None:
    period = looking_back(world)
    day = weekday_on_or_before(min(world.today, period.ends_on), period.starts_on)
    world.lizuma.same_day_absence_notices = True
    world.lizuma.save(update_fields=["same_day_absence_notices"])
    guardian_for(world.pupil_lizuma)
    rows = [HEADER, [world.pupil_lizuma.personal_code, day.isoformat(), 6, 2, 0, 0, 0]]
    batch = import_batch_create(
        actor=world.coordinator_lizuma,
        kind="attendance",
        path=write_csv(tmp_path / "kavejumi.csv", rows),
        filename="kavejumi.csv",
        institution=world.lizuma,
        dry_run=False,
    )
    assert import_batch_run(batch, actor=import_batch_actor(batch), today=world.today).status == "applied"

    facts_after_import.call(batch.pk)

    snapshot = IndicatorSnapshot.objects.get(pupil=world.pupil_lizuma)
    assert (snapshot.period, snapshot.w4_end, snapshot.w4_unjustified) == (period, day, 2)
    same_day = Notice.objects.filter(kind=Notice.Kind.SAME_DAY_ABSENCE, pupil=world.pupil_lizuma)
    # "The same school day": only an absence of today is news; in a holiday there is none.
    assert same_day.exists() is (day == world.today)
