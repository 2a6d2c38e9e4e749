"""The Gulbene demo runs one youth initiative call (issue 16) with its applications in every state,
and two trainings, written through the real services at moments counted back from the day the
demo starts — so it is the same story on a school day, in the Christmas break and in mid-summer."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import translation

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import Institution
from pumpurs.prevention.models import Material, Participant, Training
from pumpurs.prevention.selectors import staff_trained
from pumpurs.world.personas import CALENDAR_DAYS
from pumpurs.youth.models import Application, Call, CallStatus, ProjectReport
from pumpurs.youth.selectors import call_money, ranked_applications


@pytest.mark.django_db
@pytest.mark.parametrize(
    "today",
    [CALENDAR_DAYS[name] for name in ("school_day", "christmas_break", "mid_summer")],
    ids=["school_day", "christmas_break", "mid_summer"],
)
def test_the_demo_call_has_an_application_in_every_state(today: dt.date) -> None:
    out = StringIO()
    with translation.override("lv"):  # the summary in the default language, whatever ran before
        call_command("seed", "--preset", "gulbene", "--no-facts", stdout=out)
    assert "jauniešu iniciatīvu konkursi: 1 (pieteikumi: 7)" in out.getvalue()
    call = Call.objects.get()
    assert call.status == CallStatus.EVALUATION
    assert call.municipality is not None
    assert call.municipality.code == "gulbenes-novads"
    assert Counter(Application.objects.values_list("status", flat=True)) == {
        "approved": 3,
        "rejected": 1,
        "submitted": 3,
    }
    assert Counter(ProjectReport.objects.values_list("status", flat=True)) == {"approved": 1, "submitted": 1}
    evaluations = [r.evaluations for r in ranked_applications(call)]
    assert sorted(evaluations) == [0, 1, 2, 2, 2, 2, 2]
    money = call_money(call)
    assert (money.awarded_cents, money.returned_cents) == (330_000 + 210_000 + 380_000, 25_000)
    assert AuditEvent.objects.filter(action__startswith="youth.").count() >= 20
    assert not Application.objects.filter(entered_at__date__gt=today).exists()
    assert not ProjectReport.objects.filter(approved_at__date__gt=today).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "today",
    [CALENDAR_DAYS[name] for name in ("school_day", "christmas_break", "mid_summer")],
    ids=["school_day", "christmas_break", "mid_summer"],
)
def test_the_demo_has_two_trainings_one_held_with_certificates(today: dt.date) -> None:
    out = StringIO()
    with translation.override("lv"):  # the summary in the default language, whatever ran before
        call_command("seed", "--preset", "gulbene", "--no-facts", stdout=out)
    assert "apmācības: 2 (dalībnieki: 8)" in out.getvalue()
    held, coming = Training.objects.order_by("starts_on")
    assert held.municipality is None
    assert held.ends_on < today < coming.starts_on
    assert Counter(Participant.objects.filter(training=held).values_list("attended", flat=True)) == {True: 5, False: 1}
    assert set(Participant.objects.filter(training=coming).values_list("attended", flat=True)) == {None}
    lizuma = next(r for r in staff_trained(Institution.objects.filter(code="DEMO-LIZUMS")))
    assert lizuma.trained == 3
    assert sorted(Material.objects.annotate(n=Count("versions")).values_list("n", flat=True)) == [1, 2]
