"""What the family gets: Anna Kalniņa's plan printed in plain Latvian, and her family's
low-income status recorded by the school coordinator.

The print names the family's and health risks only by their group, never the detail; a draft
prints with a "draft" watermark; Dace Kalna (Tirzas) gets 404. Only the school and municipality
coordinators record low-income statuses; the class teacher cannot even open the page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.people.staff import staff_phone_set
from pumpurs.support.models import LowIncomeStatus, Plan
from pumpurs.support.plans import GoalInput, MeasureInput, RiskInput, plan_create, plan_save
from pumpurs.support.testing import active_plan, measure, open_case, period_on
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

FAMILY_DETAIL = "Tēvs zaudējis darbu, vecāki šķiras"


def client_for(user, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def print_url(plan: Plan) -> str:
    return reverse("support_pupil:plan_print", args=[plan.public_id])


@pytest.fixture
def draft(world: World) -> Plan:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = plan_create(actor=world.teacher_lizuma, case=case, period=period_on(timezone.localdate()))
    return plan_save(
        actor=world.teacher_lizuma,
        plan=plan,
        expected_version=plan.version,
        contact_person="Ilze Ozola, klases audzinātāja, 29123456",
        risks=[
            RiskInput(group="learning", description="Neattaisnoti kavējumi"),
            RiskInput(group="family", description=FAMILY_DETAIL),
        ],
        goals=[GoalInput(text="Apmeklēt skolu regulāri", target="Ne vairāk kā 5 kavētas stundas mēnesī")],
        measures=[
            MeasureInput(measure=measure("consult-psychologist"), planned_quantity=10, provider=world.specialist_lizuma)
        ],
    )


def test_family_reads_the_plan_in_latvian_without_sensitive_detail(world: World, draft: Plan) -> None:
    response = client_for(world.teacher_lizuma, "en").get(print_url(draft))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="lv">' in html
    assert "Neattaisnoti kavējumi" in html
    assert FAMILY_DETAIL not in html
    assert "Apmeklēt skolu regulāri" in html
    assert "Ne vairāk kā 5 kavētas stundas mēnesī" in html
    assert measure("consult-psychologist").name in html
    assert world.specialist_lizuma.get_full_name() in html
    assert "29123456" in html
    assert 'media="print"' in html
    assert "print.css" in html
    assert 'class="watermark"' in html  # a draft says so in big letters
    for role in ("signature-table",):
        assert role in html


def test_the_print_gives_the_contacts_phone_and_e_mail(world: World, draft: Plan) -> None:
    """Ilze is the contact the plan names: the family can ring her, not only write (issue 13)."""
    before = client_for(world.teacher_lizuma, "en").get(print_url(draft)).content.decode()
    assert "tel:" not in before  # no phone given yet: nothing invented
    staff_phone_set(actor=world.teacher_lizuma, user=world.teacher_lizuma, phone="26123456")
    html = client_for(world.teacher_lizuma, "en").get(print_url(draft)).content.decode()
    assert 'tālrunis <a href="tel:+37126123456">+371 2612 3456</a>' in html


def test_an_approved_plan_prints_without_watermark_and_with_consent(world: World) -> None:
    plan = active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    html = client_for(world.director_lizuma).get(print_url(plan)).content.decode()
    assert 'class="watermark"' not in html
    assert timezone.localdate().strftime("%d.%m.%Y") in html  # the day the application was received
    assert "Ilze Ozola" in html


def test_print_is_audited_and_out_of_scope_is_404(world: World, draft: Plan) -> None:
    assert client_for(world.teacher_tirzas).get(print_url(draft)).status_code == 404
    assert client_for(world.teacher_lizuma_8a).get(print_url(draft)).status_code == 404
    assert client_for(world.coordinator_madona).get(print_url(draft)).status_code == 404
    client_for(world.coordinator_lizuma).get(print_url(draft))
    event = AuditEvent.objects.filter(action="people.pupil.viewed", object_id=str(draft.public_id)).get()
    assert event.pupil_id == world.pupil_lizuma.pk
    assert event.actor == world.coordinator_lizuma


# --- Low-income statuses ---------------------------------------------------------------------------


def low_income_url(world: World) -> str:
    return reverse("support_pupil:low_income", args=[world.pupil_lizuma.public_id])


def test_school_coordinator_records_a_status(world: World) -> None:
    client = client_for(world.coordinator_lizuma)
    assert client.get(low_income_url(world)).status_code == 200
    today = timezone.localdate()
    response = client.post(
        low_income_url(world),
        {
            "kind": "low_income",
            "valid_from": today.isoformat(),
            "valid_until": (today + dt.timedelta(days=180)).isoformat(),
            "source": "Gulbenes novada sociālais dienests, lēmums Nr. 12/2026",
        },
    )
    assert response.status_code == 302
    status = LowIncomeStatus.objects.get(pupil=world.pupil_lizuma)
    assert status.recorded_by == world.coordinator_lizuma
    html = client.get(low_income_url(world)).content.decode()
    assert "lēmums Nr. 12/2026" in html
    assert "valid today" in html


def test_a_status_without_source_or_backwards_is_refused_on_the_form(world: World) -> None:
    client = client_for(world.coordinator_gulbene)
    today = timezone.localdate()
    response = client.post(
        low_income_url(world),
        {
            "kind": "needy",
            "valid_from": today.isoformat(),
            "valid_until": (today - dt.timedelta(days=1)).isoformat(),
            "source": " ",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The end date is before the start date." in html
    assert not LowIncomeStatus.objects.exists()


def test_only_coordinators_reach_the_low_income_page(world: World) -> None:
    for user in (
        world.teacher_lizuma,
        world.director_lizuma,
        world.national,
        world.teacher_tirzas,
        world.coordinator_madona,
    ):
        assert client_for(user).get(low_income_url(world)).status_code == 404, user.username
