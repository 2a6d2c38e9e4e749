"""The national team and the data protection officer read a pupil's file — risk record, support
case, plans, consents, deliveries — only through break-the-glass: a reason, three hours, the
trail (issue 17 "Data protection duties"; decision 0041). Without an opening the file does not
exist for them (404); with one it opens and every read is recorded; when it ends, 404 again. The
DPO's own work — the audit trail, the openings list, subject access — needs no opening, and the
national team still reads the plans that wait for its approval."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.emergency import OPENED
from pumpurs.support.delivery import consultation_record
from pumpurs.support.models import Consent, Delivery, Plan, PlanStatus
from pumpurs.support.plans import plan_submit
from pumpurs.support.scope import cases_visible_to, consents_visible_to, deliveries_visible_to, plans_visible_to
from pumpurs.support.testing import approve_all, draft_plan, measure, open_case
from pumpurs.world.personas import World

REASON = "Court asked for the support record today"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def annas_active_plan(world: World) -> Plan:
    """Anna's case with an active plan and one consultation under it."""
    plan = draft_plan(world.teacher_lizuma, open_case(world.teacher_lizuma, world.pupil_lizuma))
    plan = approve_all(
        plan_submit(actor=world.teacher_lizuma, plan=plan),
        world.director_lizuma,
        world.coordinator_gulbene,
        world.national,
    )
    assert plan.status == PlanStatus.ACTIVE
    consultation_record(
        actor=world.teacher_lizuma,
        plan=plan,
        measure=measure("consult-psychologist"),
        held_on=timezone.localdate(),
        minutes=30,
        specialist=world.teacher_lizuma,
        mode="remote",
        topic="Saruna",
    )
    return plan


def pages(plan: Plan) -> list[str]:
    case = plan.case
    consent = Consent.objects.filter(case=case).first()
    assert consent is not None
    return [
        reverse("support_case", args=[case.public_id]),
        reverse("support_plan", args=[plan.public_id]),
        reverse("api:case", args=[case.public_id]),
        reverse("api:case_plans", args=[case.public_id]),
    ]


@pytest.mark.parametrize("persona", ["national", "dpo"])
def test_the_file_opens_only_through_break_the_glass_and_closes_by_itself(world: World, persona: str, clock) -> None:
    plan = annas_active_plan(world)
    user, anna = getattr(world, persona), world.pupil_lizuma
    client = client_for(user)

    for url in pages(plan):
        assert client.get(url).status_code == 404, url
    for visible in (cases_visible_to, plans_visible_to, consents_visible_to, deliveries_visible_to):
        assert not visible(user).exists(), visible.__name__
    assert not access.can_see_pupil(user, anna, Perm.VIEW_SUPPORT)
    assert not access.can_see_pupil(user, anna, Perm.VIEW_RISK)
    profile = client.get(reverse("pupil_detail", args=[anna.public_id]))
    assert reverse("emergency_access", args=[anna.public_id]) in profile.content.decode()  # the page offers it

    assert client.post(reverse("emergency_access", args=[anna.public_id]), {"reason": REASON}).status_code == 302
    assert AuditEvent.objects.filter(action=OPENED, actor_id=user.pk, pupil_id=anna.pk).exists()
    views_before = AuditEvent.objects.filter(action="people.pupil.viewed", actor_id=user.pk).count()
    for url in pages(plan):
        assert client.get(url).status_code == 200, url
    assert AuditEvent.objects.filter(action="people.pupil.viewed", actor_id=user.pk).count() > views_before
    assert set(cases_visible_to(user)) == {plan.case}
    assert set(deliveries_visible_to(user)) == set(Delivery.objects.filter(line__plan=plan))
    assert access.can_see_pupil(user, anna, Perm.VIEW_SUPPORT)
    assert not access.can_see_pupil(user, world.pupil_lizuma_8a, Perm.VIEW_SUPPORT)  # one pupil only

    clock.shift(dt.timedelta(hours=3, minutes=1))
    client = client_for(user)  # a new session: the idle one was signed out meanwhile
    for url in pages(plan):
        assert client.get(url).status_code == 404, url
    assert not cases_visible_to(user).exists()


def test_without_an_opening_the_dpo_keeps_her_own_work(world: World) -> None:
    annas_active_plan(world)
    client = client_for(world.dpo)
    assert client.get(reverse("audit_events")).status_code == 200
    assert client.get(reverse("emergency_accesses")).status_code == 200
    answer = client.post(reverse("subject_access"), {"personal_code": world.pupil_lizuma.personal_code})
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/zip"


def test_the_national_team_reads_the_plans_waiting_for_its_approval_and_no_more(world: World) -> None:
    plan = draft_plan(world.teacher_lizuma, open_case(world.teacher_lizuma, world.pupil_lizuma))
    submitted = plan_submit(actor=world.teacher_lizuma, plan=plan)
    national = client_for(world.national)
    assert national.get(reverse("support_plan", args=[plan.public_id])).status_code == 404  # at the director

    waiting = approve_all(submitted, world.director_lizuma, world.coordinator_gulbene)
    assert waiting.status == PlanStatus.MUNICIPALITY_APPROVED
    page = national.get(reverse("support_plan", args=[plan.public_id]))
    assert page.status_code == 200
    # The breadcrumb names the case but does not link it: the link would answer 404.
    assert reverse("support_case", args=[plan.case.public_id]) not in page.content.decode()
    assert [row[0].pk for row in national.get(reverse("support_approvals")).context["rows"]] == [plan.pk]
    assert national.get(reverse("support_case", args=[plan.case.public_id])).status_code == 404  # not the case

    approve_all(waiting, world.national)
    assert national.get(reverse("support_plan", args=[plan.public_id])).status_code == 404  # done: no longer hers


def test_a_municipality_coordinator_keeps_reading_her_schools_plans(world: World) -> None:
    plan = annas_active_plan(world)
    assert client_for(world.coordinator_gulbene).get(reverse("support_plan", args=[plan.public_id])).status_code == 200
