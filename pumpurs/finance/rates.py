"""Rates: the unit price and caps of a measure on a day (issue 14).

The rate in force for a school of a municipality on a day is the municipality's own, where the
measure allows one and it has set one, else the national rate; none means "not set" (DESIGN §4:
unknown real rates are never invented). A new rate ends the one in force the day before, so the
history of prices stays readable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.finance.models import Rate
from pumpurs.finance.money import euros
from pumpurs.people.access import Perm, is_national, municipalities_visible_to
from pumpurs.people.actors import Actor, actor_user
from pumpurs.people.models import Municipality
from pumpurs.support.models import Measure
from pumpurs.support.prices import Price


def _valid_on(day: dt.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def rate_in_force(measure_code: str, municipality_id: int | None, day: dt.date) -> Rate | None:
    """The rate that prices ``measure_code`` on ``day`` for a school of ``municipality_id``."""
    rates = Rate.objects.filter(_valid_on(day), measure_code=measure_code)
    if municipality_id is not None and _municipal_allowed(measure_code, day):
        own = rates.filter(municipality_id=municipality_id).first()
        if own is not None:
            return own
    return rates.filter(municipality__isnull=True).first()


def rates_in_force(municipality_id: int | None, day: dt.date, codes: Collection[str] | None = None) -> dict[str, Rate]:
    """{measure code: rate in force} for a school of ``municipality_id`` on ``day`` (at most three
    queries), for every measure or only ``codes``."""
    national = Rate.objects.filter(_valid_on(day), municipality__isnull=True)
    if codes is not None:
        national = national.filter(measure_code__in=codes)
    found = {r.measure_code: r for r in national}
    if municipality_id is not None:
        allowed = Measure.objects.filter(municipal_rate_allowed=True).filter(
            Q(valid_from__lte=day) & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        )
        if codes is not None:
            allowed = allowed.filter(code__in=codes)
        own = Rate.objects.filter(
            _valid_on(day), municipality_id=municipality_id, measure_code__in=allowed.values("code")
        )
        for rate in own:
            found[rate.measure_code] = rate
    return found


def prices_in_force(codes: frozenset[str], municipality_id: int | None, day: dt.date) -> dict[str, Price]:
    """Support's price source (``support.prices``): the unit price and the cap per semester of each
    of ``codes`` in force on ``day`` for a school of ``municipality_id``. A rate without a unit price
    (the actual cost counts) answers with its cap alone; one with neither, like no rate at all."""
    return {
        code: Price(
            unit=None if rate.unit_cents is None else euros(rate.unit_cents),
            is_example=rate.is_example,
            cap=None if rate.cap_semester_cents is None else euros(rate.cap_semester_cents),
        )
        for code, rate in rates_in_force(municipality_id, day, codes).items()
        if rate.unit_cents is not None or rate.cap_semester_cents is not None
    }


def _municipal_allowed(measure_code: str, day: dt.date) -> bool:
    return (
        Measure.objects.filter(code=measure_code, municipal_rate_allowed=True, valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .exists()
    )


def rate_version(measure_code: str) -> int:
    """The measure's rate version: how many rates it has ever had (nationally and in every
    municipality). Rates are never deleted, so it only grows; editors send back the one they read."""
    return Rate.objects.filter(measure_code=measure_code).count()


def rates_visible_to(user: Actor) -> QuerySet[Rate]:
    """National rates for everyone who sees money; municipal ones within the reader's scope."""
    municipalities = municipalities_visible_to(user, Perm.VIEW_FINANCE)
    return Rate.objects.filter(Q(municipality__isnull=True) | Q(municipality__in=municipalities))


@transaction.atomic
def rate_set(
    *,
    actor: Actor,
    measure_code: str,
    valid_from: dt.date,
    unit_cents: int | None,
    cap_unit_cents: int | None = None,
    cap_semester_cents: int | None = None,
    cap_month_cents: int | None = None,
    municipality: Municipality | None = None,
    is_example: bool = False,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Rate:
    """Set the rate of a measure from ``valid_from``: the national role nationally, a municipality
    coordinator for their municipality where the measure allows it. The rate in force until then
    ends the day before; a later rate already set is refused (set them in order). Inverse: a newer
    rate."""
    now = now or timezone.now()
    if municipality is None:
        if not is_national(actor, Perm.MANAGE_RATES):
            raise PermissionDenied(_("Only the national programme sets national rates."))
    elif not municipalities_visible_to(actor, Perm.MANAGE_RATES).filter(pk=municipality.pk).exists():
        raise PermissionDenied(_("You may not set rates for this municipality."))
    if not Measure.objects.filter(code=measure_code).exists():
        raise ValidationError({"measure_code": _("No such measure in the catalogue.")})
    if municipality is not None and not _municipal_allowed(measure_code, valid_from):
        raise ValidationError(
            {"municipality": _("The programme does not let a municipality set its own rate for this measure.")}
        )
    for name, value in (
        ("unit_cents", unit_cents),
        ("cap_unit_cents", cap_unit_cents),
        ("cap_semester_cents", cap_semester_cents),
        ("cap_month_cents", cap_month_cents),
    ):
        if value is not None and value < 0:
            raise ValidationError({name: _("An amount cannot be negative.")})
    # The measure's catalogue rows are the lock (they exist before any rate does): two editors of one
    # measure queue here, and the second sees the first's rate in the version.
    list(Measure.objects.select_for_update().filter(code=measure_code).values_list("pk", flat=True))
    version = rate_version(measure_code)
    if expected_version is not None and expected_version != version:
        raise ValidationError(
            _(
                "Someone else set a rate for this measure after you opened it (you saw version %(mine)s, now "
                "%(now)s). Nothing was saved: reload the rates and make your change again."
            )
            % {"mine": expected_version, "now": version},
            code="conflict",
        )
    same = Rate.objects.select_for_update().filter(measure_code=measure_code, municipality=municipality)
    if same.filter(valid_from__gte=valid_from).exists():
        raise ValidationError({"valid_from": _("A rate from this day or later is already set.")})
    ended = same.filter(_valid_on(valid_from)).update(valid_to=valid_from - dt.timedelta(days=1))
    rate = Rate.objects.create(
        measure_code=measure_code,
        municipality=municipality,
        unit_cents=unit_cents,
        cap_unit_cents=cap_unit_cents,
        cap_semester_cents=cap_semester_cents,
        cap_month_cents=cap_month_cents,
        valid_from=valid_from,
        is_example=is_example,
        note=note,
        set_by=actor_user(actor),
        set_at=now,
    )
    audit_record(
        actor=actor,
        action="finance.rate.set",
        target=rate,
        data={
            "measure": measure_code,
            "municipality": municipality.code if municipality else None,
            "valid_from": valid_from.isoformat(),
            "unit_cents": unit_cents,
            "cap_unit_cents": cap_unit_cents,
            "cap_semester_cents": cap_semester_cents,
            "cap_month_cents": cap_month_cents,
            "is_example": is_example,
            "ended_previous": bool(ended),
        },
    )
    return rate
