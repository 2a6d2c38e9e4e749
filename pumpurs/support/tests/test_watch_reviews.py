"""Overdue reviews on the watch list.

Anna Kalniņa's plan is still active although its semester ended weeks ago: the Lizuma coordinator
and Anna's class teacher see it on the watch list, with the remote consultation Anna never
confirmed; the Tirzas teacher sees nothing of it. The watch list's filters keep working.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Period
from pumpurs.support.models import Delivery, Plan, PlanStatus
from pumpurs.support.testing import active_plan
from pumpurs.support.timeline import overdue_plans, overdue_reviews, plan_url
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def ended_period(days_ago: int) -> Period:
    """A semester that ended at least ``days_ago`` days ago (the persona calendar has last year's)."""
    cutoff = timezone.localdate() - dt.timedelta(days=days_ago)
    period = Period.objects.filter(ends_on__lt=cutoff).order_by("-ends_on").first()
    assert period is not None, "the calendar has no past semester"
    return period


@pytest.fixture
def late_plan(world: World) -> Plan:
    """Anna's active plan moved into a semester that ended long ago; the services refuse
    back-dating, so the row is written directly."""
    plan = active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    Plan.objects.filter(pk=plan.pk).update(period=ended_period(settings.PUMPURS_REVIEW_GRACE_DAYS + 1))
    plan.refresh_from_db()
    return plan


def unconfirmed_remote(world: World, plan: Plan, *, days_ago: int) -> Delivery:
    line = plan.measures.get(measure__code="consult-psychologist")
    return Delivery.objects.create(
        line=line,
        delivered_on=timezone.localdate() - dt.timedelta(days=days_ago),
        quantity=Decimal("0.75"),
        minutes=45,
        specialist=world.specialist_lizuma,
        mode=Delivery.Mode.REMOTE,
        topic="Attālināta saruna",
        recorded_by=world.specialist_lizuma,
        recorded_at=timezone.now(),
    )


def test_a_plan_past_its_semester_is_overdue_for_its_school(world: World, late_plan: Plan) -> None:
    assert list(overdue_reviews(world.coordinator_lizuma).plans) == [late_plan]
    assert list(overdue_reviews(world.teacher_lizuma, world.lizuma).plans) == [late_plan]
    assert list(overdue_reviews(world.coordinator_lizuma, world.tirzas).plans) == []
    assert not overdue_reviews(world.teacher_tirzas)
    assert not overdue_reviews(world.teacher_lizuma_8a)


def test_a_plan_in_review_stays_overdue_until_reviewed(world: World, late_plan: Plan) -> None:
    Plan.objects.filter(pk=late_plan.pk).update(status=PlanStatus.IN_REVIEW)
    assert list(overdue_reviews(world.coordinator_lizuma).plans) == [late_plan]
    Plan.objects.filter(pk=late_plan.pk).update(status=PlanStatus.CLOSED)
    assert not overdue_reviews(world.coordinator_lizuma)


def test_a_current_plan_is_not_overdue(world: World) -> None:
    active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    assert not overdue_reviews(world.coordinator_lizuma).plans


def test_overdue_plans_is_one_query(world: World, late_plan: Plan, django_assert_num_queries) -> None:
    user = world.coordinator_lizuma
    list(overdue_plans(user))  # the grants are read once per request
    with django_assert_num_queries(1):
        plans = list(overdue_plans(user))
        assert plans[0].case.pupil.last_name == world.pupil_lizuma.last_name
        assert str(plans[0].period)


def test_watch_list_shows_late_reviews_and_unconfirmed_consultations(world: World, late_plan: Plan) -> None:
    unconfirmed_remote(world, late_plan, days_ago=3)
    unconfirmed_remote(world, late_plan, days_ago=0)  # still within its day: not late
    html = client_for(world.coordinator_lizuma).get(reverse("watch_list")).content.decode()
    assert "Overdue in individual support" in html
    assert late_plan.period.ends_on.strftime("%d.%m.%Y") in html or str(late_plan.period) in html
    assert "Remote consultations the pupil has not confirmed in time" in html
    timeline = reverse("support_pupil:timeline", args=[world.pupil_lizuma.public_id])
    # The late plan links to the plan page (the timeline while that page is not mounted).
    assert (plan_url(late_plan) or timeline) in html
    assert timeline in html  # the unconfirmed consultation
    assert len(overdue_reviews(world.coordinator_lizuma).unconfirmed) == 1


def test_watch_list_filters_still_work_with_the_block(world: World, late_plan: Plan) -> None:
    url = reverse("watch_list") + f"?institution={world.lizuma.public_id}&level=high&sort=name"
    response = client_for(world.teacher_lizuma).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Overdue in individual support" in html
    assert 'value="high" selected' in html


def test_other_schools_see_no_block(world: World, late_plan: Plan) -> None:
    html = client_for(world.teacher_tirzas).get(reverse("watch_list")).content.decode()
    assert "Overdue in individual support" not in html
    assert world.pupil_lizuma.last_name not in html


def test_whole_school_readers_get_the_plain_statement_with_the_same_rows(world: World, late_plan: Plan) -> None:
    """Issue 13: a reader of the whole school skips the scope's OR and hand-over EXISTS; the rows are
    those of the scoped statement, and a class teacher or another school still goes through it."""
    unconfirmed_remote(world, late_plan, days_ago=3)
    for user in (world.coordinator_lizuma, world.director_lizuma, world.coordinator_gulbene):
        assert access.reads_whole_school(user, Perm.VIEW_SUPPORT, world.lizuma), user.username
        block = overdue_reviews(user, world.lizuma)
        assert block.plans == [late_plan], user.username
        assert len(block.unconfirmed) == 1, user.username
    for user in (world.teacher_lizuma, world.coordinator_tirzas, world.coordinator_madona):
        assert not access.reads_whole_school(user, Perm.VIEW_SUPPORT, world.lizuma), user.username
    assert overdue_reviews(world.teacher_lizuma, world.lizuma).plans == [late_plan]  # her class: scoped
    assert not overdue_reviews(world.teacher_lizuma_8a, world.lizuma)
    assert not overdue_reviews(world.coordinator_tirzas, world.lizuma)
    assert not overdue_reviews(world.coordinator_madona, world.lizuma)


def test_the_block_is_two_queries_and_loads_nothing_it_deferred(
    world: World, late_plan: Plan, django_assert_num_queries
) -> None:
    unconfirmed_remote(world, late_plan, days_ago=3)
    user = world.coordinator_lizuma
    overdue_reviews(user, world.lizuma)  # the grants are read once per request
    with django_assert_num_queries(2):
        block = overdue_reviews(user, world.lizuma)
        html = render_to_string(
            "support/watch_overdue.html", {"overdue": block, "plans": [(p, plan_url(p)) for p in block.plans]}
        )
    assert world.pupil_lizuma.last_name in html
    assert str(late_plan.period) in html
    assert world.specialist_lizuma.last_name in html
