"""Issue 13, trap 4 (decision 0022): who may change a case and who may take its destructive steps.

Māris Egle (psychologist at Lizuma) sees every pupil of his school, but Anna's case belongs to
its team: until Ilze (her class teacher, the case lead) adds him, he reads it and changes
nothing. Even on the team he may not close the case, record that consent was withdrawn or take
Ilze off it — that is for the lead or for Līga, the school coordinator. A closed case can be
reopened by them, and the plans its closing ended come back as drafts.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.support.cases import (
    case_close,
    case_open,
    case_reopen,
    consent_record,
    consent_withdraw,
    contact_log,
    team_member_add,
    team_member_remove,
)
from pumpurs.support.models import Case, PlanStatus, TeamMember
from pumpurs.support.plans import plan_create, plan_submit
from pumpurs.support.stewardship import may_change_case, may_steward
from pumpurs.support.testing import draft_plan, guardian_for, open_case, period_on
from pumpurs.support.tests.stories import semester_now
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_specialist_changes_only_the_cases_whose_team_he_is_on(world: World) -> None:
    semester_now()
    maris, ilze = world.specialist_lizuma, world.teacher_lizuma
    case = open_case(ilze, world.pupil_lizuma, consent=False)
    guardian = guardian_for(world.pupil_lizuma)
    assert not may_change_case(maris, case)
    refused = [
        lambda: consent_record(
            actor=maris, case=case, guardian=guardian, given_on=timezone.localdate(), method="paper"
        ),
        lambda: contact_log(actor=maris, case=case, happened_at=timezone.now(), channel="phone", summary="Zvans"),
        lambda: team_member_add(actor=maris, case=case, user=world.coordinator_lizuma, role="other"),
        lambda: plan_create(actor=maris, case=case, period=period_on(timezone.localdate())),
    ]
    for attempt in refused:
        with pytest.raises(PermissionDenied, match="atbalsta komanda"):
            attempt()
    assert not case.consents.exists()
    assert not case.contacts.exists()
    # The school coordinator and the class teacher change it without a place on the team.
    assert may_change_case(world.coordinator_lizuma, case)
    contact_log(actor=world.coordinator_lizuma, case=case, happened_at=timezone.now(), channel="phone", summary="A")

    team_member_add(actor=ilze, case=case, user=maris, role=TeamMember.Role.SPECIALIST)
    assert may_change_case(maris, case)
    consent_record(actor=maris, case=case, guardian=guardian, given_on=timezone.localdate(), method="paper")
    plan = draft_plan(maris, case)
    assert plan.status == PlanStatus.DRAFT


def test_destructive_steps_belong_to_the_lead_or_the_coordinator(world: World) -> None:
    maris, ilze, liga = world.specialist_lizuma, world.teacher_lizuma, world.coordinator_lizuma
    case = open_case(ilze, world.pupil_lizuma)
    team_member_add(actor=ilze, case=case, user=maris, role=TeamMember.Role.SPECIALIST)
    lead = case.team.get(user=ilze)
    consent = case.consents.get()
    assert (may_steward(maris, case), may_steward(ilze, case), may_steward(liga, case)) == (False, True, True)

    with pytest.raises(PermissionDenied, match="gadījuma vadītājs vai skolas koordinators"):
        case_close(actor=maris, case=case, reason="moved")
    with pytest.raises(PermissionDenied):
        consent_withdraw(actor=maris, consent=consent, withdrawn_on=timezone.localdate())
    with pytest.raises(PermissionDenied):
        team_member_remove(actor=maris, member=lead)
    case.refresh_from_db()
    consent.refresh_from_db()
    lead.refresh_from_db()
    assert (case.status, consent.withdrawn_on, lead.removed_at) == (Case.Status.OPEN, None, None)

    # The last lead stays until another is named; a member may leave by themselves.
    with pytest.raises(ValidationError, match="vajag vadītāju"):
        team_member_remove(actor=liga, member=lead)
    team_member_add(actor=liga, case=case, user=liga, role=TeamMember.Role.LEAD)
    team_member_remove(actor=liga, member=lead)
    assert not may_steward(ilze, case)  # no longer the lead
    team_member_remove(actor=maris, member=case.team.get(user=maris))
    consent_withdraw(actor=liga, consent=consent, withdrawn_on=timezone.localdate())
    case_close(actor=liga, case=case, reason="moved")
    assert Case.objects.get(pk=case.pk).status == Case.Status.CLOSED


def test_a_closed_case_is_reopened_with_its_unfinished_plans(world: World) -> None:
    semester_now()
    ilze, liga = world.teacher_lizuma, world.coordinator_lizuma
    case = open_case(ilze, world.pupil_lizuma)
    plan = plan_submit(actor=ilze, plan=draft_plan(ilze, case))
    with pytest.raises(ValidationError, match="Gadījums ir atvērts"):
        case_reopen(actor=liga, case=case, reason="Kļūda")
    case_close(actor=ilze, case=case, reason="moved")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED
    with pytest.raises(PermissionDenied):
        case_reopen(actor=world.specialist_lizuma, case=case, reason="Kļūda")
    with pytest.raises(ValidationError, match="Norādiet, kāpēc"):
        case_reopen(actor=liga, case=case, reason=" ")

    case = case_reopen(actor=liga, case=case, reason="Slēgts kļūdas pēc")
    assert (case.status, case.closed_at, case.close_reason) == (Case.Status.OPEN, None, "")
    plan.refresh_from_db()
    assert (plan.status, plan.submitted_by, plan.chain) == (PlanStatus.DRAFT, None, "")
    assert plan.transitions.order_by("-at", "-id").first().action == "reopened"
    event = AuditEvent.objects.get(action="support.case.reopened", object_id=str(case.public_id))
    assert (event.data["reason"], event.data["plans"]) == ("moved", [plan.pk])
    # The semester's plan can go on: it is submitted again.
    plan_submit(actor=ilze, plan=plan)

    # Not while another case of the pupil is open.
    case_close(actor=liga, case=case, reason="moved")
    other = case_open(actor=ilze, pupil=world.pupil_lizuma, reason="Atkal kavējumi")
    with pytest.raises(ValidationError, match="cits atvērts gadījums"):
        case_reopen(actor=liga, case=case, reason="Kļūda")
    assert other.status == Case.Status.OPEN


def test_the_case_page_offers_each_person_only_what_is_theirs(world: World) -> None:
    maris, ilze, liga = world.specialist_lizuma, world.teacher_lizuma, world.coordinator_lizuma
    case = open_case(ilze, world.pupil_lizuma)
    url = reverse("support_case", args=[case.public_id])
    close = reverse("support_case_close", args=[case.public_id])
    withdraw = reverse("support_consent_withdraw", args=[case.consents.get().public_id])

    outsider = client_for(maris).get(url).content.decode()
    assert "neesat šī gadījuma atbalsta komandā" in outsider
    assert f'action="{close}"' not in outsider
    assert f'action="{withdraw}"' not in outsider
    assert reverse("support_team_remove", args=[case.public_id]) not in outsider
    # Posting anyway is refused, with or without the confirmation.
    assert client_for(maris).post(close, {"reason": "moved"}).status_code == 403
    assert client_for(maris).post(close, {"reason": "moved", "confirmed": "yes"}).status_code == 403
    today = timezone.localdate().isoformat()
    assert client_for(maris).post(withdraw, {"withdrawn_on": today, "confirmed": "yes"}).status_code == 403
    assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN

    team_member_add(actor=ilze, case=case, user=maris, role=TeamMember.Role.SPECIALIST)
    member = client_for(maris).get(url).content.decode()
    assert "neesat šī gadījuma atbalsta komandā" not in member
    assert f'action="{close}"' not in member  # on the team, still not his to close
    assert "Iziet no komandas" in member  # he may leave it himself

    lead = client_for(ilze).get(url).content.decode()
    assert f'action="{close}"' in lead
    assert f'action="{withdraw}"' in lead
    coordinator = client_for(liga).get(url).content.decode()
    assert f'action="{close}"' in coordinator
    client_for(liga).post(close, {"reason": "moved", "confirmed": "yes"})
    closed = client_for(liga).get(url).content.decode()
    assert reverse("support_case_reopen", args=[case.public_id]) in closed
    assert reverse("support_case_reopen", args=[case.public_id]) not in client_for(maris).get(url).content.decode()
