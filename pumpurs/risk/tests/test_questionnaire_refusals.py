"""Issue 13, "Forms": a refused questionnaire keeps every answer and comment typed, and the error
summary at the top links to the item to fix (its first radio button, as the GOV.UK pattern
does for a group of radios); nothing is stored."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pumpurs.core.testing import assert_checked, assert_kept, assert_summary_links
from pumpurs.risk.models import Assessment
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def test_a_comment_without_an_answer_is_refused_and_everything_typed_comes_back(world: World) -> None:
    client = Client(headers={"accept-language": "en"})
    client.force_login(world.teacher_lizuma)
    url = reverse("questionnaire_pupil", args=[world.pupil_lizuma.public_id])
    form = {
        "seen": "new",
        "action": "save",
        "answer_motivation": "partly",
        "comment_motivation": "Mācās tikai pirms kontroldarbiem",
        "comment_school-load": "Daudz mājasdarbu",
    }
    response = client.post(url, form)
    summary = assert_kept(
        response,
        **{"id_comment_motivation": "Mācās tikai pirms kontroldarbiem", "id_comment_school-load": "Daudz mājasdarbu"},
    )
    assert_checked(response, "answer_motivation", "partly")
    assert_summary_links(summary, "id_answer_school-load_0")
    assert not Assessment.objects.exists()
