"""Issue 14's "done when", in the browser: Līga Bērza (Lizuma's coordinator) assembles November's
expense report and sends it on; Juris Priede (director) approves it; Inese Gulbe (Gulbene) approves
and locks it; the XLSX she downloads opens with the same totals as the page. Then a plan that would
take Lizuma's budget below zero is refused at the director's approval, with the numbers — every
page accessible on the way.

Buttons are found by the form they post, not by their (Latvian) text.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pumpurs.finance.budgets import budget_set
from pumpurs.finance.models import ExpenseReport, ReportStatus
from pumpurs.finance.reports import report_assemble
from pumpurs.finance.tests.test_reports import november
from pumpurs.support.models import Plan, PlanStatus
from pumpurs.support.plans import plan_submit
from pumpurs.support.testing import draft_plan, open_case
from pumpurs.world.personas import build_world
from tests.browser.test_support_cycle import assert_accessible, submit, switch_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def report_action(page: Any, action: str) -> None:
    submit(page, f"form:has(input[name=action][value={action}])")
    assert page.locator(".message--error").count() == 0, page.locator(".messages").inner_text()


def test_november_report_through_three_hands_and_an_over_budget_plan_refused(live_server: Any, page: Any) -> None:
    world = build_world()
    november(world)  # Anna's active plan: a 1.5-hour consultation and two transport compensations
    budget_set(
        actor=world.coordinator_gulbene,
        school_year=world.year,
        activity=1,
        institution=world.lizuma,
        amount_cents=40_000,
    )
    base = live_server.url

    # Līga assembles November from the menu and sends it to the director.
    switch_user(page, base, world.coordinator_lizuma.username)
    page.locator(f"nav.site-nav a[href='{reverse('finance_reports')}']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.select_option("select[name=month]", "2026-11-01")
    submit(page, f"form[action='{reverse('finance_report_assemble')}']")
    report = ExpenseReport.objects.get(institution=world.lizuma)
    assert reverse("finance_report", args=[report.public_id]) in page.url
    assert_accessible(page)
    page_total = page.locator("[data-report-total]").inner_text()
    assert page_total == "46,55"
    assert "3,05" in page.locator("#h-missing + ul").inner_text()  # the compensation without its ticket
    report_action(page, "prepare")
    assert page.locator("form:has(input[name=action][value=approve])").count() == 0  # never her own

    # Juris approves as director.
    switch_user(page, base, world.director_lizuma.username)
    page.goto(base + reverse("finance_report", args=[report.public_id]))
    assert_accessible(page)
    report_action(page, "approve")

    # Inese approves for Gulbene: the month is locked, its split shown.
    switch_user(page, base, world.coordinator_gulbene.username)
    page.goto(base + reverse("finance_reports"))
    page.locator(f"main a[href='{reverse('finance_report', args=[report.public_id])}']").click()
    page.wait_for_load_state()
    report_action(page, "approve")
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert_accessible(page)
    shown = {
        "total": page.locator("[data-report-total]").inner_text(),
        "esf": page.locator("[data-report-esf]").inner_text(),
        "state": page.locator("[data-report-state]").inner_text(),
    }
    assert shown == {"total": "46,55", "esf": "39,57", "state": "6,98"}
    assert page.locator("form:has(input[name=action])").count() == 0  # locked: nothing left to do

    # Her budget page (with its chart) and the month's claim are accessible too.
    for url in (reverse("finance_budget"), reverse("finance_claim", args=["gulbenes-novads", "2026-11"])):
        page.goto(base + url)
        assert_accessible(page)
    page.goto(base + reverse("finance_report", args=[report.public_id]))

    # The export opens as XLSX with the page's totals.
    with page.expect_download() as download:
        page.locator("a[data-export=xlsx]").click()
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active  # noqa: SIM115 — a downloaded temp file
    assert sheet is not None
    totals = {
        row[1]: Decimal(str(row[3]))
        for row in sheet.iter_rows(values_only=True)
        if row[1] in ("Kopā", "ESF", "Valsts budžets")
    }
    as_page = {k: Decimal(v.replace(",", ".")) for k, v in shown.items()}
    assert totals == {"Kopā": as_page["total"], "ESF": as_page["esf"], "Valsts budžets": as_page["state"]}

    # Roberts's plan (310.00) would take Lizuma's budget below zero: the director is refused with the numbers.
    case = open_case(world.teacher_lizuma_8a, world.pupil_lizuma_8a)
    plan = plan_submit(actor=world.teacher_lizuma_8a, plan=draft_plan(world.teacher_lizuma_8a, case))
    switch_user(page, base, world.director_lizuma.username)
    page.goto(base + reverse("support_plan", args=[plan.public_id]))
    assert_accessible(page)
    assert page.locator("[data-after]").inner_text().startswith("-")  # the panel warns before she tries
    submit(page, "form:has(input[name=action][value=approve])")
    refusal = page.locator(".message--error").inner_text()
    for number in ("400,00", "310,00"):
        assert number in refusal, refusal
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED
    assert_accessible(page)


def test_money_pages_keep_the_csp(live_server: Any, browser: Any) -> None:
    """The budget page with its chart, a report and its printable copy, the claim: no CSP violation,
    no request to another host."""
    world = build_world()
    november(world)
    budget_set(
        actor=world.coordinator_gulbene,
        school_year=world.year,
        activity=1,
        institution=world.lizuma,
        amount_cents=40_000,
    )
    report = report_assemble(actor=world.coordinator_lizuma, institution=world.lizuma, month=world.today)
    base = live_server.url
    context = browser.new_context(locale="lv-LV")  # no CSP bypass here
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    foreign: list[str] = []
    page.on("request", lambda req: foreign.append(req.url) if not req.url.startswith(base) else None)
    switch_user(page, base, world.coordinator_gulbene.username)
    for url in (
        reverse("finance_budget"),
        reverse("finance_reports"),
        reverse("finance_report", args=[report.public_id]),
        reverse("finance_report_print", args=[report.public_id]),
        reverse("finance_claim", args=["gulbenes-novads", "2026-11"]),
    ):
        page.goto(base + url)
        assert page.locator("main h1").count() == 1, url
    page.goto(base + reverse("finance_budget"))
    assert page.locator("svg rect.money-bar").count() >= 1  # November's spending drawn, the table behind it
    context.close()
    assert problems == []
    assert foreign == []
