"""Anna Kalniņa's timeline: everything that happened to her, newest first, as each reader may see it.

Ilze Ozola (her class teacher) reads it all, sensitive notes included. Juris Priede, the director,
reads the same history but a sensitive contact note shows him only its date and author, and the
family group's score is withheld. The national team sees the support side and no flags. Dace
Kalna (Tirzas) gets 404, as for a pupil who does not exist. The page costs the same number of
queries for a short history and a long one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.people.access import ROLE_PERMISSIONS, Perm
from pumpurs.people.models import Role
from pumpurs.risk.models import Flag, FlagDecision, Level
from pumpurs.risk.tests.watch_factories import assessment_for, decide, flag_for, period_now
from pumpurs.support.cases import contact_log
from pumpurs.support.delivery import consultation_record
from pumpurs.support.models import ContactEntry, Plan
from pumpurs.support.testing import active_plan, measure
from pumpurs.support.timeline import plan_url, pupil_timeline
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

SECRET = "Mamma slimo, tētis strādā ārzemēs"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url_for(world: World) -> str:
    return reverse("support_pupil:timeline", args=[world.pupil_lizuma.public_id])


@pytest.fixture
def history(world: World) -> Plan:
    """Anna's semester: a flag accepted, a questionnaire, a case with an active plan, a
    consultation, an ordinary and a sensitive contact with the family."""
    period = period_now(world)
    flag = flag_for(world.pupil_lizuma, period=period, raised_at=timezone.now() - dt.timedelta(days=2))
    decide(flag, "accepted", world.teacher_lizuma, comment="Runāšu ar mammu")
    assessment_for(world.pupil_lizuma, Level.HIGH, period=period, by=world.teacher_lizuma)
    plan = active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    consultation_record(
        actor=world.specialist_lizuma,
        plan=plan,
        measure=measure("consult-psychologist"),
        held_on=timezone.localdate(),
        minutes=45,
        specialist=world.specialist_lizuma,
        mode="in_person",
        topic="Motivācija mācīties",
    )
    case = plan.case
    contact_log(
        actor=world.teacher_lizuma,
        case=case,
        happened_at=timezone.now() - dt.timedelta(hours=1),
        channel="phone",
        summary="Norunājām tikšanos",
    )
    contact_log(
        actor=world.teacher_lizuma,
        case=case,
        happened_at=timezone.now() - dt.timedelta(minutes=30),
        channel="home_visit",
        summary=SECRET,
        sensitive=True,
    )
    return plan


def test_teacher_sees_every_kind_newest_first(world: World, history: Plan) -> None:
    timeline = pupil_timeline(world.teacher_lizuma, pupil=world.pupil_lizuma)
    kinds = {e.kind for e in timeline.entries}
    assert kinds >= {"flag", "decision", "assessment", "case", "plan", "delivery", "consent", "contact", "notice"}
    whens = [e.when for e in timeline.entries]
    assert whens == sorted(whens, reverse=True)
    assert not timeline.has_more

    response = client_for(world.teacher_lizuma).get(url_for(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert SECRET in html
    assert "Norunājām tikšanos" in html
    assert "Motivācija mācīties" in html
    assert "Runāšu ar mammu" in html
    assert "Restricted note" not in html
    if plan_url(history) is not None:  # the plan page is another helper's; linked once mounted
        assert plan_url(history) in html
    assert reverse("questionnaire_assessment", args=[Flag.objects.first().pupil.assessments.get().public_id]) in html


def test_profile_links_to_the_timeline(world: World) -> None:
    html = client_for(world.teacher_lizuma).get(reverse("pupil_detail", args=[world.pupil_lizuma.public_id]))
    assert url_for(world) in html.content.decode()


def test_director_sees_sensitive_notes_only_as_restricted(world: World, history: Plan) -> None:
    assert Perm.VIEW_SENSITIVE not in ROLE_PERMISSIONS[Role.DIRECTOR]
    html = client_for(world.director_lizuma).get(url_for(world)).content.decode()
    assert SECRET not in html
    assert "Restricted note" in html
    assert "Norunājām tikšanos" in html  # an ordinary contact is not restricted
    assert "Motivācija mācīties" not in html  # a consultation's topic may reveal a family matter
    restricted = [e for e in pupil_timeline(world.director_lizuma, pupil=world.pupil_lizuma).entries if e.restricted]
    assert len(restricted) == 1
    assert restricted[0].who == world.teacher_lizuma.get_full_name()
    assert restricted[0].details == []
    # The family group's questionnaire score is withheld, the learning group's shown.
    assessment = next(
        e for e in pupil_timeline(world.director_lizuma, pupil=world.pupil_lizuma).entries if e.kind == "assessment"
    )
    assert any("75" in d for d in assessment.details)
    assert not any("50" in d for d in assessment.details)


def test_national_team_sees_neither_support_nor_risk_entries_without_an_opening(world: World, history: Plan) -> None:
    # Decision 0041: the national team reads a pupil's file only through break-the-glass
    # (privacy/tests/test_glass_only.py opens one).
    timeline = pupil_timeline(world.national, pupil=world.pupil_lizuma)
    kinds = {e.kind for e in timeline.entries}
    assert not kinds & {"flag", "decision", "assessment", "plan", "delivery", "case"}
    assert not timeline.shows_risk


def test_a_role_without_support_sees_no_support_entries(
    world: World, history: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No shipped role reads pupils but not support; the table of roles is where that would be set.
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.DIRECTOR, ROLE_PERMISSIONS[Role.DIRECTOR] - {Perm.VIEW_SUPPORT})
    timeline = pupil_timeline(world.director_lizuma, pupil=world.pupil_lizuma)
    kinds = {e.kind for e in timeline.entries}
    assert kinds & {"flag", "decision", "assessment"}
    assert not kinds & {"case", "plan", "delivery", "consent", "contact", "review"}
    assert all("plan" not in e.text.lower() for e in timeline.entries if e.kind == "notice")


def test_tirzas_teacher_gets_404_and_the_view_is_audited(world: World, history: Plan) -> None:
    assert client_for(world.teacher_tirzas).get(url_for(world)).status_code == 404
    assert client_for(world.nobody).get(url_for(world)).status_code == 404
    before = AuditEvent.objects.filter(action="people.pupil.viewed", pupil_id=world.pupil_lizuma.pk).count()
    client_for(world.teacher_lizuma).get(url_for(world))
    after = AuditEvent.objects.filter(action="people.pupil.viewed", pupil_id=world.pupil_lizuma.pk).count()
    assert after == before + 1


def _add_entries(world: World, plan: Plan, n: int) -> None:
    """``n`` contacts, flags and flag decisions written as rows (the services are not the subject)."""
    period = period_now(world)
    now = timezone.now()
    ContactEntry.objects.bulk_create(
        ContactEntry(
            case=plan.case,
            happened_at=now - dt.timedelta(days=1, minutes=i),
            channel="phone",
            summary=f"Zvans {i}",
            sensitive=i % 2 == 0,
            recorded_by=world.teacher_lizuma,
        )
        for i in range(n)
    )
    for i in range(n):
        flag = Flag.objects.create(
            pupil=world.pupil_lizuma,
            period=period,
            rule="attendance_4w",
            rule_version=f"t{i}",
            status="dismissed",
            value=Decimal(80),
            threshold=Decimal(90),
            raised_at=now - dt.timedelta(days=3, minutes=i),
            last_seen_at=now,
        )
        FlagDecision.objects.create(
            flag=flag, decision="dismissed", reason="other", decided_by=world.teacher_lizuma, decided_at=now
        )


def _count_queries(user, url: str) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_queries_do_not_grow_with_the_history(world: World, history: Plan) -> None:
    url = url_for(world)
    small = _count_queries(world.teacher_lizuma, url)
    _add_entries(world, history, 80)
    large = _count_queries(world.teacher_lizuma, url)
    assert large == small, f"{small} queries for a short history, {large} for a long one"
    assert _count_queries(world.teacher_lizuma, url + "?show=1000") == small


def test_show_more_pages_through_a_long_history(world: World, history: Plan) -> None:
    _add_entries(world, history, 40)
    first = pupil_timeline(world.teacher_lizuma, pupil=world.pupil_lizuma, limit=50)
    assert len(first.entries) == 50
    assert first.has_more
    # Before the page: a request leaves its own language active in the test's thread.
    everything = pupil_timeline(world.teacher_lizuma, pupil=world.pupil_lizuma, limit=1000)
    html = client_for(world.teacher_lizuma).get(url_for(world)).content.decode()
    assert "?show=100" in html
    assert not everything.has_more
    assert everything.entries[:50] == first.entries
    assert client_for(world.teacher_lizuma).get(url_for(world) + "?show=abc").status_code == 200
