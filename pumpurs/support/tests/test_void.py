"""A delivery entered by mistake on Anna's plan is voided with a reason, never deleted: Māris
(psychologist) voids his own duplicate consultation, Līga (coordinator) her wrong transport
entry; what was voided stays listed, struck through, and frees the planned hours and amount.
Nobody outside Lizuma may void, and a closed plan's history stays as it was reviewed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from pumpurs.api.tokens import OPERATOR, token_create
from pumpurs.audit.models import AuditEvent
from pumpurs.support.delivery import consultation_confirm, delivery_void, unconfirmed_overdue
from pumpurs.support.models import Delivery, Plan, PlanStatus
from pumpurs.support.plans import delivered_by_line
from pumpurs.support.scope import deliveries_visible_to
from pumpurs.support.tests import stories
from pumpurs.support.tests.stories import today
from pumpurs.support.tests.test_delivery import active, consult, transport
from pumpurs.support.timeline import pupil_timeline
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)

REASON = "Ierakstīts divreiz: dublikāts"


def counted(plan: Plan, code: str) -> tuple[Decimal, Decimal]:
    line = plan.measures.get(measure__code=code)
    return delivered_by_line(plan).get(line.pk, (Decimal(0), Decimal(0)))


def test_a_voided_consultation_frees_its_hours(world: World) -> None:
    plan = active(world)  # 10 hours of the psychologist planned
    consult(world, plan, minutes=480)
    duplicate = consult(world, plan, minutes=120)
    with pytest.raises(ValidationError) as refused:
        consult(world, plan, minutes=60)
    assert refused.value.code == "beyond_plan"

    voided = delivery_void(actor=world.specialist_lizuma, delivery=duplicate, reason=REASON)
    assert (voided.voided_by, voided.void_reason) == (world.specialist_lizuma, REASON)
    assert voided.voided_at is not None
    assert counted(plan, "consult-psychologist")[0] == Decimal(8)

    again = consult(world, plan, minutes=120)
    assert again.quantity == Decimal(2)
    assert counted(plan, "consult-psychologist")[0] == Decimal(10)
    # The voided one is still there, never deleted.
    assert Delivery.objects.filter(line__plan=plan).count() == 3


def test_the_running_rounding_of_hours_leaves_voided_ones_out(world: World) -> None:
    plan = active(world)
    first, second, third = (consult(world, plan, minutes=40) for _ in range(3))
    assert [d.quantity for d in (first, second, third)] == [Decimal("0.67"), Decimal("0.66"), Decimal("0.67")]
    delivery_void(actor=world.specialist_lizuma, delivery=second, reason=REASON)
    fourth = consult(world, plan, minutes=40)
    # 160 minutes held and counted: exactly 2 hours, never 2.01.
    assert counted(plan, "consult-psychologist")[0] == Decimal(2)
    assert fourth.quantity == Decimal("0.66")


def test_a_voided_compensation_frees_its_amount(world: World) -> None:
    plan = active(world)  # 40 trips, 60 EUR planned
    wrong = transport(world, plan, 40, "60.00")
    with pytest.raises(ValidationError):
        transport(world, plan, 1, "1.50")
    delivery_void(actor=world.coordinator_lizuma, delivery=wrong, reason="Cits skolēns")
    assert counted(plan, "transport") == (Decimal(0), Decimal(0))
    assert transport(world, plan, 40, "60.00").amount == Decimal("60.00")
    assert counted(plan, "transport") == (Decimal(40), Decimal("60.00"))


def test_voiding_twice_or_without_a_reason_is_refused(world: World) -> None:
    plan = active(world)
    delivery = consult(world, plan)
    for blank in ("", "   \n"):
        with pytest.raises(ValidationError) as refused:
            delivery_void(actor=world.specialist_lizuma, delivery=delivery, reason=blank)
        assert "reason" in refused.value.message_dict
    delivery.refresh_from_db()
    assert delivery.voided_at is None
    delivery_void(actor=world.specialist_lizuma, delivery=delivery, reason=REASON)
    with pytest.raises(ValidationError) as refused:
        delivery_void(actor=world.coordinator_lizuma, delivery=delivery, reason="Vēlreiz")
    assert refused.value.code == "already_voided"
    delivery.refresh_from_db()
    assert (delivery.voided_by, delivery.void_reason) == (world.specialist_lizuma, REASON)


def test_who_may_void(world: World) -> None:
    plan = active(world)
    delivery = consult(world, plan)
    with pytest.raises(PermissionDenied):
        delivery_void(actor=world.teacher_tirzas, delivery=delivery, reason=REASON)
    client = Client()
    client.force_login(world.teacher_tirzas)
    url = reverse("support_delivery_void", args=[delivery.public_id])
    assert client.post(url, {"reason": REASON}).status_code == 404
    delivery.refresh_from_db()
    assert delivery.voided_at is None
    # The class teacher manages Anna's case: she may void what Māris recorded.
    delivery_void(actor=world.teacher_lizuma, delivery=delivery, reason=REASON)
    assert Delivery.objects.get(pk=delivery.pk).voided_by == world.teacher_lizuma


def test_a_closed_plans_delivery_stays_as_reviewed(world: World) -> None:
    plan = active(world)
    delivery = consult(world, plan)
    # The review itself is told in test_reviews; here only its outcome matters.
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.CLOSED)
    with pytest.raises(ValidationError) as refused:
        delivery_void(actor=world.coordinator_lizuma, delivery=delivery, reason=REASON)
    assert refused.value.code == "plan_closed"
    assert Delivery.objects.get(pk=delivery.pk).voided_at is None


def test_the_void_is_audited_without_its_reason(world: World) -> None:
    plan = active(world)
    delivery = transport(world, plan, 4, "6.00")
    delivery_void(actor=world.coordinator_lizuma, delivery=delivery, reason=REASON)
    event = AuditEvent.objects.get(action="support.delivery.voided")
    assert (event.actor, event.pupil_id) == (world.coordinator_lizuma, world.pupil_lizuma.pk)
    assert event.data["reason_length"] == len(REASON)
    assert (event.data["quantity"], event.data["amount"]) == ("4.00", "6.00")
    assert "dublikāts" not in str(event.data)


def test_a_voided_remote_consultation_is_not_awaiting_confirmation(world: World) -> None:
    plan = active(world)
    remote = consult(world, plan, mode="remote")
    later = today() + dt.timedelta(days=5)
    assert list(unconfirmed_overdue(deliveries_visible_to(world.coordinator_lizuma), later)) == [remote]
    delivery_void(actor=world.specialist_lizuma, delivery=remote, reason=REASON)
    assert not unconfirmed_overdue(deliveries_visible_to(world.coordinator_lizuma), later).exists()
    with pytest.raises(ValidationError):
        consultation_confirm(actor=world.specialist_lizuma, delivery=remote)


def test_the_plan_page_strikes_the_voided_row_and_leaves_it_out_of_the_totals(world: World) -> None:
    plan = active(world)
    kept = transport(world, plan, 10, "15.00")
    wrong = transport(world, plan, 30, "45.00")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.coordinator_lizuma)
    page = client.get(reverse("support_plan", args=[plan.public_id]))
    assert reverse("support_delivery_void", args=[wrong.public_id]) in page.content.decode()

    answer = client.post(reverse("support_delivery_void", args=[wrong.public_id]), {"reason": "Cits skolēns"})
    assert answer.status_code == 302
    page = client.get(reverse("support_plan", args=[plan.public_id]))
    html = page.content.decode()
    assert "delivery--voided" in html
    assert "<del>30</del>" in html
    assert "Cits skolēns" in html
    assert reverse("support_delivery_void", args=[kept.public_id]) in html
    assert reverse("support_delivery_void", args=[wrong.public_id]) not in html  # voided once only
    row = next(r for r in page.context["lines"] if r.line.measure.code == "transport")
    assert (row.delivered_quantity, row.delivered_amount, row.remaining) == (10, Decimal("15.00"), 30)

    # Without a reason the view says so and nothing changes.
    answer = client.post(reverse("support_delivery_void", args=[kept.public_id]), {"reason": " "}, follow=True)
    assert "Not voided" in answer.content.decode()
    assert Delivery.objects.get(pk=kept.pk).voided_at is None


def test_the_timeline_tells_the_void(world: World) -> None:
    plan = active(world)
    delivery = transport(world, plan, 2)
    delivery_void(actor=world.coordinator_lizuma, delivery=delivery, reason=REASON)
    texts = [e.text for e in pupil_timeline(world.coordinator_lizuma, pupil=world.pupil_lizuma).entries]
    assert any("voided, not counted" in t for t in texts)
    assert any(t.startswith("Delivery of ") and "voided" in t for t in texts)


def test_the_api_lists_a_voided_delivery_with_its_void(world: World) -> None:
    plan = active(world)
    delivery = transport(world, plan, 2)
    delivery_void(actor=world.coordinator_lizuma, delivery=delivery, reason=REASON)
    _token, key = token_create(actor=OPERATOR, user=world.coordinator_lizuma, name="test integration")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")
    rows = client.get(f"/api/v1/plans/{plan.public_id}/deliveries/").json()
    assert [(r["id"], r["void_reason"]) for r in rows] == [(str(delivery.public_id), REASON)]
    assert rows[0]["voided_at"] is not None
