"""The API sees what the UI sees: a token carries its user's roles and scope, nothing more.
Dace (Tirzas) never sees Anna's plan; the Madona coordinator sees no Gulbene case; reads of a
pupil's record are audited; no response ever carries a personal code."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from pumpurs.audit.models import AuditEvent
from pumpurs.risk.questionnaire import assessment_start, assessment_submit, default_instrument
from pumpurs.support.models import Plan
from pumpurs.support.plans import plan_submit
from pumpurs.support.testing import approve_all, draft_plan, open_case, period_on
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

Api = Callable[[Any], APIClient]


@pytest.fixture
def anna_plan(world: World) -> Plan:
    """Anna's active plan with one consultation held."""
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = plan_submit(actor=world.teacher_lizuma, plan=draft_plan(world.teacher_lizuma, case))
    return approve_all(plan, world.director_lizuma, world.coordinator_gulbene, world.national)


def period_key() -> str:
    period = period_on(timezone.localdate())
    return f"{period.school_year.name}-{period.number}"


def plan_urls(plan: Plan) -> list[str]:
    base = f"/api/v1/plans/{plan.public_id}/"
    case = f"/api/v1/cases/{plan.case.public_id}/"
    return [base, f"{base}transitions/", f"{base}deliveries/", case, f"{case}plans/"]


def test_another_schools_teacher_gets_404_for_everything_of_a_lizuma_plan(
    world: World, api: Api, anna_plan: Plan
) -> None:
    dace = api(world.teacher_tirzas)
    for url in plan_urls(anna_plan):
        assert dace.get(url).status_code == 404, url
    base = f"/api/v1/plans/{anna_plan.public_id}/"
    assert dace.put(base, {"version": anna_plan.version}, format="json").status_code == 404
    assert dace.post(f"{base}transitions/", {"action": "start_review"}, format="json").status_code == 404
    assert dace.post(f"{base}deliveries/", {"measure": "transport"}, format="json").status_code == 404
    case_plans = f"/api/v1/cases/{anna_plan.case.public_id}/plans/"
    assert dace.post(case_plans, {"period": "x"}, format="json").status_code == 404
    assert dace.get("/api/v1/plans/").json()["count"] == 0
    assert dace.get("/api/v1/cases/").json()["count"] == 0
    # Naming a pupil out of scope in a body reads as a pupil that does not exist.
    opened = dace.post("/api/v1/cases/", {"pupil": str(world.pupil_lizuma.public_id), "reason": "x"}, format="json")
    assert opened.status_code == 400
    assert opened.json()["fields"] == {"pupil": ["No such pupil."]}


def test_the_madona_coordinator_sees_no_gulbene_case(world: World, api: Api, anna_plan: Plan) -> None:
    madona = api(world.coordinator_madona).get("/api/v1/cases/").json()
    assert madona["count"] == 0
    assert madona["results"] == []
    gulbene = api(world.coordinator_gulbene).get("/api/v1/cases/").json()
    assert [row["id"] for row in gulbene["results"]] == [str(anna_plan.case.public_id)]
    by_school = api(world.coordinator_gulbene).get(f"/api/v1/cases/?institution={world.tirzas.public_id}").json()
    assert by_school["count"] == 0
    assert api(world.coordinator_madona).get(f"/api/v1/plans/{anna_plan.public_id}/").status_code == 404


def test_plans_filter_by_status_and_semester(world: World, api: Api, anna_plan: Plan) -> None:
    gulbene = api(world.coordinator_gulbene)
    key = f"{anna_plan.period.school_year.name}-{anna_plan.period.number}"
    assert gulbene.get(f"/api/v1/plans/?status=active&period={key}").json()["count"] == 1
    assert gulbene.get("/api/v1/plans/?status=draft").json()["count"] == 0
    # The national team reads plans only through break-the-glass (decision 0041).
    assert api(world.national).get("/api/v1/plans/").json()["count"] == 0


def test_a_visible_pupil_without_the_right_to_act_gets_403(world: World, api: Api, anna_plan: Plan) -> None:
    # The director sees Anna's plan but does not keep cases or deliver.
    director = api(world.director_lizuma)
    today = timezone.localdate().isoformat()
    answer = director.post(
        f"/api/v1/plans/{anna_plan.public_id}/deliveries/",
        {"measure": "transport", "starts_on": today, "quantity": "1"},
        format="json",
    )
    assert answer.status_code == 403


def test_reads_of_a_pupils_record_are_audited(world: World, api: Api, anna_plan: Plan) -> None:
    ilze = api(world.teacher_lizuma)
    before = AuditEvent.objects.filter(action="people.pupil.viewed", pupil_id=world.pupil_lizuma.pk).count()
    for url in plan_urls(anna_plan):
        assert ilze.get(url).status_code == 200
    ilze.get("/api/v1/cases/")  # lists are not a record read
    events = AuditEvent.objects.filter(action="people.pupil.viewed", pupil_id=world.pupil_lizuma.pk)
    assert events.count() == before + 5
    assert set(events.values_list("actor", flat=True)) == {world.teacher_lizuma.pk}


def test_no_response_carries_a_personal_code(world: World, api: Api, anna_plan: Plan) -> None:
    code = world.pupil_lizuma.personal_code
    digits = code.replace("-", "")
    for persona in (world.teacher_lizuma, world.coordinator_lizuma, world.coordinator_gulbene, world.director_lizuma):
        client = api(persona)
        for url in ["/api/v1/cases/", "/api/v1/plans/", *plan_urls(anna_plan)]:
            response = client.get(url)
            assert response.status_code == 200, (persona, url)
            text = json.dumps(response.json(), ensure_ascii=False)
            assert code not in text
            assert digits not in text
            assert "personal_code" not in text


def test_lists_take_the_same_queries_for_one_row_or_many(world: World, api: Api, anna_plan: Plan) -> None:
    national = api(world.coordinator_gulbene)  # the widest reader of plans (decision 0041)
    national.get("/api/v1/measures/")  # the token's first use notes itself once

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert national.get(url).status_code == 200
        return len(captured)

    one = {url: queries(url) for url in ("/api/v1/cases/", "/api/v1/plans/")}
    draft_plan(world.teacher_lizuma_8a, open_case(world.teacher_lizuma_8a, world.pupil_lizuma_8a))
    draft_plan(world.teacher_tirzas, open_case(world.teacher_tirzas, world.pupil_tirzas))
    assert national.get("/api/v1/plans/").json()["count"] == 3
    assert {url: queries(url) for url in one} == one


def test_a_risk_from_a_sensitive_item_shows_only_its_group_to_the_director(world: World, api: Api) -> None:
    item = default_instrument().items.filter(sensitive=True).first()
    assert item is not None
    draft = assessment_start(actor=world.teacher_lizuma, pupil=world.pupil_lizuma)
    assessment_submit(
        unanswered_confirmed=True, actor=world.teacher_lizuma, assessment=draft, answers={item.code: ("yes", "")}
    )
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    created = api(world.teacher_lizuma).post(
        f"/api/v1/cases/{case.public_id}/plans/", {"period": period_key()}, format="json"
    )
    assert created.status_code == 201
    url = f"/api/v1/plans/{created.json()['id']}/"

    def risk(user: Any) -> dict[str, Any]:
        risks = api(user).get(url).json()["risks"]
        return next(r for r in risks if r["group"] == item.group)

    assert risk(world.teacher_lizuma) == {"group": item.group, "description": item.text[:300], "restricted": False}
    assert risk(world.director_lizuma) == {"group": item.group, "description": None, "restricted": True}
    assert item.text[:40] not in json.dumps(api(world.director_lizuma).get(url).json(), ensure_ascii=False)
