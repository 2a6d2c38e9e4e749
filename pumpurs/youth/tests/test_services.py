"""The life of a Gulbene youth initiative call through the services: Inese Gulbe (the municipality
coordinator) opens it and enters applications, Juris Priede and Anna Vītola score them, Inese
decides, and after the project she enters its report, which the national team approves (four
eyes: never the one who entered it). Refusals carry their numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from pumpurs.audit.models import AuditEvent
from pumpurs.world.personas import World
from pumpurs.youth import services
from pumpurs.youth.models import Application, ApplicationStatus, Call, CallStatus, ReportStatus
from pumpurs.youth.scope import applications_visible_to, calls_visible_to
from pumpurs.youth.selectors import application_counts, call_money, national_totals, ranked_applications
from pumpurs.youth.services import Line
from pumpurs.youth.testing import a_call, an_application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The refusals are matched in English here; the pages' tests read them in the reader's language."""
    with translation.override("en"):
        yield


def _open_call(world: World, **changes: object) -> Call:
    now = timezone.now()
    call = a_call(actor=world.coordinator_gulbene, municipality=world.gulbene, now=now, **changes)
    services.call_evaluators_set(
        actor=world.coordinator_gulbene,
        call=call,
        evaluators=[world.director_lizuma, world.coordinator_tirzas],
        now=now,
    )
    return services.call_open(actor=world.coordinator_gulbene, call=call, now=now)


def _score(world: World, application: Application, *values: int) -> None:
    criteria = list(application.call.criteria.all())
    for evaluator in (world.director_lizuma, world.coordinator_tirzas):
        services.evaluation_submit(
            actor=evaluator,
            application=application,
            scores={c.pk: v for c, v in zip(criteria, values, strict=True)},
            no_conflict=True,
            comment="",
            now=timezone.now(),
        )


def test_a_call_from_opening_to_an_approved_report(world: World) -> None:
    call = _open_call(world)
    now = timezone.now()
    hikes = an_application(actor=world.coordinator_gulbene, call=call, now=now)
    films = an_application(
        actor=world.coordinator_gulbene, call=call, now=now, title="Kino klubs", lines=[("Tehnika", 300_000)]
    )
    services.call_start_evaluation(actor=world.coordinator_gulbene, call=call, now=now)
    _score(world, hikes, 8, 9, 7)
    _score(world, films, 5, 5, 5)
    ranked = ranked_applications(call)
    assert [r.application for r in ranked] == [hikes, films]
    assert ranked[0].points == pytest.approx(8.1 * 10)  # (8×40 + 9×35 + 7×25) / 10

    services.application_decide(
        actor=world.coordinator_gulbene, application=hikes, approve=True, awarded_cents=180_000, note="", now=now
    )
    services.application_decide(
        actor=world.coordinator_gulbene,
        application=films,
        approve=False,
        awarded_cents=None,
        note="Zemi punkti",
        now=now,
    )
    services.call_close(actor=world.coordinator_gulbene, call=call, now=now)
    hikes.refresh_from_db()
    assert (hikes.status, hikes.awarded_cents) == (ApplicationStatus.APPROVED, 180_000)  # lower than requested

    after = timezone.now().replace(year=timezone.now().year + 1)
    report = services.report_submit(
        actor=world.coordinator_gulbene,
        application=hikes,
        participants_reached=17,
        activities_done="Seši pārgājieni un nometne.",
        expenses=[Line("Materiāli", 100_000), Line("Transports", 50_000)],
        now=after,
    )
    assert call_money(call).available_cents == 2_000_000 - 180_000
    # Four eyes: Inese entered the report, so she may not approve it; the national team does.
    with pytest.raises(ValidationError, match="You entered this report"):
        services.report_approve(actor=world.coordinator_gulbene, report=report, now=after)
    report.refresh_from_db()
    assert (report.status, report.approved_by) == (ReportStatus.SUBMITTED, None)
    assert not AuditEvent.objects.filter(action="youth.report.approved").exists()
    with pytest.raises(PermissionDenied):  # Madona's coordinator does not run Gulbene's call
        services.report_approve(actor=world.coordinator_madona, report=report, now=after)
    services.report_approve(actor=world.national, report=report, now=after)
    report.refresh_from_db()
    assert (report.status, report.approved_by) == (ReportStatus.APPROVED, world.national)
    money = call_money(call)
    assert (money.awarded_cents, money.spent_cents, money.returned_cents) == (180_000, 150_000, 30_000)
    assert money.available_cents == 2_000_000 - 180_000 + 30_000  # unspent money returns to the call
    assert list(
        AuditEvent.objects.filter(object_id__in=[str(call.public_id), str(hikes.public_id), str(report.public_id)])
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "youth.call.created",
        "youth.call.evaluators_set",
        "youth.call.opened",
        "youth.application.entered",
        "youth.call.evaluation_started",
        "youth.application.scored",
        "youth.application.scored",
        "youth.application.approved",
        "youth.call.closed",
        "youth.report.submitted",
        "youth.report.approved",
    ]
    counts = application_counts(calls_visible_to(world.national))
    assert counts == [
        {
            "municipality_id": world.gulbene.pk,
            "municipality": "Gulbenes novads",
            "calls": 1,
            "applications": 2,
            "approved": 1,
            "requested_cents": 500_000,
            "awarded_cents": 180_000,
            "spent_cents": 150_000,
            "participants_expected": 15,
            "participants_reached": 17,
        }
    ]
    assert national_totals(counts)["approved"] == 1


def test_an_application_over_the_maximum_or_not_adding_up_is_refused_with_the_numbers(world: World) -> None:
    call = _open_call(world)
    now = timezone.now()
    with pytest.raises(ValidationError, match=r"4\W?600.00 EUR.*4\W?700.00 EUR|4\W?700.00 EUR.*4\W?600.00 EUR"):
        an_application(actor=world.coordinator_gulbene, call=call, now=now, lines=[("Nometne", 470_000)])
    with pytest.raises(ValidationError, match=r"1\W?900.00 EUR.*2\W?000.00 EUR"):
        an_application(
            actor=world.coordinator_gulbene, call=call, now=now, lines=[("Nometne", 190_000)], requested_cents=200_000
        )
    assert not Application.objects.exists()


def test_a_call_maximum_above_the_programme_setting_is_refused(world: World, settings: object) -> None:
    with pytest.raises(ValidationError, match=r"4\W?600.00 EUR"):
        a_call(
            actor=world.coordinator_gulbene,
            municipality=world.gulbene,
            now=timezone.now(),
            max_per_project_cents=460_001,
        )
    settings.PUMPURS_YOUTH_PROJECT_MAX_EUR = 5000  # type: ignore[attr-defined]
    assert (
        a_call(
            actor=world.coordinator_gulbene,
            municipality=world.gulbene,
            now=timezone.now(),
            max_per_project_cents=500_000,
        ).max_per_project_cents
        == 500_000
    )
    with pytest.raises(ValidationError, match="90 %"):
        a_call(
            actor=world.coordinator_gulbene,
            municipality=world.gulbene,
            now=timezone.now(),
            criteria=[("Mērķis", 50), ("Budžets", 40)],
        )


def test_scope_each_municipality_its_own_calls_the_national_team_all(world: World) -> None:
    call = _open_call(world)
    assert list(calls_visible_to(world.national)) == [call]
    assert list(calls_visible_to(world.coordinator_gulbene)) == [call]
    assert not calls_visible_to(world.coordinator_madona).exists()
    assert not calls_visible_to(world.teacher_lizuma).exists()
    assert list(calls_visible_to(world.director_lizuma)) == [call]  # named evaluator
    assert not applications_visible_to(world.coordinator_madona).exists()
    with pytest.raises(PermissionDenied):
        a_call(actor=world.coordinator_madona, municipality=world.gulbene, now=timezone.now())
    with pytest.raises(PermissionDenied):
        a_call(actor=world.coordinator_gulbene, municipality=None, now=timezone.now())
    with pytest.raises(PermissionDenied):
        an_application(actor=world.national, call=call, now=timezone.now())  # national reads, Gulbene runs


def test_evaluators_conflicts_and_decisions_refused(world: World) -> None:
    call = _open_call(world)
    now = timezone.now()
    own = an_application(
        actor=world.coordinator_gulbene, call=call, now=now, contact_email=world.director_lizuma.email or "juris@x.lv"
    )
    world.director_lizuma.email = own.contact_email
    world.director_lizuma.save()
    with pytest.raises(ValidationError, match="evaluation"):
        _score(world, own, 5, 5, 5)  # the call is still open
    services.call_start_evaluation(actor=world.coordinator_gulbene, call=call, now=now)
    criteria = {c.pk: 5 for c in call.criteria.all()}
    with pytest.raises(ValidationError, match="own application"):
        services.evaluation_submit(
            actor=world.director_lizuma, application=own, scores=criteria, no_conflict=True, comment="", now=now
        )
    with pytest.raises(ValidationError, match="conflict"):
        services.evaluation_submit(
            actor=world.coordinator_tirzas, application=own, scores=criteria, no_conflict=False, comment="", now=now
        )
    services.conflict_declare(
        actor=world.coordinator_tirzas, application=own, reason="Biedrības valdes locekle", now=now
    )
    with pytest.raises(ValidationError, match="declared a conflict"):
        services.evaluation_submit(
            actor=world.coordinator_tirzas, application=own, scores=criteria, no_conflict=True, comment="", now=now
        )
    with pytest.raises(PermissionDenied):
        services.evaluation_submit(
            actor=world.coordinator_lizuma, application=own, scores=criteria, no_conflict=True, comment="", now=now
        )
    with pytest.raises(ValidationError, match="0 of the two"):
        services.application_decide(
            actor=world.coordinator_gulbene, application=own, approve=True, awarded_cents=100, note="", now=now
        )
    with pytest.raises(ValidationError, match="not decided"):
        services.call_close(actor=world.coordinator_gulbene, call=call, now=now)
    assert call.status == CallStatus.EVALUATION


def test_an_award_above_the_request_or_what_is_left_is_refused(world: World) -> None:
    call = _open_call(world, total_cents=460_000)
    now = timezone.now()
    first = an_application(actor=world.coordinator_gulbene, call=call, now=now, lines=[("Nometne", 300_000)])
    second = an_application(actor=world.coordinator_gulbene, call=call, now=now, lines=[("Nometne", 300_000)])
    services.call_start_evaluation(actor=world.coordinator_gulbene, call=call, now=now)
    _score(world, first, 9, 9, 9)
    _score(world, second, 8, 8, 8)
    with pytest.raises(ValidationError, match=r"3\W?000.00 EUR"):
        services.application_decide(
            actor=world.coordinator_gulbene, application=first, approve=True, awarded_cents=300_001, note="", now=now
        )
    services.application_decide(
        actor=world.coordinator_gulbene, application=first, approve=True, awarded_cents=300_000, note="", now=now
    )
    with pytest.raises(ValidationError, match=r"1\W?600.00 EUR left"):
        services.application_decide(
            actor=world.coordinator_gulbene, application=second, approve=True, awarded_cents=200_000, note="", now=now
        )
    with pytest.raises(ValidationError, match="has not ended"):
        services.report_submit(
            actor=world.coordinator_gulbene,
            application=first,
            participants_reached=1,
            activities_done="x",
            expenses=[Line("x", 1)],
            now=now,
        )
    later = now + dt.timedelta(days=200)
    with pytest.raises(ValidationError, match=r"3\W?100.00 EUR.*3\W?000.00 EUR"):
        services.report_submit(
            actor=world.coordinator_gulbene,
            application=first,
            participants_reached=10,
            activities_done="Nometne",
            expenses=[Line("Nometne", 310_000)],
            now=later,
        )
