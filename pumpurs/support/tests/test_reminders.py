"""Review reminders: Anna Kalniņa's plan is still active weeks after its semester ended. The daily
job reminds her case lead and the Lizuma coordinator once each; nobody at Tirzas hears of it, and
a plan whose semester is under way reminds no one."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from pumpurs.risk.models import Notice
from pumpurs.support.models import Plan, TeamMember
from pumpurs.support.reminders import review_reminders_queue
from pumpurs.support.testing import active_plan
from pumpurs.support.tests.test_watch_reviews import ended_period
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def annas_plan(world: World) -> Plan:
    return active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )


def test_an_overdue_review_reminds_the_case_lead_and_the_school_coordinator_once(world: World) -> None:
    plan = annas_plan(world)
    # The services refuse back-dating: the plan is moved into an old semester directly.
    Plan.objects.filter(pk=plan.pk).update(period=ended_period(settings.PUMPURS_REVIEW_GRACE_DAYS + 1))
    leads = set(TeamMember.objects.filter(case=plan.case, role=TeamMember.Role.LEAD).values_list("user", flat=True))
    assert review_reminders_queue(today=timezone.localdate()) >= 1
    reminded = set(Notice.objects.filter(kind=Notice.Kind.REVIEW_OVERDUE).values_list("recipient_user", flat=True))
    assert reminded == leads | {world.coordinator_lizuma.pk}
    assert world.teacher_tirzas.pk not in reminded
    assert world.coordinator_gulbene.pk not in reminded
    notice = Notice.objects.filter(kind=Notice.Kind.REVIEW_OVERDUE, recipient_user=world.coordinator_lizuma).get()
    assert notice.pupil == world.pupil_lizuma
    assert "Anna Kalniņa" in notice.subject
    assert "nav" in notice.body  # written in Latvian
    # Tomorrow's run reminds no one again.
    count = Notice.objects.count()
    assert review_reminders_queue(today=timezone.localdate()) == 0
    assert Notice.objects.count() == count


def test_a_plan_in_its_semester_reminds_no_one(world: World) -> None:
    annas_plan(world)
    assert review_reminders_queue(today=timezone.localdate()) == 0
    assert not Notice.objects.filter(kind=Notice.Kind.REVIEW_OVERDUE).exists()
