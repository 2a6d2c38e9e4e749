"""A municipality sets its own thresholds; flags follow; nobody else may."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.risk.models import ThresholdOverride
from pumpurs.risk.rules import threshold_for
from pumpurs.risk.thresholds import threshold_clear, threshold_set
from pumpurs.world.personas import World


def test_override_applies_only_in_that_municipality_and_can_be_cleared(world: World) -> None:
    threshold_set(actor=world.coordinator_gulbene, municipality=world.gulbene, rule="unjustified_semester", value="15")
    assert threshold_for("unjustified_semester", world.gulbene) == Decimal(15)
    assert threshold_for("unjustified_semester", world.madona) == Decimal(20)
    threshold_clear(actor=world.coordinator_gulbene, municipality=world.gulbene, rule="unjustified_semester")
    assert threshold_for("unjustified_semester", world.gulbene) == Decimal(20)
    actions = list(
        AuditEvent.objects.filter(action__startswith="risk.threshold.").values_list("action", flat=True).order_by("id")
    )
    assert actions == ["risk.threshold.set", "risk.threshold.cleared"]


def test_only_the_municipality_may_change_its_thresholds(world: World) -> None:
    for actor in (world.coordinator_madona, world.coordinator_lizuma, world.national):
        with pytest.raises(PermissionDenied):
            threshold_set(actor=actor, municipality=world.gulbene, rule="attendance_4w", value="85")
    with pytest.raises(ValidationError):
        threshold_set(actor=world.coordinator_gulbene, municipality=world.gulbene, rule="attendance_4w", value="daudz")
    assert not ThresholdOverride.objects.exists()


def test_thresholds_page(world: World) -> None:
    client = Client()
    client.force_login(world.coordinator_gulbene)
    url = reverse("risk_thresholds", args=[world.gulbene.public_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"rule": "incidents_4w", "value": "3"}).status_code == 302
    assert ThresholdOverride.objects.get().value == Decimal(3)
    assert client.get(reverse("risk_thresholds", args=[world.madona.public_id])).status_code == 404
    page = client.get(reverse("risk_municipality", args=[world.gulbene.public_id])).content.decode()
    assert url in page
