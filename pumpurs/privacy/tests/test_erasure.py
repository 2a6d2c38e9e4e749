"""A pupil's erasure (decision 0040): the data protection officer, with a reason and a confirmation.

Anna's record has money on it (an approved plan, commitments, deliveries): she is pseudonymised —
name, code, guardians and free text go, and every sum of money is what it was. Jānis has a case
but no money: he is deleted. Either way the audit events about them are scrubbed, never deleted,
and the chain verifies (on PostgreSQL past the trigger, through the one sanctioned update)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Sum
from django.test import Client
from django.urls import reverse

from pumpurs.audit.chain import chain_verify
from pumpurs.audit.models import AuditEvent
from pumpurs.finance.models import Commitment, DeliveredMonth, ExpenseLine
from pumpurs.finance.tests.test_delivered import anna, psychologist_rate, session, trip
from pumpurs.people.models import Guardian, Pupil
from pumpurs.privacy.erasure import ERASED, Mode, erasure_preview, is_erased, pupil_erase
from pumpurs.privacy.subject_access import collect
from pumpurs.privacy.tests.test_subject_access import client_for
from pumpurs.support.models import Case, Delivery
from pumpurs.support.testing import open_case
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db
REASON = "Mātes pieprasījums 2026-11-10, Nr. 12"


def money_totals() -> dict[str, Any]:
    """Every sum public money is accounted by: deliveries, commitments, the rollup, expense lines."""
    totals: dict[str, Any] = dict(Delivery.objects.aggregate(n=Count("pk"), amount=Sum("amount"), qty=Sum("quantity")))
    for model in (Commitment, DeliveredMonth, ExpenseLine):
        numeric = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.IntegerField | models.DecimalField) and not f.is_relation and not f.primary_key
        ]
        name = model._meta.model_name
        totals |= model._default_manager.aggregate(
            **{f"{name}_{n}": Sum(n) for n in numeric}, **{f"{name}_rows": Count("pk")}
        )
    return totals


@pytest.fixture
def with_money(world: World) -> World:
    psychologist_rate(world)
    plan = anna(world)
    trip(world, plan, "3.00")
    session(world, plan, 45)
    teacher = client_for(world.teacher_lizuma)
    teacher.get(reverse("pupil_detail", args=[world.pupil_lizuma.public_id]))
    return world


def test_a_record_money_rests_on_is_pseudonymised_and_every_euro_stays(with_money: World) -> None:
    world = with_money
    pupil = world.pupil_lizuma
    before = money_totals()
    assert before["n"] == 2
    assert before["commitment_rows"] >= 1
    about = AuditEvent.objects.filter(pupil_id=pupil.pk).count()
    assert erasure_preview(pupil).mode == Mode.PSEUDONYMISED

    result = pupil_erase(actor=world.dpo, pupil=pupil, reason=REASON)

    assert result.mode == Mode.PSEUDONYMISED
    assert result.events == about
    assert money_totals() == before
    pupil.refresh_from_db()
    assert is_erased(pupil)
    assert "Anna" not in str(pupil)
    assert pupil.personal_code == ""
    assert (pupil.birth_date.month, pupil.birth_date.day) == (1, 1)
    assert not Guardian.objects.filter(pupil=pupil).exists()
    assert not pupil.enrolments.exists()
    case = Case.objects.get(pupil=pupil)
    assert case.reason == ""
    assert case.pseudonymised_at is not None
    assert set(Delivery.objects.filter(line__plan__case=case).values_list("topic", flat=True)) == {""}
    left = json.dumps(
        [
            [str(getattr(o, f.attname)) for f in k.model._meta.concrete_fields]
            for k in collect(pupil)
            for o in k.objects
        ],
        ensure_ascii=False,
    )
    for detail in ("Anna", "Motivācija", "Daudz neattaisnotu", "Inga", "vecaks@example.lv"):
        assert detail not in left, detail
    scrubbed = AuditEvent.objects.filter(pupil_id=pupil.pk).exclude(action=ERASED)
    assert scrubbed.count() == about
    assert not scrubbed.filter(scrubbed_at__isnull=True).exists()
    erased = AuditEvent.objects.get(action=ERASED)
    assert erased.actor == world.dpo
    assert erased.data["reason"] == REASON
    assert erased.data["mode"] == "pseudonymised"
    verdict = chain_verify()
    assert verdict.intact
    assert verdict.scrubbed == about


def test_a_record_without_money_is_deleted_and_the_trail_stays_scrubbed(world: World) -> None:
    pupil = world.pupil_tirzas
    open_case(world.coordinator_tirzas, pupil)
    client_for(world.teacher_tirzas).get(reverse("pupil_detail", args=[pupil.public_id]))
    about = AuditEvent.objects.filter(pupil_id=pupil.pk).count()
    assert about >= 2

    result = pupil_erase(actor=world.dpo, pupil=pupil, reason=REASON)

    assert result.mode == Mode.DELETED
    assert not Pupil.objects.filter(pk=pupil.pk).exists()
    assert not Case.objects.filter(pupil_id=pupil.pk).exists()
    assert AuditEvent.objects.filter(pupil_id=pupil.pk).count() == about + 1, "never deleted"
    assert not AuditEvent.objects.filter(pupil_id=pupil.pk, scrubbed_at__isnull=True).exclude(action=ERASED).exists()
    assert chain_verify().intact


def test_refusals_change_nothing(world: World) -> None:
    pupil = world.pupil_lizuma
    events, guardians = AuditEvent.objects.count(), Guardian.objects.filter(pupil=pupil).count()
    for person in (world.coordinator_lizuma, world.national, world.admin, world.director_lizuma):
        with pytest.raises(PermissionDenied):
            pupil_erase(actor=person, pupil=pupil, reason=REASON)
    with pytest.raises(ValidationError) as error:
        pupil_erase(actor=world.dpo, pupil=pupil, reason="jo  ")
    assert "reason" in error.value.message_dict
    assert AuditEvent.objects.count() == events
    pupil.refresh_from_db()
    assert pupil.first_name == "Anna"
    assert Guardian.objects.filter(pupil=pupil).count() == guardians


def test_a_record_is_erased_once(with_money: World) -> None:
    pupil = with_money.pupil_lizuma
    pupil_erase(actor=with_money.dpo, pupil=pupil, reason=REASON)
    with pytest.raises(ValidationError):
        pupil_erase(actor=with_money.dpo, pupil=Pupil.objects.get(pk=pupil.pk), reason=REASON)
    assert AuditEvent.objects.filter(action=ERASED).count() == 1


def test_the_pages_are_the_dpos_alone(world: World) -> None:
    code = world.pupil_lizuma.personal_code
    for person in (
        world.teacher_lizuma,
        world.specialist_lizuma,
        world.coordinator_lizuma,
        world.director_lizuma,
        world.coordinator_gulbene,
        world.national,
        world.admin,
        world.nobody,
    ):
        client = client_for(person)
        assert client.get(reverse("retention")).status_code == 404, person
        assert client.post(reverse("pupil_erasure"), {"personal_code": code}).status_code == 404, person
    assert Pupil.objects.get(pk=world.pupil_lizuma.pk).first_name == "Anna"
    assert Client().get(reverse("retention")).status_code in (302, 404)


def test_the_dpo_confirms_with_a_reason_on_the_page(world: World) -> None:
    dpo = client_for(world.dpo)
    page = dpo.get(reverse("retention"))
    assert page.status_code == 200
    assert "PUMPURS_RETENTION_CLOSED_CASE_DAYS" in page.content.decode()
    confirm = dpo.post(reverse("pupil_erasure"), {"personal_code": world.pupil_tirzas.personal_code})
    assert confirm.status_code == 200
    assert world.pupil_tirzas.personal_code not in confirm.content.decode()
    token = confirm.context["form"].initial["token"]
    unconfirmed = dpo.post(reverse("pupil_erasure"), {"token": token, "reason": REASON})
    assert unconfirmed.status_code == 200
    assert Pupil.objects.filter(pk=world.pupil_tirzas.pk).exists()
    stranger = client_for(world.teacher_lizuma)
    assert (
        stranger.post(reverse("pupil_erasure"), {"token": token, "reason": REASON, "confirm": "on"}).status_code == 404
    )
    done = dpo.post(reverse("pupil_erasure"), {"token": token, "reason": REASON, "confirm": "on"})
    assert done.status_code == 302
    assert not Pupil.objects.filter(pk=world.pupil_tirzas.pk).exists()


def test_an_unknown_code_is_a_field_error(world: World) -> None:
    response = client_for(world.dpo).post(reverse("pupil_erasure"), {"personal_code": "010101-10000"})
    assert response.status_code == 400
    assert "field--error" in response.content.decode()
    assert Pupil.objects.count() == 4


def test_the_page_speaks_latvian(world: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="lv")
    client.force_login(world.dpo)
    page = client.get(reverse("retention")).content.decode()
    assert "Glabāšana un dzēšana" in page
    assert "Bijušo skolēnu riska dati" in page
    assert "Dzēst viena skolēna datus" in page


def test_a_row_another_record_protects_is_pseudonymised_when_it_cannot_be_deleted(world: World) -> None:
    """Jānis has no money on his record, but his plan's semester review rests on his questionnaire
    (``Review.assessment`` is ``PROTECT``): deleting him is refused by the database layer, so the
    erasure falls back to pseudonymising — the rows stay, the person goes, nothing half-done."""
    from django.utils import timezone

    from pumpurs.risk.models import Assessment, Instrument
    from pumpurs.support.models import Review
    from pumpurs.support.testing import draft_plan, period_on

    pupil = world.pupil_tirzas
    case = open_case(world.coordinator_tirzas, pupil)
    plan = draft_plan(world.coordinator_tirzas, case)
    questionnaire = Assessment.objects.create(
        pupil=pupil,
        period=period_on(world.today),
        instrument=Instrument.objects.order_by("pk").first(),
        created_by=world.teacher_tirzas,
        status=Assessment.Status.SUBMITTED,
    )
    Review.objects.create(
        plan=plan,
        assessment=questionnaire,
        decision=Review.Decision.CONTINUE,
        summary="Jānis atkal kavē pirmdienās",
        reviewed_by=world.coordinator_tirzas,
        reviewed_at=timezone.now(),
    )
    assert not erasure_preview(pupil).money, "no money: the erasure first tries to delete"

    result = pupil_erase(actor=world.dpo, pupil=pupil, reason=REASON)

    assert result.mode == Mode.PSEUDONYMISED
    pupil.refresh_from_db()
    assert is_erased(pupil)
    assert (pupil.first_name, pupil.gender) == ("—", Pupil.Gender.UNKNOWN)
    assert "Jānis" not in pupil.last_name
    review = Review.objects.get(plan=plan)
    assert review.assessment_id == questionnaire.pk, "the protected row and the row protecting it stay"
    assert review.summary == ""
    assert not Guardian.objects.filter(pupil=pupil).exists()
    erased = AuditEvent.objects.get(action=ERASED, pupil_id=pupil.pk)
    assert erased.data["mode"] == Mode.PSEUDONYMISED
    assert chain_verify().intact
