"""The plan's whole life through the API, with the same services, scope and refusals as the UI:
Ilze opens Anna's case and drafts a plan, the family consents, Ilze submits, the director,
Gulbene and the national team approve, Māris holds a consultation, and the refusals answer with
the status codes an integration can act on."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from pumpurs.audit.models import AuditEvent
from pumpurs.support.cases import consent_record
from pumpurs.support.delivery import delivery_void
from pumpurs.support.models import Case, Plan, PlanStatus
from pumpurs.support.plans import plan_submit
from pumpurs.support.testing import approve_all, draft_plan, guardian_for, open_case, period_on
from pumpurs.support.tests.test_delivery import active, transport
from pumpurs.support.tests.test_void import REASON
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

Api = Callable[[Any], APIClient]

CONTENT = {
    "contact_person": "Ilze Ozola, klases audzinātāja",
    "risks": [{"group": "learning", "description": "Neattaisnoti kavējumi"}],
    "goals": [{"text": "Apmeklēt skolu regulāri", "target": "Ne vairāk kā 5 neattaisnotas stundas mēnesī"}],
    "measures": [
        {"code": "consult-psychologist", "planned_quantity": "10"},
        {"code": "transport", "planned_quantity": "40", "planned_cost": "60.00"},
    ],
}


def period_key() -> str:
    period = period_on(timezone.localdate())
    return f"{period.school_year.name}-{period.number}"


def transition(client: APIClient, plan_id: str, action: str, version: int | None = None, comment: str = "") -> Any:
    body: dict[str, Any] = {"action": action, "comment": comment}
    if version is not None:
        body["version"] = version
    return client.post(f"/api/v1/plans/{plan_id}/transitions/", body, format="json")


def test_the_whole_cycle_through_the_api(world: World, api: Api) -> None:
    ilze = api(world.teacher_lizuma)
    opened = ilze.post(
        "/api/v1/cases/", {"pupil": str(world.pupil_lizuma.public_id), "reason": "Kavējumi"}, format="json"
    )
    assert opened.status_code == 201, opened.json()
    case_id = opened.json()["id"]
    case = Case.objects.get(public_id=case_id)
    consent_record(
        actor=world.teacher_lizuma,
        case=case,
        guardian=guardian_for(world.pupil_lizuma),
        given_on=timezone.localdate(),
        method="paper",
    )

    created = ilze.post(f"/api/v1/cases/{case_id}/plans/", {"period": period_key()}, format="json")
    assert created.status_code == 201, created.json()
    plan_id, version = created.json()["id"], created.json()["version"]
    saved = ilze.put(f"/api/v1/plans/{plan_id}/", {"version": version, **CONTENT}, format="json")
    assert saved.status_code == 200, saved.json()
    lines = {line["code"]: line for line in saved.json()["measures"]}
    assert lines["transport"]["planned_quantity"] == "40.00"
    assert lines["transport"]["delivered_quantity"] == "0.00"

    submitted = transition(ilze, plan_id, "submit", saved.json()["version"])
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["pending_step"] == "director"
    assert submitted.json()["chain"] == ["director", "municipality", "national"]

    refused = transition(ilze, plan_id, "approve")
    assert refused.status_code == 403
    assert refused.json()["errors"]

    for approver, then in [
        (world.director_lizuma, PlanStatus.DIRECTOR_APPROVED),
        (world.coordinator_gulbene, PlanStatus.MUNICIPALITY_APPROVED),
        (world.national, PlanStatus.ACTIVE),  # the semester has begun: active at once
    ]:
        answer = transition(api(approver), plan_id, "approve", comment="Labi")
        assert answer.status_code == 200, answer.json()
        assert answer.json()["status"] == then

    history = ilze.get(f"/api/v1/plans/{plan_id}/transitions/").json()
    assert [t["action"] for t in history] == ["created", "submitted", "approved", "approved", "approved", "activated"]
    assert history[2]["actor"]["name"] == "Juris Priede"

    maris = api(world.specialist_lizuma)
    held = maris.post(
        f"/api/v1/plans/{plan_id}/deliveries/",
        {
            "measure": "consult-psychologist",
            "held_on": timezone.localdate().isoformat(),
            "minutes": 90,
            "mode": "in_person",
            "topic": "Motivācija",
        },
        format="json",
    )
    assert held.status_code == 201, held.json()
    assert held.json()["quantity"] == "1.50"
    assert held.json()["specialist"]["name"] == "Māris Egle"
    detail = ilze.get(f"/api/v1/plans/{plan_id}/").json()
    lines = {line["code"]: line for line in detail["measures"]}
    assert lines["consult-psychologist"]["delivered_quantity"] == "1.50"
    assert [d["measure"] for d in ilze.get(f"/api/v1/plans/{plan_id}/deliveries/").json()] == ["consult-psychologist"]
    assert AuditEvent.objects.filter(action="support.plan.approved", pupil_id=world.pupil_lizuma.pk).count() == 3


def test_the_preparer_cannot_approve_and_a_return_needs_a_comment(world: World, api: Api) -> None:
    plan = plan_submit(
        actor=world.coordinator_lizuma,
        plan=draft_plan(world.coordinator_lizuma, open_case(world.coordinator_lizuma, world.pupil_lizuma)),
    )
    director = api(world.director_lizuma)
    no_comment = transition(director, str(plan.public_id), "return")
    assert no_comment.status_code == 400
    assert "comment" in no_comment.json()["fields"]
    returned = transition(director, str(plan.public_id), "return", comment="Precizējiet mērķi")
    assert returned.json()["status"] == PlanStatus.DRAFT


def test_a_stale_version_is_409_and_nothing_is_written(world: World, api: Api) -> None:
    plan = draft_plan(world.teacher_lizuma, open_case(world.teacher_lizuma, world.pupil_lizuma))
    ilze, liga = api(world.teacher_lizuma), api(world.coordinator_lizuma)
    seen = ilze.get(f"/api/v1/plans/{plan.public_id}/").json()["version"]
    first = liga.put(f"/api/v1/plans/{plan.public_id}/", {"version": seen, **CONTENT}, format="json")
    assert first.status_code == 200
    after_first = Plan.objects.get(pk=plan.pk)
    changed = {**CONTENT, "goals": [{"text": "Cits mērķis", "target": "Cits rādītājs"}]}
    stale = ilze.put(f"/api/v1/plans/{plan.public_id}/", {"version": seen, **changed}, format="json")
    assert stale.status_code == 409
    assert "Someone else changed this plan" in stale.json()["errors"][0]
    plan.refresh_from_db()
    assert plan.version == after_first.version
    assert list(plan.goals.values_list("text", flat=True)) == ["Apmeklēt skolu regulāri"]


def test_input_errors_are_400_keyed_by_field(world: World, api: Api) -> None:
    plan = draft_plan(world.teacher_lizuma, open_case(world.teacher_lizuma, world.pupil_lizuma))
    ilze = api(world.teacher_lizuma)
    body = {
        **CONTENT,
        "version": plan.version,
        "goals": [{"text": "Mērķis"}],
        "measures": [{"code": "no-such", "planned_quantity": "1"}],
    }
    missing = ilze.put(f"/api/v1/plans/{plan.public_id}/", body, format="json")
    assert missing.status_code == 400
    assert set(missing.json()["fields"]) == {"goals.0.target"}
    body["goals"] = CONTENT["goals"]
    unknown = ilze.put(f"/api/v1/plans/{plan.public_id}/", body, format="json")
    assert unknown.status_code == 400
    assert set(unknown.json()["fields"]) == {"measures.0.code"}
    assert (
        ilze.post(f"/api/v1/cases/{plan.case.public_id}/plans/", {"period": "1999/00-1"}, format="json").status_code
        == 400
    )
    assert ilze.get("/api/v1/plans/?status=nonsense").status_code == 400
    assert ilze.get("/api/v1/measures/?on=yesterday").status_code == 400


def test_a_delivery_beyond_the_plan_is_400_with_the_numbers(world: World, api: Api) -> None:
    plan = approve_all(
        plan_submit(
            actor=world.teacher_lizuma,
            plan=draft_plan(world.teacher_lizuma, open_case(world.teacher_lizuma, world.pupil_lizuma)),
        ),
        world.director_lizuma,
        world.coordinator_gulbene,
        world.national,
    )
    liga = api(world.coordinator_lizuma)
    today = timezone.localdate().isoformat()
    url = f"/api/v1/plans/{plan.public_id}/deliveries/"
    ok = liga.post(
        url, {"measure": "transport", "starts_on": today, "quantity": "10", "amount": "15.00"}, format="json"
    )
    assert ok.status_code == 201, ok.json()
    beyond = liga.post(
        url, {"measure": "transport", "starts_on": today, "quantity": "31", "amount": "1.00"}, format="json"
    )
    assert beyond.status_code == 400
    message = beyond.json()["errors"][0]
    assert "10 of 40" in message
    assert "41" in message
    not_in_plan = liga.post(url, {"measure": "meals", "starts_on": today, "quantity": "1"}, format="json")
    assert not_in_plan.status_code == 400
    assert "not in this plan" in not_in_plan.json()["errors"][0]
    assert plan.measures.get(measure__code="transport").deliveries.count() == 1


def test_the_api_lists_a_voided_delivery_with_its_void(world: World, api: Api) -> None:
    """Līga's wrong transport entry (support/tests/test_void.py) stays listed, with why it was voided."""
    plan = active(world)
    delivery = transport(world, plan, 2)
    delivery_void(actor=world.coordinator_lizuma, delivery=delivery, reason=REASON)
    rows = api(world.coordinator_lizuma).get(f"/api/v1/plans/{plan.public_id}/deliveries/").json()
    assert [(r["id"], r["void_reason"]) for r in rows] == [(str(delivery.public_id), REASON)]
    assert rows[0]["voided_at"] is not None


def test_the_catalogue_in_force(world: World, api: Api) -> None:
    rows = api(world.teacher_lizuma).get(f"/api/v1/measures/?on={timezone.localdate().isoformat()}").json()
    codes = {row["code"]: row for row in rows}
    assert "consult-psychologist" in codes
    assert codes["transport"]["unit_price"] is None  # no rate: unknown values stay unset
    assert codes["transport"]["unit_price_is_example"] is False
    assert Decimal(codes["transport"]["cap_per_plan"] or 0) >= 0
