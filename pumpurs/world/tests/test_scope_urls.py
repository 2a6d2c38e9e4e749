"""Every URL that names an object, walked as the Lizuma class teacher (STYLE.md "Tests").

Ilze Ozola leads Lizuma 7.a. Whatever belongs to Tirzas or to Madona does not exist for her: each
such URL answers 404, exactly like an unknown id. The list of URLs is read from the resolver, so a
new page that takes an object id is covered the day it is added — or this test fails until it is
taught how to fill that id. It walks the pages of every app, so it lives in the composition root.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import UUIDConverter
from django.utils import timezone

from pumpurs.finance.budgets import budget_move, budget_set
from pumpurs.finance.models import ExpenseReport
from pumpurs.imports.models import ImportBatch
from pumpurs.people.models import Institution, Period, Pupil, User
from pumpurs.prevention.materials import material_create
from pumpurs.prevention.services import training_create
from pumpurs.risk.models import Flag
from pumpurs.risk.questionnaire import assessment_start, default_instrument
from pumpurs.support.models import Measure
from pumpurs.support.tests.test_views_scope import (
    SUPPORT_NEIGHBOURS,
    SUPPORT_OBJECTS,
    _case,
    _lizuma_8a_case,
    _lizuma_8a_plan,
    _plan,
    _tirzas_case,
    _tirzas_plan,
)
from pumpurs.world.personas import World
from pumpurs.youth.services import call_open
from pumpurs.youth.testing import a_call, an_application


def _batch(coordinator: User, school: Institution) -> uuid.UUID:
    """A checked file with an error report, as its school's coordinator left it."""
    batch = ImportBatch.objects.create(
        kind="attendance",
        actor=coordinator,
        institution=school,
        dry_run=True,
        status=ImportBatch.Status.REJECTED,
        filename="attendance.csv",
        sha256="0" * 64,
        error_count=1,
        report="imports/reports/none.csv",
    )
    return batch.public_id


def _gulbene_call(w: World) -> uuid.UUID:
    """An open youth call of her municipality: a class teacher runs, reads and evaluates none."""
    call = a_call(actor=w.coordinator_gulbene, municipality=w.gulbene, now=timezone.now())
    return call.public_id


def _gulbene_application(w: World) -> uuid.UUID:
    call = call_open(
        actor=w.coordinator_gulbene,
        call=a_call(actor=w.coordinator_gulbene, municipality=w.gulbene, now=timezone.now()),
        now=timezone.now(),
    )
    return an_application(actor=w.coordinator_gulbene, call=call, now=timezone.now()).public_id


def _gulbene_training(w: World) -> uuid.UUID:
    """A training of her municipality: a class teacher neither reads nor registers for trainings."""
    today = timezone.localdate()
    return training_create(
        actor=w.coordinator_gulbene, municipality=w.gulbene, title="Apmācība", topic="Riski", organiser="Pašvaldība",
        audience="teachers", remote=True, place="", starts_on=today, ends_on=today, hours=Decimal(2),
        now=timezone.now(),
    ).public_id  # fmt: skip


def _library_material(w: World) -> uuid.UUID:
    """A national material with a link: every signed-in user reads the library, her included."""
    return material_create(
        actor=w.national, municipality=None, title="Ceļvedis", description="", language="lv", audience="teachers",
        topics=["family"], file=None, url="https://www.pumpurs.lv/", now=timezone.now(),
    ).public_id  # fmt: skip


TRAINING_URLS = (
    "prevention:training",
    "prevention:register_staff",
    "prevention:register_external",
    "prevention:attendance",
    "prevention:certificates",
)
YOUTH_CALL_URLS = ("youth:call", "youth:call_evaluators", "youth:application_create", "youth:call_open")
YOUTH_APPLICATION_URLS = (
    "youth:application",
    "youth:application_score",
    "youth:application_conflict",
    "youth:application_decide",
    "youth:award_letter",
    "youth:report_create",
    "youth:report_approve",
)


def _assessment(teacher: User, pupil: Pupil) -> uuid.UUID:
    """This semester's risk questionnaire of ``pupil``, as their class teacher started it."""
    return assessment_start(actor=teacher, pupil=pupil).public_id


def _flag(pupil: Pupil) -> uuid.UUID:
    """An open flag of ``pupil`` in the current semester."""
    period = Period.objects.filter(starts_on__lte=timezone.localdate()).order_by("-starts_on").first()
    now = timezone.now()
    flag = Flag.objects.create(
        pupil=pupil, period=period, rule="unjustified_semester", rule_version="test", value=23, threshold=20,
        raised_at=now, last_seen_at=now,
    )  # fmt: skip
    return flag.public_id


def _report(school: Institution) -> uuid.UUID:
    """``school``'s monthly expense report for this month, as its coordinator assembled it."""
    now = timezone.now()
    report, _created = ExpenseReport.objects.get_or_create(
        institution=school, month=now.date().replace(day=1), defaults={"assembled_at": now}
    )
    return report.public_id


def _movement(w: World) -> uuid.UUID:
    """Money moved from Tirzas to Lizuma by Gulbene's coordinator."""
    budgets = [
        budget_set(actor=w.coordinator_gulbene, school_year=w.year, activity=1, institution=s, amount_cents=1000)
        for s in (w.tirzas, w.lizuma)
    ]
    return budget_move(
        actor=w.coordinator_gulbene, source=budgets[0], target=budgets[1], amount_cents=100, reason="Test"
    ).public_id


# For each URL name with a uuid argument: (an object of hers, an object outside her scope).
# None: she has no object of that kind at all (a class teacher imports nothing).
OBJECTS: dict[str, Callable[[World], tuple[uuid.UUID | None, uuid.UUID]]] = {
    "pupil_detail": lambda w: (w.pupil_lizuma.public_id, w.pupil_tirzas.public_id),
    # Break-the-glass is for the roles that see counts only: a class teacher opens nobody's record.
    "emergency_access": lambda w: (None, w.pupil_tirzas.public_id),
    "class_detail": lambda w: (w.lizuma_7a.public_id, w.tirzas_7a.public_id),
    "institution_detail": lambda w: (w.lizuma.public_id, w.tirzas.public_id),
    "municipality_detail": lambda w: (w.gulbene.public_id, w.madona.public_id),
    **{
        name: lambda w: (None, _batch(w.coordinator_tirzas, w.tirzas))
        for name in ("import_detail", "import_apply", "import_errors")
    },
    # Only a school coordinator switches notices; a class teacher has no school to switch.
    "notice_same_day_setting": lambda w: (None, w.tirzas.public_id),
    # Only a municipality coordinator sets thresholds.
    "risk_thresholds": lambda w: (None, w.madona.public_id),
    "questionnaire_pupil": lambda w: (w.pupil_lizuma.public_id, w.pupil_tirzas.public_id),
    "questionnaire_assessment": lambda w: (
        _assessment(w.teacher_lizuma, w.pupil_lizuma),
        _assessment(w.teacher_tirzas, w.pupil_tirzas),
    ),
    # Instruments are the national programme's to manage; a class teacher has none to open.
    "questionnaire_instrument_detail": lambda w: (None, default_instrument().public_id),
    # Counts of her municipality's schools she may read; Madona's do not exist for her.
    "risk_municipality": lambda w: (w.gulbene.public_id, w.madona.public_id),
    # POST only: her own flag answers 405 to GET (tested in risk/tests), another school's 404.
    "flag_decide": lambda w: (None, _flag(w.pupil_tirzas)),
    "capacity_update": lambda w: (None, w.tirzas.public_id),
    # The absence follow-up is the municipality's; a class teacher follows up nobody.
    "risk_absence_follow_up": lambda w: (None, w.pupil_tirzas.public_id),
    # Individual support: cases, plans, consents and deliveries of the pupils she teaches.
    **SUPPORT_OBJECTS,
    "support_pupil:timeline": lambda w: (w.pupil_lizuma.public_id, w.pupil_tirzas.public_id),
    "support_pupil:plan_print": lambda w: (
        _plan(w.teacher_lizuma, w.pupil_lizuma).public_id,
        _tirzas_plan(w),
    ),
    # Low-income statuses are recorded by coordinators; a class teacher has no such page.
    "support_pupil:low_income": lambda w: (None, w.pupil_tirzas.public_id),
    # The catalogue is the national programme's to change.
    "support_catalogue:measure_change": lambda w: (None, Measure.objects.first().public_id),  # type: ignore[union-attr]  # the catalogue is loaded by migration
    # Staff are managed by coordinators and directors; a class teacher manages nobody.
    **{name: lambda w: (None, w.tirzas.public_id) for name in ("staff_school", "staff_school_invite")},
    **{name: lambda w: (None, w.madona.public_id) for name in ("staff_municipality", "staff_municipality_invite")},
    **{
        name: lambda w: (None, w.teacher_tirzas.public_id)
        for name in ("staff_person", "staff_revoke", "staff_reinvite", "staff_deactivate")
    },
    # Her own work phone she sets herself (issue 13); a colleague's only whoever manages staff.
    "staff_phone": lambda w: (w.teacher_lizuma.public_id, w.teacher_tirzas.public_id),
    "class_teacher": lambda w: (None, w.tirzas_7a.public_id),
    # Youth initiative calls are the municipality's: a class teacher has none.
    **{
        name: lambda w: (None, _gulbene_call(w))
        for name in (*YOUTH_CALL_URLS, "youth:call_evaluate", "youth:call_close")
    },
    **{name: lambda w: (None, _gulbene_application(w)) for name in YOUTH_APPLICATION_URLS},
    "api:youth_call": lambda w: (None, _gulbene_call(w)),
    **{name: lambda w: (None, _gulbene_training(w)) for name in TRAINING_URLS},
    # The library has no scope: nothing in it is outside hers, so only an unknown id is a 404; she
    # adds no versions, and a link version has no file to download.
    "materials:material": lambda w: (_library_material(w), uuid.uuid4()),
    **{name: lambda w: (None, uuid.uuid4()) for name in ("materials:version_add", "materials:version_file")},
    # Money is seen by coordinators, directors and the municipality, never by a class teacher.
    **{
        name: lambda w: (None, _report(w.tirzas))
        for name in (
            "finance_report",
            "finance_report_action",
            "finance_report_print",
            "finance_report_xlsx",
            "finance_report_csv",
            "api:report",
        )
    },
    "finance_movement_reverse": lambda w: (None, _movement(w)),
    # The dashboards are for coordinators, directors, the municipality and the country.
    **{name: lambda w: (None, w.tirzas.public_id) for name in ("reporting:school", "reporting:school_pupils")},
    "reporting:municipality": lambda w: (None, w.madona.public_id),
    # The API answers a signed-in session exactly as it answers a token of the same user.
    "api:case": lambda w: (_case(w.teacher_lizuma, w.pupil_lizuma).public_id, _tirzas_case(w)),
    "api:case_plans": lambda w: (_case(w.teacher_lizuma, w.pupil_lizuma).public_id, _tirzas_case(w)),
    **{
        name: lambda w: (_plan(w.teacher_lizuma, w.pupil_lizuma).public_id, _tirzas_plan(w))
        for name in ("api:plan", "api:plan_transitions", "api:plan_deliveries")
    },
}
# Objects in her own school or municipality that are still not hers.
NEIGHBOURS: dict[str, Callable[[World], uuid.UUID]] = {
    "notice_same_day_setting": lambda w: w.lizuma.public_id,
    "risk_thresholds": lambda w: w.gulbene.public_id,
    "flag_decide": lambda w: _flag(w.pupil_lizuma_8a),
    "capacity_update": lambda w: w.lizuma.public_id,  # a class teacher does not set the school's capacity
    "risk_absence_follow_up": lambda w: w.pupil_lizuma.public_id,  # her own pupil: still not her task
    "pupil_detail": lambda w: w.pupil_lizuma_8a.public_id,
    "class_detail": lambda w: w.lizuma_8a.public_id,
    **{
        name: lambda w: _batch(w.coordinator_lizuma, w.lizuma)
        for name in ("import_detail", "import_apply", "import_errors")
    },
    "questionnaire_pupil": lambda w: w.pupil_lizuma_8a.public_id,
    "questionnaire_assessment": lambda w: _assessment(w.teacher_lizuma_8a, w.pupil_lizuma_8a),
    **SUPPORT_NEIGHBOURS,
    "support_pupil:timeline": lambda w: w.pupil_lizuma_8a.public_id,
    "support_pupil:plan_print": _lizuma_8a_plan,
    "support_pupil:low_income": lambda w: w.pupil_lizuma.public_id,
    **{name: lambda w: w.lizuma.public_id for name in ("staff_school", "staff_school_invite")},
    **{name: lambda w: w.gulbene.public_id for name in ("staff_municipality", "staff_municipality_invite")},
    **{
        name: lambda w: w.teacher_lizuma_8a.public_id
        for name in ("staff_person", "staff_revoke", "staff_reinvite", "staff_deactivate")
    },
    "staff_phone": lambda w: w.teacher_lizuma_8a.public_id,
    "class_teacher": lambda w: w.lizuma_7a.public_id,
    **{name: lambda w: w.lizuma.public_id for name in ("reporting:school", "reporting:school_pupils")},
    "reporting:municipality": lambda w: w.gulbene.public_id,
    **{
        name: lambda w: _report(w.lizuma)
        for name in (
            "finance_report",
            "finance_report_action",
            "finance_report_print",
            "finance_report_xlsx",
            "finance_report_csv",
            "api:report",
        )
    },
    "api:case": _lizuma_8a_case,
    "api:case_plans": _lizuma_8a_case,
    **{name: _lizuma_8a_plan for name in ("api:plan", "api:plan_transitions", "api:plan_deliveries")},
}


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace, entry


def uuid_patterns() -> list[tuple[str, str]]:
    """(name with its namespace, route) of every URL pattern that takes a uuid argument."""
    found = []
    for route, namespace, entry in _walk(get_resolver().url_patterns):
        converters = getattr(entry.pattern, "converters", {})
        if any(isinstance(c, UUIDConverter) for c in converters.values()) or "uuid" in route:
            found.append((f"{namespace}{entry.name}" if entry.name else route, route))
    return found


def _reader(client: Client, name: str) -> Callable[[str], HttpResponse]:
    """GET, or POST for the pages that only take a form (they answer any GET with 405)."""
    if client.get(reverse(name, args=[uuid.uuid4()])).status_code == 405:
        return client.post
    return client.get


def test_every_uuid_pattern_is_known_to_this_test() -> None:
    patterns = uuid_patterns()
    assert patterns, "the resolver walk found no uuid pattern at all"
    unknown = [route for name, route in patterns if name not in OBJECTS]
    assert not unknown, f"teach test_scope_urls.OBJECTS how to fill: {unknown}"


def test_every_support_uuid_url_is_walked() -> None:
    # support/tests/test_views_scope walks the plain support pages; the namespaced ones (timeline,
    # print, catalogue) are walked here.
    names = {name for name, _ in uuid_patterns() if name.startswith("support_") and ":" not in name}
    assert names == set(SUPPORT_OBJECTS)


@pytest.mark.parametrize("name", sorted({name for name, _ in uuid_patterns()}))
def test_lizuma_teacher_gets_404_outside_her_scope_and_200_inside(world: World, name: str) -> None:
    if name not in OBJECTS:
        pytest.fail(f"no way to fill the uuid of URL {name!r}: add it to OBJECTS")
    client = Client()
    client.force_login(world.teacher_lizuma)
    own, foreign = OBJECTS[name](world)
    if own is not None:
        assert client.get(reverse(name, args=[own])).status_code == 200
    read = _reader(client, name)
    assert read(reverse(name, args=[foreign])).status_code == 404
    assert read(reverse(name, args=[uuid.uuid4()])).status_code == 404
    if name in NEIGHBOURS:
        assert read(reverse(name, args=[NEIGHBOURS[name](world)])).status_code == 404


def test_tirzas_teacher_cannot_see_lizuma_either(world: World) -> None:
    client = Client()
    client.force_login(world.teacher_tirzas)
    for name, objects in OBJECTS.items():
        lizuma_side, _ = objects(world)
        if name in {"municipality_detail", "risk_municipality", "materials:material"} or lizuma_side is None:
            continue  # Gulbene is her municipality too; the materials library is everyone's
        assert _reader(client, name)(reverse(name, args=[lizuma_side])).status_code == 404, name
    # Lizuma objects that are not Ilze's either, such as the files Lizuma's coordinator imported.
    for name, neighbour in NEIGHBOURS.items():
        assert _reader(client, name)(reverse(name, args=[neighbour(world)])).status_code == 404, name
