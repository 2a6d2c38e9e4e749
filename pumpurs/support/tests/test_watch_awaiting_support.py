"""Accepting a flag never makes a pupil disappear (issue 13, trap 1): an accepted flag of this
semester keeps the pupil on the watch list, marked "no support case yet", until a case is opened
or the flag's condition stops holding; the Tirzas teacher still sees none of it."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from pumpurs.risk.models import Flag, Level
from pumpurs.risk.selectors import watch_list
from pumpurs.risk.services import flag_accept
from pumpurs.risk.tests.watch_factories import assessment_for, flag_for, period_now
from pumpurs.support.cases import case_close, case_open
from pumpurs.support.models import CloseReason
from pumpurs.world.personas import World

AWAITING = "Signāls pieņemts: atbalsta lietas vēl nav"


def listed(world: World, user: object) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="lv")
    client.force_login(user)  # type: ignore[arg-type]
    page = client.get(reverse("watch_list"))
    assert page.status_code == 200
    return page.content.decode()


def names_in(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/pupils/[0-9a-f-]+/#risk">([^<]+)</a></th>', html)


def accepted(world: World) -> Flag:
    """61 unjustified lessons, the flag accepted; this semester's questionnaire came out low, so
    nothing else (an open flag, a medium or high level, an overdue questionnaire) lists her."""
    period = period_now(world)
    assessment_for(world.pupil_lizuma, Level.LOW, period=period, by=world.teacher_lizuma)
    flag = flag_for(world.pupil_lizuma, "unjustified_semester", period=period, value="61")
    return flag_accept(actor=world.teacher_lizuma, flag=flag)


def test_an_accepted_flag_without_a_case_keeps_the_pupil_listed(world: World) -> None:
    accepted(world)
    html = listed(world, world.coordinator_lizuma)
    assert names_in(html) == ["Anna Kalniņa"]
    assert AWAITING in html
    row = watch_list(world.coordinator_lizuma, institution=world.lizuma).rows[0]
    assert row.awaiting_support
    assert row.severity > 0  # ranked by the accepted flag's severity, not at the bottom
    assert "Kalniņa" not in listed(world, world.teacher_tirzas)


def test_a_case_serves_the_pupil_and_a_closed_case_brings_her_back(world: World) -> None:
    flag = accepted(world)
    case = case_open(actor=world.coordinator_lizuma, pupil=world.pupil_lizuma, flag=flag)
    assert names_in(listed(world, world.coordinator_lizuma)) == []
    case_close(actor=world.coordinator_lizuma, case=case, reason=CloseReason.MOVED)
    html = listed(world, world.coordinator_lizuma)
    assert names_in(html) == ["Anna Kalniņa"]
    assert AWAITING in html


def test_a_condition_that_no_longer_holds_ends_the_wait(world: World) -> None:
    flag = accepted(world)
    Flag.objects.filter(pk=flag.pk).update(condition_holds=False)  # as a refresh records it
    assert names_in(listed(world, world.coordinator_lizuma)) == []
