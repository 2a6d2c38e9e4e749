"""Two trainings for the Gulbene demo (issue 16): one the national team held two months ago,
remote, with Lizuma's and Tirzas's staff and a youth worker, attendance marked and certificates
ready; one Gulbene organises in two weeks, with its first registrations. And two materials of the
library (links, one in its second version).

Through the real services with the demo's users, at moments counted back (or on) from the seed's
``today`` (decision 0013). Deterministic: accounts in user-name order, fixed texts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from pumpurs.people.access import staff_of
from pumpurs.people.models import Institution, Municipality, Role, RoleGrant, User
from pumpurs.prevention import services
from pumpurs.prevention.materials import material_create, material_version_add
from pumpurs.prevention.models import Audience, Participant, Training


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _register(training: Training, registrar: User, school: Institution, count: int, now: dt.datetime) -> list[int]:
    staff = staff_of(school).exclude(pk=registrar.pk).order_by("username")[:count]
    return [
        services.participant_register_staff(
            actor=registrar, training=training, user=user, institution=school, now=now
        ).pk
        for user in staff
    ]


def prevention_seed(*, today: dt.date) -> dict[str, int]:
    gulbene = Municipality.objects.filter(code="gulbenes-novads").first()
    national = (
        User.objects.filter(pk__in=RoleGrant.objects.filter(role=Role.NATIONAL_PROGRAMME).values("user_id"))
        .order_by("username")
        .first()
    )
    coordinator = _user("gulbene.koordinators")
    lizuma = Institution.objects.filter(code="DEMO-LIZUMS").first()
    tirza = Institution.objects.filter(code="DEMO-TIRZA").first()
    liga, tirza_director = _user("lizums.koordinators"), _user("tirza.direktors")
    if (
        gulbene is None
        or national is None
        or coordinator is None
        or lizuma is None
        or tirza is None
        or liga is None
        or tirza_director is None
    ):
        return {}

    held_on = today - dt.timedelta(days=60)
    held = services.training_create(
        actor=national,
        municipality=None,
        title="Kā laikus pamanīt mācību pārtraukšanas riskus",
        topic="Riska pazīmes, sarunas ar skolēnu un ģimeni, sadarbība atbalsta komandā.",
        organiser="Izglītības kvalitātes valsts dienests",
        audience=Audience.TEACHERS,
        remote=True,
        place="",
        starts_on=held_on,
        ends_on=held_on,
        hours=Decimal(6),
        now=_at(held_on - dt.timedelta(days=21)),
    )
    registered = _at(held_on - dt.timedelta(days=14))
    present = _register(held, liga, lizuma, 3, registered) + _register(held, tirza_director, tirza, 2, registered)
    worker = services.participant_register_external(
        actor=national, training=held, name="Eva Zeltiņa", organisation="Gulbenes jauniešu centrs", now=registered
    )
    present.pop()  # one of Tirzas's staff was ill that day
    services.attendance_mark(actor=national, training=held, present={*present, worker.pk}, now=_at(held_on))

    soon = today + dt.timedelta(days=14)
    planned = services.training_create(
        actor=coordinator,
        municipality=gulbene,
        title="Sadarbība ar vecākiem, ja skolēns bieži kavē",
        topic="Kā runāt ar ģimeni par kavējumiem; pašvaldības atbalsta iespējas.",
        organiser="Gulbenes novada pašvaldība",
        audience=Audience.SPECIALISTS,
        remote=False,
        place="Gulbenes novada vidusskola",
        starts_on=soon,
        ends_on=soon,
        hours=Decimal(4),
        now=_at(today),
    )
    _register(planned, liga, lizuma, 2, _at(today))
    _materials(national, today)
    return {"trainings": 2, "participants": Participant.objects.filter(training__in=[held, planned]).count()}


def _materials(national: User, today: dt.date) -> None:
    guide = material_create(
        actor=national,
        municipality=None,
        title="Ceļvedis: kā runāt ar ģimeni par kavējumiem",
        description="Sarunas plāns, biežākie jautājumi un pašvaldības atbalsta iespējas.",
        language="lv",
        audience=Audience.TEACHERS,
        topics=["family", "learning"],
        file=None,
        url="https://www.pumpurs.lv/",
        now=_at(today - dt.timedelta(days=120)),
    )
    material_version_add(
        actor=national,
        material=guide,
        file=None,
        url="https://www.pumpurs.lv/",
        note="Papildināta nodaļa par attālinātām mācībām",
        now=_at(today - dt.timedelta(days=30)),
    )
    material_create(
        actor=national,
        municipality=None,
        title="Atbalsts skolēniem no trūcīgām ģimenēm",
        description="Kādus pasākumus var iekļaut atbalsta plānā un kā tos pamatot.",
        language="lv",
        audience=Audience.SPECIALISTS,
        topics=["economic"],
        file=None,
        url="https://www.pumpurs.lv/",
        now=_at(today - dt.timedelta(days=90)),
    )
