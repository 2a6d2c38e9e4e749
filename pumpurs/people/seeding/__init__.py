"""Deterministic synthetic data: the Gulbene demo and a country-sized data set.

``seed_apply`` fills an empty database (no institutions) in one transaction and writes one audit
event, ``people.seed.applied``. The same preset, seed and date always give the same rows — public
UUIDs included; only the ciphertext of personal codes (random IV by design) and timestamps differ.
Every account's password is ``demo``. Nothing in here describes a real person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pumpurs.audit.services import audit_record
from pumpurs.people.actors import SystemActor
from pumpurs.people.calendar import school_year_on, school_years_ensure
from pumpurs.people.models import Institution, Role
from pumpurs.people.seeding.common import DEMO_PASSWORD, Builder

PRESETS = ("gulbene", "national")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role_label: str | Promise
    scope_label: str | Promise


def demo_accounts() -> list[DemoAccount]:
    """One login per role of the Gulbene demo, in the order `pumpurs demo` prints them."""
    lizuma = "Lizuma pamatskola"  # a proper name: the same in every language
    return [
        DemoAccount("lizums.audzinataja", Role.CLASS_TEACHER.label, gettext_lazy("Lizuma pamatskola, class 7.")),
        DemoAccount("lizums.psihologs", gettext_lazy("specialist (psychologist)"), lizuma),
        DemoAccount("lizums.koordinators", Role.SCHOOL_COORDINATOR.label, lizuma),
        DemoAccount("lizums.direktors", Role.DIRECTOR.label, lizuma),
        DemoAccount("tirza.audzinataja", Role.CLASS_TEACHER.label, gettext_lazy("Tirzas pamatskola, class 7.")),
        DemoAccount("gulbene.koordinators", Role.MUNICIPALITY_COORDINATOR.label, gettext_lazy("Gulbenes novads")),
        DemoAccount("ikvd.programma", Role.NATIONAL_PROGRAMME.label, gettext_lazy("whole country")),
        DemoAccount("dati.aizsardziba", Role.DATA_PROTECTION_OFFICER.label, gettext_lazy("whole country")),
        DemoAccount("sistema.admins", Role.SYSTEM_ADMIN.label, gettext_lazy("whole country")),
    ]


@transaction.atomic
def seed_apply(*, preset: str, seed: int, today: dt.date, pupils: int | None = None) -> dict[str, int]:
    """Create a preset's synthetic data and return row counts per table.

    Invariants: refuses a database that already has institutions (seeding is for a fresh
    installation, never a merge); all or nothing; one audit event. Inverse: none — start again
    from an empty database.
    """
    if preset not in PRESETS:
        raise ValidationError(_("Unknown preset %(preset)s.") % {"preset": preset}, code="seed_preset")
    if Institution.objects.exists():
        raise ValidationError(
            _(
                "The database already has institutions; seeding only fills an empty database. "
                "Point DATABASE_URL at a new database (or delete the SQLite file) and run `pumpurs migrate` first."
            ),
            code="seed_not_empty",
        )
    if pupils is not None and preset != "national":
        raise ValidationError(_("--pupils applies only to the national preset."), code="seed_pupils")
    school_years_ensure(today=today)
    year = school_year_on(today)
    if year is None:
        raise ValidationError(
            _("There is no school year on %(date)s; the first one seeded is 2024/25.") % {"date": today.isoformat()},
            code="seed_no_year",
        )
    builder = Builder(seed=seed, today=today, year=year)
    if preset == "gulbene":
        from pumpurs.people.seeding import gulbene

        gulbene.build(builder)
    else:
        from pumpurs.people.seeding import national

        national.build(builder, pupils=national.DEFAULT_PUPILS if pupils is None else pupils)
    counts = builder.write()
    audit_record(
        actor=SystemActor(name="system:seed"),
        action="people.seed.applied",
        data={"preset": preset, "seed": seed, "today": today.isoformat(), "school_year": year.name, "counts": counts},
    )
    return counts


__all__ = ["DEMO_PASSWORD", "PRESETS", "DemoAccount", "demo_accounts", "seed_apply"]
