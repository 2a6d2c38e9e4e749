"""Small answers every response gets right (issue 17, low items): OPTIONS on the API never fails,
and no page with pupils' data may be kept in a browser's or a proxy's cache."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from pumpurs.world.personas import World

API_ROUTES = ["cases", "plans", "measures", "case", "case_plans", "plan", "plan_transitions", "plan_deliveries"]


@pytest.mark.parametrize("route", API_ROUTES)
def test_options_names_the_endpoint_and_points_to_the_schema(world: World, route: str) -> None:
    client = APIClient()
    client.force_authenticate(world.coordinator_lizuma)
    args = [uuid.uuid4()] if route in {"case", "case_plans", "plan", "plan_transitions", "plan_deliveries"} else []
    response = client.options(reverse(f"api:{route}", args=args))
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body["schema"] == reverse("api:schema")
    assert "OPTIONS" in body["allowed_methods"]
    assert body["renders"] == ["application/json"]


def test_options_without_credentials_is_refused_like_any_method(world: World) -> None:
    assert APIClient().options(reverse("api:cases")).status_code == 401


def test_pages_with_pupils_are_never_stored(world: World) -> None:
    client = Client()
    client.force_login(world.teacher_lizuma)
    for url in (reverse("pupil_detail", args=[world.pupil_lizuma.public_id]), reverse("home"), reverse("login")):
        response = client.get(url, follow=True)
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"]
    api = APIClient()
    api.force_authenticate(world.coordinator_lizuma)
    assert "no-store" in api.get(reverse("api:cases"))["Cache-Control"]


def test_static_files_keep_their_own_caching(world: World) -> None:
    response = Client().get("/static/pumpurs/pumpurs.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
