"""The OpenAPI document an integrator builds against, and its browser page under our CSP."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from django.test import Client
from rest_framework.test import APIClient

from pumpurs.world.personas import PASSWORD, World

pytestmark = pytest.mark.django_db

Api = Callable[[Any], APIClient]

PATHS = {
    "/api/v1/cases/",
    "/api/v1/cases/{public_id}/",
    "/api/v1/cases/{public_id}/plans/",
    "/api/v1/plans/",
    "/api/v1/plans/{public_id}/",
    "/api/v1/plans/{public_id}/transitions/",
    "/api/v1/plans/{public_id}/deliveries/",
    "/api/v1/measures/",
    "/api/v1/youth/calls/",
    "/api/v1/youth/calls/{public_id}/",
    "/api/v1/youth/counts/",
    "/api/v1/trainings/",
    "/api/v1/trainings/staff-trained/",
    "/api/v1/budgets/",
    "/api/v1/commitments/",
    "/api/v1/rates/",
    "/api/v1/reports/",
    "/api/v1/reports/{public_id}/",
}


def test_the_schema_is_an_openapi_document_listing_every_resource(world: World, api: Api) -> None:
    client = api(world.teacher_lizuma)
    as_json = client.get("/api/v1/schema/?format=json")
    assert as_json.status_code == 200
    document = as_json.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == PATHS
    assert {"get", "put"} <= set(document["paths"]["/api/v1/plans/{public_id}/"])
    assert document["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    as_yaml = yaml.safe_load(client.get("/api/v1/schema/").content)
    assert set(as_yaml["paths"]) == PATHS


def test_the_schema_needs_credentials(world: World) -> None:
    assert APIClient().get("/api/v1/schema/").status_code == 401


def test_the_docs_page_needs_no_cdn_and_no_inline_code(world: World) -> None:
    assert Client().get("/api/v1/docs/").status_code == 302  # to the sign-in page, like any page
    browser = Client()
    browser.login(username=world.teacher_lizuma.username, password=PASSWORD)
    page = browser.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "default-src 'none'" in page["Content-Security-Policy"]
    assert "<style" not in html
    assert " style=" not in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    assert all('src="' in attributes for attributes in scripts)  # no inline script
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert all(source.startswith("/") for source in sources), sources  # nothing from elsewhere
    start = browser.get(sources[-1].replace("&amp;", "&"))
    assert start.status_code == 200
    assert start["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in start.content.decode()


def test_every_operation_documents_its_error_answers_in_one_shape(world: World, api: Api) -> None:
    document = api(world.teacher_lizuma).get("/api/v1/schema/?format=json").json()
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["errors", "fields"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "put", "post", "patch", "delete"}:
                continue
            expected = {"401", "403", "404", "503"} | ({"400", "409"} if method == "post" else set())
            assert expected <= set(operation["responses"]), (method, path)
            for code in expected:
                schema = operation["responses"][code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}
    plans = document["paths"]["/api/v1/plans/"]["get"]["parameters"]
    assert next(p for p in plans if p["name"] == "period")["schema"]["pattern"] == r"^[0-9]{4}/[0-9]{2}-[1-9]$"


def test_what_the_fuzzer_found_answers_in_the_error_shape(world: World, api: Api) -> None:
    client = api(world.coordinator_lizuma)
    not_an_id = client.get("/api/v1/plans/null,null/")
    assert not_an_id.status_code == 404
    assert not_an_id.json() == {"errors": ["Not found."], "fields": {}}
    assert Client().get("/no-such-page/").status_code == 404  # pages keep their HTML 404
    assert "text/html" in Client().get("/no-such-page/")["Content-Type"]
    for query in ("page_size=abc", "page_size=0", "institution=", "status="):
        answer = client.get(f"/api/v1/cases/?{query}")
        assert answer.status_code == 400, query
        assert set(answer.json()) == {"errors", "fields"}
    assert client.get("/api/v1/cases/?page_size=1").status_code == 200
    assert client.get("/api/v1/measures/?on=").status_code == 400
    assert client.get("/api/v1/plans/?period=").status_code == 400
    assert client.get("/api/v1/reports/?month=").status_code == 400
    short_key = client.post("/api/v1/cases/", {}, format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert short_key.status_code == 400
    assert set(short_key.json()) == {"errors", "fields"}
