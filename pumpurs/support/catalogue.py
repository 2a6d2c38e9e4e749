"""The national measure catalogue and low-income statuses (issue 5, item 1).

A catalogue change takes effect on a date: ``measure_change`` ends the version in force the day
before and adds a new version from that date, so plans keep the terms they were approved with.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.core.display import day_text
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Pupil, User
from pumpurs.support.models import LowIncomeStatus, Measure, MeasureCategory

# Fields a catalogue change may set; everything else identifies the measure.
CHANGEABLE = (
    "name",
    "name_en",
    "unit",
    "cap_per_plan",
    "requires_low_income",
    "municipal_rate_allowed",
)


def measures_in_force(day: dt.date) -> QuerySet[Measure]:
    """The catalogue as it stands on ``day``: one version per code."""
    return Measure.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day), valid_from__lte=day)


def _require_manager(actor: User) -> None:
    if not access.has_perm(actor, Perm.MANAGE_CATALOGUE):
        raise PermissionDenied(_("Only the national programme edits the measure catalogue."))


def _check_cap(cap: Decimal | None) -> None:
    if cap is not None and cap < 0:
        raise ValidationError({"cap_per_plan": _("The cap cannot be negative.")})


@transaction.atomic
def measure_create(
    *,
    actor: User,
    code: str,
    category: str,
    name: str,
    name_en: str,
    unit: str,
    valid_from: dt.date,
    specialist_kind: str = "",
    cap_per_plan: Decimal | None = None,
    requires_low_income: bool = False,
) -> Measure:
    """Add a new measure to the catalogue. Invariant: one version per (code, first day).
    Inverse: ``measure_change`` with ``valid_until`` (a measure is retired, never deleted)."""
    _require_manager(actor)
    if Measure.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A measure with this code exists; change it instead.")})
    if category == MeasureCategory.CONSULTATION and not specialist_kind:
        raise ValidationError({"specialist_kind": _("A consultation names the kind of specialist.")})
    _check_cap(cap_per_plan)
    measure = Measure(
        code=code,
        category=category,
        specialist_kind=specialist_kind if category == MeasureCategory.CONSULTATION else "",
        name=name,
        name_en=name_en,
        unit="hour" if category == MeasureCategory.CONSULTATION else unit,
        cap_per_plan=cap_per_plan,
        requires_low_income=requires_low_income,
        valid_from=valid_from,
        changed_by=actor,
    )
    measure.full_clean()
    measure.save()
    audit_record(actor=actor, action="support.catalogue.created", target=measure, data={"code": code})
    return measure


@transaction.atomic
def measure_change(
    *, actor: User, measure: Measure, effective_from: dt.date, retire: bool = False, **changes: Any
) -> Measure | None:
    """Change a measure from ``effective_from``: the version in force then ends the day before and
    a new version carries ``changes``. With ``retire`` the measure simply ends the day before.
    Returns the new version (``None`` when retired).

    Invariant: versions of one code never overlap. Inverse: another change."""
    _require_manager(actor)
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    current = (
        Measure.objects.select_for_update()
        .filter(code=measure.code, valid_from__lte=effective_from)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=effective_from))
        .first()
    )
    if current is None:
        raise ValidationError({"effective_from": _("The measure is not in force on that date.")})
    if Measure.objects.filter(code=measure.code, valid_from__gt=effective_from).exists():
        raise ValidationError({"effective_from": _("A later change is already planned; change from that date.")})
    if current.valid_from == effective_from:
        raise ValidationError(
            {"effective_from": _("Choose a date after %(date)s.") % {"date": day_text(current.valid_from)}}
        )
    _check_cap(changes.get("cap_per_plan"))
    before = {f: str(getattr(current, f)) for f in CHANGEABLE}
    ended_on = effective_from - dt.timedelta(days=1)
    new_version = None
    if not retire:
        new_version = Measure(
            code=current.code,
            category=current.category,
            specialist_kind=current.specialist_kind,
            valid_from=effective_from,
            valid_until=current.valid_until,
            changed_by=actor,
            **{f: changes.get(f, getattr(current, f)) for f in CHANGEABLE},
        )
        new_version.full_clean(validate_unique=False)
    current.valid_until = ended_on
    current.save(update_fields=["valid_until"])
    if new_version is not None:
        new_version.save()
    audit_record(
        actor=actor,
        action="support.catalogue.retired" if retire else "support.catalogue.changed",
        target=new_version or current,
        data={
            "code": current.code,
            "from": effective_from.isoformat(),
            "before": before,
            "changes": {k: str(v) for k, v in changes.items()},
        },
    )
    return new_version


def low_income_on(pupil: Pupil | int, day: dt.date) -> LowIncomeStatus | None:
    pupil_id = pupil if isinstance(pupil, int) else pupil.pk
    return LowIncomeStatus.objects.filter(pupil_id=pupil_id, valid_from__lte=day, valid_until__gte=day).first()


def low_income_overlaps(pupil: Pupil | int, start: dt.date, end: dt.date) -> bool:
    pupil_id = pupil if isinstance(pupil, int) else pupil.pk
    return LowIncomeStatus.objects.filter(pupil_id=pupil_id, valid_from__lte=end, valid_until__gte=start).exists()


@transaction.atomic
def low_income_status_record(
    *,
    actor: User,
    pupil: Pupil,
    kind: str,
    valid_from: dt.date,
    valid_until: dt.date,
    source: str,
    now: dt.datetime | None = None,
) -> LowIncomeStatus:
    """Record a low-income status granted by the municipal social service, with its source.
    Inverse: none — a wrong entry is corrected by a new one and the audit trail keeps both."""
    now = now or timezone.now()
    access.require_pupil(actor, pupil, Perm.RECORD_LOW_INCOME)
    if kind not in LowIncomeStatus.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of status the social service granted.")})
    if not source.strip():
        raise ValidationError({"source": _("Name the decision this status comes from.")})
    if valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end date is before the start date.")})
    status = LowIncomeStatus.objects.create(
        pupil=pupil, kind=kind, valid_from=valid_from, valid_until=valid_until, source=source.strip(), recorded_by=actor
    )
    audit_record(
        at=now,
        actor=actor,
        action="support.low_income.recorded",
        pupil_id=pupil.pk,
        target=status,
        data={"kind": kind, "from": valid_from.isoformat(), "until": valid_until.isoformat()},
    )
    return status
