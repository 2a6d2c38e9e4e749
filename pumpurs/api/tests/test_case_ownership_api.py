"""Through the API, too, a case is the school's that runs it (decision 0020): Anna moved from
Lizuma to Tirzas, Tirzas opened her case, and Lizuma's psychologist — who still sees Anna for a
year — finds no such case and makes no plan in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from pumpurs.support.cases import case_open
from pumpurs.support.handover import case_handover_accept
from pumpurs.support.testing import draft_plan, open_case, period_on
from pumpurs.support.tests.test_ownership import move_to_tirzas
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

Api = Callable[[Any], APIClient]


def period_key() -> str:
    period = period_on(timezone.localdate())
    return f"{period.school_year.name}-{period.number}"


def test_the_old_school_finds_no_case_and_makes_no_plan(world: World, api: Api) -> None:
    move_to_tirzas(world)
    case = case_open(actor=world.teacher_tirzas, pupil=world.pupil_lizuma, reason="Neattaisnoti kavējumi")
    maris = api(world.specialist_lizuma)
    assert maris.get(f"/api/v1/cases/{case.public_id}/").status_code == 404
    assert str(case.public_id) not in maris.get("/api/v1/cases/").content.decode()
    created = maris.post(f"/api/v1/cases/{case.public_id}/plans/", {"period": period_key()}, format="json")
    assert created.status_code == 404
    assert not case.plans.exists()
    dace = api(world.teacher_tirzas)
    assert (
        dace.post(f"/api/v1/cases/{case.public_id}/plans/", {"period": period_key()}, format="json").status_code == 201
    )


def test_a_former_school_reads_its_history_and_writes_nothing(world: World, api: Api) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = draft_plan(world.teacher_lizuma, case)
    move_to_tirzas(world)
    case_handover_accept(actor=world.coordinator_tirzas, case=case)
    maris = api(world.specialist_lizuma)
    detail = maris.get(f"/api/v1/cases/{case.public_id}/")
    assert detail.status_code == 200
    assert maris.get(f"/api/v1/plans/{plan.public_id}/").status_code == 200
    # A plan for the next semester is Tirzas's to make, not Lizuma's.
    refused = maris.post(f"/api/v1/cases/{case.public_id}/plans/", {"period": period_key()}, format="json")
    assert refused.status_code == 403
