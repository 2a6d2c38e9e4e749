"""The watch list says what support already does for each pupil — an open case, its plan, an
active plan — and offers the next step in place: decide the flag, fill in the questionnaire, open
the case (issue 13). Reasons are short; the evidence waits behind a disclosure."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from pumpurs.risk.models import Level
from pumpurs.risk.services import flag_accept
from pumpurs.risk.tests.watch_factories import assessment_for, flag_for, period_now
from pumpurs.support.plans import plan_submit
from pumpurs.support.testing import active_plan, draft_plan, open_case
from pumpurs.world.personas import World


def page(world: World, user: object) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)  # type: ignore[arg-type]
    response = client.get(reverse("watch_list"))
    assert response.status_code == 200
    return response.content.decode()


def row_of(html: str, name: str) -> str:
    start = html.index(name)
    return html[start : html.index("</tr>", start)]


def test_each_row_says_what_support_does_and_what_comes_next(world: World) -> None:
    period = period_now(world)
    # Anna: an open flag, no case — decide it.
    flag_for(world.pupil_lizuma, "unjustified_semester", period=period, value="61")
    # The 8.a pupil: an accepted flag, a low questionnaire this semester, no case yet — open one.
    accepted = flag_for(world.pupil_lizuma_8a, "failing_grades", period=period)
    assessment_for(world.pupil_lizuma_8a, Level.LOW, period=period, by=world.teacher_lizuma_8a)
    flag_accept(actor=world.coordinator_lizuma, flag=accepted)
    html = page(world, world.coordinator_lizuma)
    anna = row_of(html, "Anna Kalniņa")
    assert "Decide the flag" in anna
    assert "no support case" in anna
    assert "<summary>Details</summary>" in anna
    assert "61 unjustified lessons" in anna  # the full reason, behind the disclosure
    assert "Open a support case" in row_of(html, world.pupil_lizuma_8a.last_name)
    assert 'id="severity-legend"' in html
    # A case with a draft plan, then an active one: the row links to it.
    case = open_case(world.coordinator_lizuma, world.pupil_lizuma)
    plan = draft_plan(world.coordinator_lizuma, case)
    anna = row_of(page(world, world.coordinator_lizuma), "Anna Kalniņa")
    assert "case open; plan draft" in anna
    assert reverse("support_plan", args=[plan.public_id]) in anna
    plan_submit(actor=world.coordinator_lizuma, plan=plan)


def test_an_active_plan_is_named(world: World) -> None:
    period = period_now(world)
    flag_for(world.pupil_lizuma, "unjustified_semester", period=period)
    plan = active_plan(
        world.coordinator_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    anna = row_of(page(world, world.teacher_lizuma), "Anna Kalniņa")
    assert "active plan" in anna
    assert reverse("support_plan", args=[plan.public_id]) in anna
    assert "Kalniņa" not in page(world, world.teacher_tirzas)
