"""Trap 11b (issue 13): 95 notices to one municipality coordinator in one minute are one e-mail,
a digest that links each pupil; later ones within the window wait and then go together."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import Guardian, Period, Pupil
from pumpurs.risk.models import Flag, Notice
from pumpurs.risk.notices import guardian_notice, notices_queue, notices_send, threshold_notices_create
from pumpurs.risk.tests.watch_factories import add_pupil
from pumpurs.world.personas import World


def crossed(world: World, pupils: list[Pupil]) -> Period:
    period = Period.objects.filter(school_year=world.year).order_by("number").first()
    assert period is not None
    now = timezone.now()
    Flag.objects.bulk_create(
        Flag(
            pupil=pupil,
            period=period,
            rule="unjustified_semester",
            rule_version="test",
            value=Decimal(23),
            threshold=Decimal(20),
            raised_at=now,
            last_seen_at=now,
        )
        for pupil in pupils
    )
    return period


def more_pupils(world: World, count: int) -> list[Pupil]:
    """``count`` more pupils of Anna's class at Lizuma (Gulbene)."""
    klass = world.pupil_lizuma.enrolments.get().class_group
    return [add_pupil(world, klass, f"Skolēns{n}", "Testa") for n in range(count)]


def test_ninety_five_threshold_notices_are_one_email_with_links(world: World) -> None:
    world.coordinator_gulbene.email = "inese@example.lv"
    world.coordinator_gulbene.save()
    pupils = [world.pupil_lizuma, *more_pupils(world, 94)]
    period = crossed(world, pupils)
    assert threshold_notices_create(period=period) == 95
    assert notices_send() == (95, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["inese@example.lv"]
    assert message.subject == "PuMPuRS: 95 paziņojumi"
    for pupil in pupils:
        assert f"http://localhost:8000{reverse('pupil_detail', args=[pupil.public_id])}" in message.body
    assert "Anna Kalniņa" in message.body
    assert Notice.objects.filter(status="sent").count() == 95
    assert AuditEvent.objects.filter(action="risk.notice.sent").count() == 95  # each pupil's trail still says so
    assert notices_send() == (0, 0)  # nothing twice
    assert len(mail.outbox) == 1


def absent_notice(guardian: Guardian, key: str) -> Notice:
    return guardian_notice(guardian, kind=Notice.Kind.SAME_DAY_ABSENCE, subject=f"s {key}", body=f"b {key}", key=key)


def test_within_the_window_new_notices_wait_then_go_together(world: World) -> None:
    mother = Guardian.objects.create(
        pupil=world.pupil_lizuma, first_name="Inga", last_name="Kalniņa", relation="mother", email="inga@example.lv"
    )
    other = Guardian.objects.create(
        pupil=world.pupil_tirzas, first_name="Zane", last_name="Bērziņa", relation="mother", email="zane@example.lv"
    )
    notices_queue([absent_notice(mother, "first")])
    assert notices_send() == (1, 0)
    assert [m.subject for m in mail.outbox] == ["s first"]  # one notice goes as itself, at once
    start = timezone.now()
    with time_machine.travel(start + dt.timedelta(minutes=3), tick=False):
        notices_queue([absent_notice(mother, "second"), absent_notice(mother, "third"), absent_notice(other, "z")])
        assert notices_send() == (1, 0)  # Zane's goes; Inga had one three minutes ago
        assert [m.to for m in mail.outbox[1:]] == [["zane@example.lv"]]
    with time_machine.travel(start + dt.timedelta(minutes=10, seconds=1), tick=False):
        assert notices_send() == (2, 0)
    digest = mail.outbox[2]
    assert digest.to == ["inga@example.lv"]
    assert digest.subject == "PuMPuRS: 2 paziņojumi"
    assert "1. s second" in digest.body
    assert "2. s third" in digest.body
    assert "http" not in digest.body  # a guardian has no login: no links to pages they cannot open


@override_settings(PUMPURS_NOTICE_DIGEST_MINUTES=0)
def test_a_zero_window_sends_at_once(world: World) -> None:
    mother = Guardian.objects.create(
        pupil=world.pupil_lizuma, first_name="Inga", last_name="Kalniņa", relation="mother", email="inga@example.lv"
    )
    notices_queue([absent_notice(mother, "first")])
    notices_send()
    notices_queue([absent_notice(mother, "second")])
    assert notices_send() == (1, 0)
    assert [m.subject for m in mail.outbox] == ["s first", "s second"]


def test_a_refused_digest_marks_every_notice_failed(world: World, settings: Any) -> None:
    """A refused digest counts as an attempt of every notice in it; after the last attempt
    (``PUMPURS_NOTICE_SEND_ATTEMPTS``, here 1) each one "could not be delivered"."""
    settings.PUMPURS_NOTICE_SEND_ATTEMPTS = 1
    mother = Guardian.objects.create(
        pupil=world.pupil_lizuma, first_name="Inga", last_name="Kalniņa", relation="mother", email="inga@example.lv"
    )
    notices_queue([absent_notice(mother, "a"), absent_notice(mother, "b")])
    with override_settings(MAILERS={"default": {"BACKEND": "pumpurs.risk.tests.test_digest.RefusingBackend"}}):
        assert notices_send() == (0, 2)
    assert set(Notice.objects.values_list("status", "error")) == {("failed", "refused")}


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses everything."""

    def send_messages(self, messages: object) -> int:
        raise OSError("refused")
