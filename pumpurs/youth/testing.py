"""A youth call built through the real services, for tests and the demo seed: Gulbene's call with
criteria, evaluators and applications (tests and ``world`` only)."""

from __future__ import annotations

import datetime as dt

from pumpurs.people.models import Municipality, User
from pumpurs.youth import services
from pumpurs.youth.models import Application, Call
from pumpurs.youth.services import ApplicationInput, Line

CRITERIA = [
    ("Atbilstība konkursa mērķim un jauniešu vajadzībām", 40),
    ("Aktivitāšu kvalitāte un jauniešu iesaiste", 35),
    ("Budžeta pamatotība", 25),
]


def a_call(*, actor: User, municipality: Municipality | None, now: dt.datetime, **changes: object) -> Call:
    values: dict[str, object] = {
        "title": "Jauniešu iniciatīvu projekti",
        "opens_on": now.date(),
        "closes_on": now.date() + dt.timedelta(days=30),
        "total_cents": 2_000_000,
        "max_per_project_cents": 460_000,
        "eligibility": "Biedrības, kas strādā ar jauniešiem, kopā ar jauniešu iniciatīvas grupu.",
        "criteria": CRITERIA,
    } | changes
    return services.call_create(actor=actor, municipality=municipality, now=now, **values)  # type: ignore[arg-type]


def an_application(
    *,
    actor: User,
    call: Call,
    now: dt.datetime,
    lines: list[tuple[str, int]] | None = None,
    requested_cents: int | None = None,
    **changes: object,
) -> Application:
    budget = [Line(item, cents) for item, cents in (lines or [("Materiāli", 120_000), ("Transports", 80_000)])]
    values: dict[str, object] = {
        "organisation": "Biedrība “Jaunieši Gulbenei”",
        "registration_number": "40008123456",
        "contact_name": "Marta Kļava",
        "contact_email": "marta@example.lv",
        "contact_phone": "+371 20000000",
        "youth_group": "Lizuma jauniešu iniciatīvas grupa",
        "title": "Pārgājienu klubs",
        "aims": "Iesaistīt jauniešus ārpusskolas aktivitātēs.",
        "activities": "Pārgājieni, orientēšanās, nometne.",
        "starts_on": now.date() + dt.timedelta(days=40),
        "ends_on": now.date() + dt.timedelta(days=120),
        "participants_expected": 15,
        "age_from": 13,
        "age_to": 18,
        "requested_cents": requested_cents if requested_cents is not None else sum(b.amount_cents for b in budget),
        "budget": budget,
    } | changes
    return services.application_enter(actor=actor, call=call, data=ApplicationInput(**values), now=now)  # type: ignore[arg-type]
