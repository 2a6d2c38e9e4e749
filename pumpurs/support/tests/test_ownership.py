"""A case belongs to the school that runs it (decision 0020, issue 17 H1), and moves with its
pupil only when the new school takes it over.

Anna Kalniņa (Lizuma 7.a) moves to Tirzas 7.a: Lizuma ends her enrolment as a transfer and
Tirzas enrols her. Māris Egle, Lizuma's psychologist, still sees Anna for a year
(decision 0003) — but not Tirzas's work on her."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.people import access
from pumpurs.people.models import Enrolment
from pumpurs.people.roster.entries import NotInScope
from pumpurs.people.services import enrolment_end, pupil_enrol
from pumpurs.support.cases import case_close, case_open, contact_log
from pumpurs.support.handover import case_handover_accept, handovers_waiting_for
from pumpurs.support.models import Case, CaseHandover, ContactEntry
from pumpurs.support.scope import cases_visible_to, plans_visible_to
from pumpurs.support.selectors import SupportLink, pupil_support_link
from pumpurs.support.testing import draft_plan, open_case
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def move_to_tirzas(world: World) -> None:
    """Anna moves from Lizuma to Tirzas today, as a transfer goes: Lizuma ends her enrolment
    yesterday ("transferred to another school"), Tirzas enrols her from today."""
    today = timezone.localdate()
    current = Enrolment.objects.get(pupil=world.pupil_lizuma, ends_on__isnull=True)
    enrolment_end(
        actor=world.coordinator_lizuma,
        enrolment=current,
        ends_on=today - dt.timedelta(days=1),
        reason=Enrolment.EndReason.TRANSFERRED,
    )
    pupil_enrol(actor=world.coordinator_tirzas, pupil=world.pupil_lizuma, class_group=world.tirzas_7a, starts_on=today)


def log(actor: Any, case: Case, summary: str) -> ContactEntry:
    return contact_log(actor=actor, case=case, happened_at=timezone.now(), channel="phone", summary=summary)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_old_schools_psychologist_gets_404_on_the_new_schools_case(world: World) -> None:
    move_to_tirzas(world)
    case = case_open(actor=world.teacher_tirzas, pupil=world.pupil_lizuma, reason="Neattaisnoti kavējumi")
    log(world.teacher_tirzas, case, "Runāju ar mammu")
    maris = world.specialist_lizuma

    # He still sees Anna herself (her former school follows up for a year)…
    assert access.can_see_pupil(maris, world.pupil_lizuma)
    # …but not the case Tirzas runs, nor its contacts, nor may he write into it.
    assert case not in cases_visible_to(maris)
    client = signed_in(maris)
    assert client.get(reverse("support_case", args=[case.public_id])).status_code == 404
    contact = {"happened_at": "2026-11-12T09:00", "channel": "phone", "summary": "x"}
    assert client.post(reverse("support_contact_add", args=[case.public_id]), contact).status_code == 404
    assert ContactEntry.objects.filter(case=case).count() == 1
    with pytest.raises(PermissionDenied):
        log(maris, case, "Ierakstu svešā lietā")
    # Anna's profile tells him another school runs her case, and offers no way in.
    link = pupil_support_link(maris, pupil=world.pupil_lizuma)
    assert link is not None
    assert (link.case, link.may_open, link.elsewhere) == (None, False, True)
    profile = signed_in(maris).get(reverse("pupil_detail", args=[world.pupil_lizuma.public_id]))
    assert "Skolēna atvērto atbalsta gadījumu vada cita skola." in profile.content.decode()
    assert reverse("support_case", args=[case.public_id]) not in profile.content.decode()
    # Nor does Lizuma open a second front: the case for a pupil at Tirzas is Tirzas's to open.
    case_close(actor=world.teacher_tirzas, case=case, reason="risk_reduced")
    with pytest.raises(PermissionDenied):
        case_open(actor=world.coordinator_lizuma, pupil=world.pupil_lizuma, reason="Mēs arī")
    assert pupil_support_link(world.coordinator_lizuma, pupil=world.pupil_lizuma) == SupportLink(None, False)
    assert pupil_support_link(world.coordinator_tirzas, pupil=world.pupil_lizuma) == SupportLink(None, True)
    # Tirzas's own people see it, as does the municipality over both schools.
    assert case in cases_visible_to(world.coordinator_tirzas)
    assert case in cases_visible_to(world.coordinator_gulbene)
    assert case not in cases_visible_to(world.coordinator_madona)


def test_the_school_that_ran_a_closed_case_still_reads_its_plan(world: World, settings: Any) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = draft_plan(world.teacher_lizuma, case)
    case_close(actor=world.coordinator_lizuma, case=case, reason="risk_reduced")
    move_to_tirzas(world)
    # Long after the pupil left, Lizuma no longer sees Anna — but what it did is still its own.
    settings.PUMPURS_FORMER_PUPIL_VISIBLE_DAYS = 0
    lizuma = world.coordinator_lizuma
    access.forget_cached_grants(lizuma)
    assert not access.can_see_pupil(lizuma, world.pupil_lizuma)
    assert plan in plans_visible_to(lizuma)
    client = signed_in(lizuma)
    assert client.get(reverse("support_plan", args=[plan.public_id])).status_code == 200
    assert client.get(reverse("support_case", args=[case.public_id])).status_code == 200
    # Tirzas, where she is now, never ran that case and does not read it.
    assert signed_in(world.coordinator_tirzas).get(reverse("support_plan", args=[plan.public_id])).status_code == 404


def test_a_case_is_handed_over_when_the_new_school_takes_it(world: World, clock: Any) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = draft_plan(world.teacher_lizuma, case)
    log(world.teacher_lizuma, case, "Lizumā: saruna ar mammu")
    # Tirzas cannot simply enrol a pupil who is enrolled at Lizuma: the move is the roster's.
    with pytest.raises(NotInScope) as refused:
        pupil_enrol(
            actor=world.coordinator_tirzas,
            pupil=world.pupil_lizuma,
            class_group=world.tirzas_7a,
            starts_on=timezone.localdate(),
        )
    assert refused.value.code == "pupil_out_of_scope"
    move_to_tirzas(world)

    # Waiting: Tirzas sees it handed over to them; Lizuma keeps running it until they accept.
    assert list(handovers_waiting_for(world.coordinator_tirzas)) == [case]
    assert not handovers_waiting_for(world.coordinator_lizuma).exists()
    assert not handovers_waiting_for(world.teacher_tirzas).exists()  # the coordinator decides
    log(world.coordinator_lizuma, case, "Lizuma vēl vada lietu")  # the coordinator changes any case (0022)
    with pytest.raises(PermissionDenied):
        log(world.coordinator_tirzas, case, "Vēl ne mūsu")
    with pytest.raises(PermissionDenied):
        case_handover_accept(actor=world.coordinator_lizuma, case=case)

    accepted_at = timezone.now()
    handover = case_handover_accept(actor=world.coordinator_tirzas, case=case, now=accepted_at)

    case.refresh_from_db()
    assert (case.institution, handover.from_institution, handover.to_institution) == (
        world.tirzas,
        world.lizuma,
        world.tirzas,
    )
    assert (handover.accepted_by, handover.accepted_at) == (world.coordinator_tirzas, accepted_at)
    event = AuditEvent.objects.get(action="support.case.handed_over")
    assert (event.actor_id, event.pupil_id, event.data) == (
        world.coordinator_tirzas.pk,
        world.pupil_lizuma.pk,
        {"from": world.lizuma.pk, "to": world.tirzas.pk},
    )
    # Lizuma's people left the team; the acceptor leads it. The plan and the log came along.
    assert {m.user for m in case.team.filter(removed_at__isnull=True)} == {world.coordinator_tirzas}
    assert plan in plans_visible_to(world.coordinator_tirzas)
    assert plan in plans_visible_to(world.teacher_tirzas)  # Anna is in her class now
    assert case.contacts.count() == 2
    assert not handovers_waiting_for(world.coordinator_tirzas).exists()
    with pytest.raises(ValidationError):
        case_handover_accept(actor=world.coordinator_tirzas, case=case)

    # Tirzas works on; Lizuma keeps reading what it did, not what Tirzas does, and writes nothing.
    clock.shift(dt.timedelta(minutes=5))
    new_plan_contact = log(world.coordinator_tirzas, case, "Tirzā: pirmā saruna")
    with pytest.raises(PermissionDenied):
        log(world.specialist_lizuma, case, "Lizuma vairs ne")
    assert case in cases_visible_to(world.specialist_lizuma)
    assert plan in plans_visible_to(world.specialist_lizuma)
    assert case not in cases_visible_to(world.specialist_lizuma, access.Perm.MANAGE_CASES)
    assert case not in cases_visible_to(world.teacher_lizuma)  # a class teacher follows her class only
    page = signed_in(world.specialist_lizuma).get(reverse("support_case", args=[case.public_id]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Lizumā: saruna ar mammu" in text
    assert new_plan_contact.summary not in text
    tirzas_page = signed_in(world.coordinator_tirzas).get(reverse("support_case", args=[case.public_id]))
    assert "Lizumā: saruna ar mammu" in tirzas_page.content.decode()
    assert new_plan_contact.summary in tirzas_page.content.decode()
    assert CaseHandover.objects.count() == 1


def test_the_handover_pages(world: World) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    move_to_tirzas(world)
    tirzas = signed_in(world.coordinator_tirzas)
    assert "support/handovers/" in tirzas.get(reverse("support_case_list")).content.decode()
    listing = tirzas.get(reverse("support_handovers"))
    assert listing.status_code == 200
    assert "Kalniņa" in listing.content.decode()
    # Lizuma may not take over what is waiting for Tirzas, nor can anyone without the permission.
    accept = reverse("support_handover_accept", args=[case.public_id])
    assert signed_in(world.coordinator_lizuma).post(accept).status_code == 404
    assert signed_in(world.coordinator_gulbene).get(reverse("support_handovers")).status_code == 404
    assert tirzas.get(accept).status_code == 405
    response = tirzas.post(accept)
    assert response.status_code == 302
    assert response["Location"] == reverse("support_case", args=[case.public_id])
    case.refresh_from_db()
    assert case.institution == world.tirzas
    assert tirzas.post(accept).status_code == 404
