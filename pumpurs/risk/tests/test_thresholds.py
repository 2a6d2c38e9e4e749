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


@pytest.mark.parametrize(
    ("rule", "value", "code"),
    [
        ("attendance_4w", "150", "threshold_range"),  # attendance is at most 100 %
        ("attendance_4w", "0", "threshold_range"),
        ("unjustified_semester", "20.5", "threshold_whole"),  # lessons are counted whole
        ("unjustified_semester", "-1", "threshold_range"),
        ("average_drop", "12", "threshold_range"),  # a 10-point scale cannot drop by 12
        ("over_age", "1.5", "threshold_whole"),
        ("incidents_4w", "NaN", "threshold_range"),
    ],
)
def test_each_rule_refuses_values_outside_its_unit(world: World, rule: str, value: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        threshold_set(actor=world.coordinator_gulbene, municipality=world.gulbene, rule=rule, value=value)
    assert refused.value.code == code
    assert not ThresholdOverride.objects.exists()


@pytest.mark.parametrize(("rule", "value"), [("attendance_4w", "92,5"), ("average_drop", "0.5"), ("over_age", "3")])
def test_values_inside_the_unit_are_kept(world: World, rule: str, value: str) -> None:
    threshold_set(actor=world.coordinator_gulbene, municipality=world.gulbene, rule=rule, value=value)
    assert threshold_for(rule, world.gulbene) == Decimal(value.replace(",", "."))


def test_the_page_shows_each_rule_s_unit_and_the_refusal_names_it(world: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="lv")
    client.force_login(world.coordinator_gulbene)
    url = reverse("risk_thresholds", args=[world.gulbene.public_id])
    assert "% no stundām, 1–100" in client.get(url).content.decode()
    refused = client.post(url, {"rule": "attendance_4w", "value": "150"})
    assert refused.status_code == 400
    answer = refused.content.decode()
    assert "no 1 līdz 100" in answer
    assert not ThresholdOverride.objects.exists()


def test_a_refused_value_stays_typed_next_to_its_field_and_in_the_summary(world: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="lv")
    client.force_login(world.coordinator_gulbene)
    url = reverse("risk_thresholds", args=[world.gulbene.public_id])
    page = client.post(url, {"rule": "attendance_4w", "value": "150"}).content.decode()
    assert 'id="attendance_4w-value" name="value" inputmode="decimal" size="6" value="150" aria-invalid="true"' in page
    assert '<a href="#attendance_4w-value">' in page  # the summary links to the field
    assert "Radās problēma" in page
    assert page.index("error-summary") < page.index("<table")
