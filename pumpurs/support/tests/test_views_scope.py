"""Every support page that names an object, walked by the Lizuma class teacher: Tirzas's case,
plan, consent and delivery do not exist for her (404 whatever the method), nor does the case of
Roberts (Lizuma 8.a, not her class). ``SUPPORT_OBJECTS`` / ``SUPPORT_NEIGHBOURS`` have the shape
of ``world/tests/test_scope_urls.OBJECTS`` / ``NEIGHBOURS`` so that test can take them in."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.people.models import Pupil, Role, User
from pumpurs.support.delivery import consultation_record
from pumpurs.support.models import Case, Consent, Delivery, Plan, PlanStatus
from pumpurs.support.plans import plan_submit
from pumpurs.support.testing import approve_all, draft_plan, measure, open_case
from pumpurs.world.personas import World, make_user

pytestmark = pytest.mark.django_db


def _case(actor: User, pupil: Pupil) -> Case:
    return Case.objects.filter(pupil=pupil).first() or open_case(actor, pupil)


def _plan(actor: User, pupil: Pupil) -> Plan:
    case = _case(actor, pupil)
    return Plan.objects.filter(case=case).first() or draft_plan(actor, case)


def _tirzas_delivery(w: World) -> uuid.UUID:
    """A consultation under an active Tirzas plan (approved by a Tirzas director made for it)."""
    found = Delivery.objects.filter(line__plan__case__pupil=w.pupil_tirzas).first()
    if found is not None:
        return found.public_id
    plan = _plan(w.teacher_tirzas, w.pupil_tirzas)
    director = make_user("rasma.tiruma", "Rasma", "Tīruma", {"role": Role.DIRECTOR, "institution": w.tirzas})
    plan = approve_all(plan_submit(actor=w.teacher_tirzas, plan=plan), director, w.coordinator_gulbene, w.national)
    assert plan.status == PlanStatus.ACTIVE
    return consultation_record(
        actor=w.teacher_tirzas,
        plan=plan,
        measure=measure("consult-psychologist"),
        held_on=timezone.localdate(),
        minutes=30,
        specialist=w.teacher_tirzas,
        mode="remote",
        topic="Saruna",
    ).public_id


def _tirzas_consent(w: World) -> uuid.UUID:
    return Consent.objects.get(case=_case(w.teacher_tirzas, w.pupil_tirzas)).public_id


def _tirzas_case(w: World) -> uuid.UUID:
    return _case(w.teacher_tirzas, w.pupil_tirzas).public_id


def _tirzas_plan(w: World) -> uuid.UUID:
    return _plan(w.teacher_tirzas, w.pupil_tirzas).public_id


_POST_ON_CASE = (
    "support_consent_add",
    "support_team_add",
    "support_team_remove",
    "support_contact_add",
    "support_case_close",
    "support_case_reopen",
    "support_plan_start",
)
_POST_ON_PLAN = (
    "support_plan_transition",
    "support_consultation_add",
    "support_compensation_add",
    "support_plan_materials",
)

_GET_ONLY = {"support_case", "support_plan", "support_consent_document", "support_delivery_evidence"}

# (an object of Ilze's that answers 200 to GET, or None; an object of Tirzas).
SUPPORT_OBJECTS: dict[str, Callable[[World], tuple[uuid.UUID | None, uuid.UUID]]] = {
    "support_case_open": lambda w: (w.pupil_lizuma.public_id, w.pupil_tirzas.public_id),
    "support_case": lambda w: (_case(w.teacher_lizuma, w.pupil_lizuma).public_id, _tirzas_case(w)),
    "support_plan": lambda w: (_plan(w.teacher_lizuma, w.pupil_lizuma).public_id, _tirzas_plan(w)),
    "support_plan_edit": lambda w: (_plan(w.teacher_lizuma, w.pupil_lizuma).public_id, _tirzas_plan(w)),
    # The review of a draft redirects to the plan; Tirzas's answers 404.
    "support_review": lambda w: (None, _tirzas_plan(w)),
    **{name: (lambda w: (None, _tirzas_case(w))) for name in _POST_ON_CASE},
    **{name: (lambda w: (None, _tirzas_plan(w))) for name in _POST_ON_PLAN},
    "support_consent_withdraw": lambda w: (None, _tirzas_consent(w)),
    "support_consent_document": lambda w: (None, _tirzas_consent(w)),
    "support_delivery_confirm": lambda w: (None, _tirzas_delivery(w)),
    "support_delivery_evidence": lambda w: (None, _tirzas_delivery(w)),
    "support_delivery_void": lambda w: (None, _tirzas_delivery(w)),
    # The year-end rollover is the school coordinator's: a class teacher has no school to move.
    "support_rollover": lambda w: (None, w.tirzas.public_id),
    # Taking over a case is for a case waiting for one's own school: Tirzas's own is none.
    "support_handover_accept": lambda w: (None, _tirzas_case(w)),
}


def _lizuma_8a_case(w: World) -> uuid.UUID:
    return _case(w.teacher_lizuma_8a, w.pupil_lizuma_8a).public_id


def _lizuma_8a_plan(w: World) -> uuid.UUID:
    return _plan(w.teacher_lizuma_8a, w.pupil_lizuma_8a).public_id


# Lizuma objects that are still not hers: Roberts is in 8.a.
SUPPORT_NEIGHBOURS: dict[str, Callable[[World], uuid.UUID]] = {
    "support_case_open": lambda w: w.pupil_lizuma_8a.public_id,
    "support_case": _lizuma_8a_case,
    "support_plan": _lizuma_8a_plan,
    "support_plan_edit": _lizuma_8a_plan,
    "support_review": _lizuma_8a_plan,
    **{name: _lizuma_8a_case for name in _POST_ON_CASE},
    **{name: _lizuma_8a_plan for name in _POST_ON_PLAN},
    "support_rollover": lambda w: w.lizuma.public_id,
}


@pytest.mark.parametrize("name", sorted(SUPPORT_OBJECTS))
def test_lizuma_teacher_gets_404_outside_her_scope(world: World, name: str) -> None:
    client = Client()
    client.force_login(world.teacher_lizuma)
    own, foreign = SUPPORT_OBJECTS[name](world)
    if own is not None:
        assert client.get(reverse(name, args=[own])).status_code == 200
    # GET-only pages answer 405 to POST before looking anything up: the same for every id.
    methods = (client.get,) if name in _GET_ONLY else (client.get, client.post)
    for method in methods:
        assert method(reverse(name, args=[foreign])).status_code == 404
        assert method(reverse(name, args=[uuid.uuid4()])).status_code == 404
        if name in SUPPORT_NEIGHBOURS:
            assert method(reverse(name, args=[SUPPORT_NEIGHBOURS[name](world)])).status_code == 404
