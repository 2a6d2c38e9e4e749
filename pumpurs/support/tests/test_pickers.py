"""Team and provider pickers say each person's job at the school (issue 13): two "Ilze"s are told
apart by "klases audzinātājs" and "psihologs", not guessed."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from pumpurs.support.testing import draft_plan, open_case
from pumpurs.world.personas import World


def options(html: str, name_suffix: str) -> list[str]:
    select = re.search(rf'<select name="[^"]*{name_suffix}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, name_suffix
    return [text.strip() for text in re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))]


def test_provider_and_team_pickers_show_each_person_s_job(world: World) -> None:
    plan = draft_plan(world.coordinator_lizuma, open_case(world.coordinator_lizuma, world.pupil_lizuma))
    client = Client()
    client.force_login(world.coordinator_lizuma)
    edit = client.get(reverse("support_plan_edit", args=[plan.public_id])).content.decode()
    providers = options(edit, "-provider")
    teacher = world.teacher_lizuma.get_full_name()
    assert f"{teacher} — klases audzinātājs" in providers
    assert any(
        p.startswith(world.coordinator_lizuma.get_full_name() + " — ") and "koordinators" in p for p in providers
    )
    case = client.get(reverse("support_case", args=[plan.case.public_id])).content.decode()
    assert f"{teacher} — klases audzinātājs" in options(case, "user")
