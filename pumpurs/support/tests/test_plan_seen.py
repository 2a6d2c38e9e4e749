"""What changed since the approver last saw the plan (issue 13, decision 0034).

Sarmīte, Lizuma's director, opens Anna's submitted plan and returns it; Ilze (the class teacher)
adds a measure, doubles the psychologist's hours and rewrites the goal, and submits again. When
Sarmīte comes back — in "Mani darbi" and on the plan — she sees exactly that, and nothing once she
has looked at it. The municipality coordinator, who approved the plan in force, sees an amendment's
changes against it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from pumpurs.people import work
from pumpurs.risk.tests.watch_factories import add_pupil
from pumpurs.support.models import Plan, PlanSeen
from pumpurs.support.plans import GoalInput, MeasureInput, RiskInput, plan_amend, plan_return, plan_save, plan_submit
from pumpurs.support.testing import approve_all, draft_plan, measure, open_case
from pumpurs.world.personas import World


def client_for(user: object, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def plan_url(plan: Plan) -> str:
    return reverse("support_plan", args=[plan.public_id])


def rework(world: World, plan: Plan) -> Plan:
    """Ilze's second version: psychologist 10 → 20 hours, transport unchanged, meals added, a new goal."""
    plan.refresh_from_db()
    return plan_save(
        actor=world.teacher_lizuma,
        plan=plan,
        expected_version=plan.version,
        contact_person="Ilze Ozola, klases audzinātāja",
        risks=[RiskInput(group="learning", description="Neattaisnoti kavējumi")],
        goals=[GoalInput(text="Pabeigt semestri bez nesekmīgiem vērtējumiem", target="Visi vērtējumi ≥ 4")],
        measures=[
            MeasureInput(measure=measure("consult-psychologist"), planned_quantity=Decimal(20)),
            MeasureInput(measure=measure("transport"), planned_quantity=Decimal(40), planned_cost=Decimal(60)),
            MeasureInput(measure=measure("meals"), planned_quantity=Decimal(30), planned_cost=Decimal(90)),
        ],
    )


@pytest.fixture
def submitted(world: World) -> Plan:
    plan = draft_plan(world.teacher_lizuma, open_case(world.teacher_lizuma, world.pupil_lizuma))
    return plan_submit(actor=world.teacher_lizuma, plan=plan)


def approvals_row(user: object) -> str:
    page = client_for(user).get(reverse("work_list", args=["approvals"]))
    assert page.status_code == 200
    ((row, _age),) = page.context["rows"]
    return row.what


def test_the_director_sees_what_changed_since_she_returned_it(world: World, submitted: Plan) -> None:
    director = world.director_lizuma
    first = client_for(director).get(plan_url(submitted)).content.decode()
    assert "What changed since you last saw" not in first  # new to her: no baseline, no change
    assert PlanSeen.objects.filter(user=director, plan=submitted).count() == 1
    assert "changed since" not in approvals_row(director)

    plan_return(actor=director, plan=submitted, comment="Par maz konsultāciju")
    plan_submit(actor=world.teacher_lizuma, plan=rework(world, submitted))

    what = approvals_row(director)
    assert "changed since you last saw it: 1 measure added, 1 measure changed, goals changed" in what
    html = client_for(director).get(plan_url(submitted)).content.decode()
    assert "What changed since you last saw this plan" in html
    assert "Added:" in html
    assert "quantity 30" in html
    assert "Changed:" in html
    assert "quantity 10 → 20" in html
    assert "New goal: Pabeigt semestri bez nesekmīgiem vērtējumiem" in html
    assert "Goal no longer in the plan: Apmeklēt skolu regulāri" in html

    # Having looked, nothing is new until the plan changes again.
    assert "changed since" not in approvals_row(director)
    again = client_for(director).get(plan_url(submitted)).content.decode()
    assert "What changed since you last saw" not in again


def test_latvian_page_and_list_say_it_in_latvian(world: World, submitted: Plan) -> None:
    director = world.director_lizuma
    client_for(director, "lv").get(plan_url(submitted))
    plan_return(actor=director, plan=submitted, comment="Par maz konsultāciju")
    plan_submit(actor=world.teacher_lizuma, plan=rework(world, submitted))
    page = client_for(director, "lv").get(reverse("work_list", args=["approvals"]))
    ((row, _age),) = page.context["rows"]
    assert "mainīts kopš pēdējās apskates: pievienots 1 pasākums" in row.what
    html = client_for(director, "lv").get(plan_url(submitted)).content.decode()
    assert "Kas mainījies kopš jūsu pēdējās apskates" in html
    assert "10 → 20" in html


def test_an_amendment_shows_its_changes_against_the_plan_in_force(world: World, submitted: Plan) -> None:
    plan = approve_all(submitted, world.director_lizuma, world.coordinator_gulbene, world.national)
    change = plan_amend(actor=world.teacher_lizuma, plan=plan, comment="Vajag ēdināšanu")
    plan_submit(actor=world.teacher_lizuma, plan=rework(world, change))

    what = approvals_row(world.director_lizuma)
    assert "changes against the plan in force: 1 measure added, 1 measure changed" in what
    html = client_for(world.director_lizuma).get(plan_url(change)).content.decode()
    assert "What this change proposes against the plan in force" in html


def test_only_an_approver_of_the_pending_step_is_remembered(world: World, submitted: Plan) -> None:
    """The class teacher who prepared it, and a reader of another school (404), leave no mark."""
    assert client_for(world.teacher_lizuma).get(plan_url(submitted)).status_code == 200
    assert client_for(world.coordinator_tirzas).get(plan_url(submitted)).status_code == 404
    assert client_for(world.coordinator_gulbene).get(plan_url(submitted)).status_code == 200  # not her step yet
    assert not PlanSeen.objects.exists()


def test_the_list_costs_the_same_for_many_changed_plans(
    world: World, submitted: Plan, django_assert_max_num_queries
) -> None:
    director = world.director_lizuma
    client = client_for(director)
    url = reverse("work_list", args=["approvals"])
    client.get(plan_url(submitted))
    plan_return(actor=director, plan=submitted, comment="Par maz")
    plan_submit(actor=world.teacher_lizuma, plan=rework(world, submitted))
    client.get(url)
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    one_row = len(few.captured_queries)  # read now: the next request resets the connection's log

    for n in range(6):
        pupil = add_pupil(world, world.lizuma_7a, "Skolēns", f"Nr{n}")
        plan = plan_submit(
            actor=world.teacher_lizuma, plan=draft_plan(world.teacher_lizuma, open_case(world.teacher_lizuma, pupil))
        )
        client.get(plan_url(plan))
        plan_return(actor=director, plan=plan, comment="Par maz")
        plan_submit(actor=world.teacher_lizuma, plan=rework(world, plan))
    with django_assert_max_num_queries(one_row):
        page = client.get(url)
    assert len(page.context["rows"]) == 7
    assert all("changed since you last saw it" in row.what for row, _age in page.context["rows"])
    assert {c.kind.code: c.count for c in work.summary(director).counts}["approvals"] == 7


def test_a_refused_return_keeps_the_approvers_comment(world: World, submitted: Plan) -> None:
    """Issue 13: Sarmīte writes why the plan must change, but Ilze saved a new version meanwhile;
    the refusal brings her back to the plan with her comment still in the box."""
    stale = submitted.version
    client = client_for(world.director_lizuma)
    typed = "Psihologa konsultāciju par maz; lūdzu pievienot ēdināšanu"
    Plan.objects.filter(pk=submitted.pk).update(version=stale + 1)  # someone else's change meanwhile
    response = client.post(
        reverse("support_plan_transition", args=[submitted.public_id]),
        {"action": "return", "version": stale, "comment": typed},
        follow=True,
    )
    html = response.content.decode()
    assert "Nothing was changed" in html
    assert f'id="return-comment" rows="2" maxlength="4000" required>{typed}</textarea>' in html
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
