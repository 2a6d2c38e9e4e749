"""Money through /api/v1/ (issue 14): Inese's integration reads Gulbene's budgets, commitments and
monthly reports; Madona's never sees them (404 for a report, absent from lists); amounts are cents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from pumpurs.finance.budgets import budget_set
from pumpurs.finance.models import ExpenseReport
from pumpurs.finance.reports import report_assemble
from pumpurs.finance.tests.test_reports import november
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

Api = Callable[[Any], APIClient]


def test_budgets_commitments_and_reports_are_read_with_the_pages_scope(world: World, api: Api) -> None:
    budget_set(
        actor=world.coordinator_gulbene,
        school_year=world.year,
        activity=1,
        institution=world.lizuma,
        amount_cents=100_000,
    )
    november(world)
    report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=world.today)
    report = ExpenseReport.objects.get()
    gulbene = api(world.coordinator_gulbene)
    budgets = {row["name"]: row for row in gulbene.get("/api/v1/budgets/").json()}
    lizuma = budgets["Lizuma pamatskola"]
    assert (lizuma["budget_cents"], lizuma["spent_cents"], lizuma["supported_pupils"]) == (100_000, 4655, 1)
    assert lizuma["remaining_cents"] == 100_000 - 4655 - lizuma["committed_cents"]
    assert budgets["Tirzas pamatskola"]["budget_cents"] is None
    commitments = gulbene.get("/api/v1/commitments/", {"year": world.year.name}).json()
    assert sorted(c["amount_cents"] for c in commitments) == [6000, 25000]
    assert sum(c["delivered_cents"] for c in commitments) == 4655
    reports = gulbene.get("/api/v1/reports/", {"month": "2026-11"}).json()
    assert [r["id"] for r in reports] == [str(report.public_id)]
    detail = gulbene.get(f"/api/v1/reports/{report.public_id}/").json()
    assert (detail["running_total_cents"], detail["missing_evidence"], len(detail["lines"])) == (4655, 1, 3)
    assert detail["actions"] == []  # a draft is the school's to prepare

    madona = api(world.coordinator_madona)
    assert madona.get(f"/api/v1/reports/{report.public_id}/").status_code == 404
    assert madona.get("/api/v1/reports/").json() == []
    assert "Lizuma pamatskola" not in {row["name"] for row in madona.get("/api/v1/budgets/").json()}
    assert madona.get("/api/v1/commitments/").json() == []
    assert api(world.teacher_lizuma).get("/api/v1/budgets/").json() == []
    assert gulbene.get("/api/v1/reports/", {"month": "november"}).status_code == 400


def test_rates_are_read_and_set_with_a_version_scoped_and_audited(world: World, api: Api) -> None:
    """Dace sets the psychologist's national rate through the API with the version she read; a
    stale version is 409 and changes nothing; Inese may not set a national rate (403), nor a rate
    for a municipality she does not see (400); Madona's integration never reads Gulbene's rate."""
    import datetime as dt

    from pumpurs.audit.models import AuditEvent
    from pumpurs.finance.models import Rate
    from pumpurs.support.catalogue import measure_change
    from pumpurs.support.testing import measure

    national = api(world.national)
    listed = national.get("/api/v1/rates/?measure=consult-psychologist").json()
    assert listed == {"version": 0, "rates": []}
    body = {"measure": "consult-psychologist", "valid_from": world.year.starts_on.isoformat(), "unit_cents": 2500,
            "is_example": True, "version": 0}  # fmt: skip
    made = national.post("/api/v1/rates/", body, format="json")
    assert made.status_code == 201, made.json()
    assert (made.json()["unit_cents"], made.json()["is_example"], made.json()["municipality"]) == (2500, True, None)
    stale = national.post(
        "/api/v1/rates/",
        body | {"valid_from": (world.year.starts_on + dt.timedelta(days=9)).isoformat()},
        format="json",
    )
    assert stale.status_code == 409
    assert Rate.objects.count() == 1
    assert AuditEvent.objects.filter(action="finance.rate.set").count() == 1
    gulbene = api(world.coordinator_gulbene)
    assert gulbene.post("/api/v1/rates/", body | {"version": 1}, format="json").status_code == 403
    measure_change(actor=world.national, measure=measure("transport"), effective_from=world.year.starts_on,
                   municipal_rate_allowed=True)  # fmt: skip
    own = {"measure": "transport", "municipality": world.gulbene.code, "valid_from": world.year.starts_on.isoformat(),
           "unit_cents": 120, "version": 0}  # fmt: skip
    assert gulbene.post("/api/v1/rates/", own | {"municipality": world.madona.code}, format="json").status_code == 400
    assert gulbene.post("/api/v1/rates/", own, format="json").status_code == 201
    madona = api(world.coordinator_madona).get("/api/v1/rates/").json()
    assert [r["measure"] for r in madona["rates"]] == ["consult-psychologist"]  # Gulbene's own rate is not theirs
    assert len(gulbene.get("/api/v1/rates/").json()["rates"]) == 2
