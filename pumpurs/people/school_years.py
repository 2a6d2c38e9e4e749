"""The national role's changes to the calendar: a school year, its two semesters and the later end
dates of grades 9 and 12 (issue 12). Every write validates the whole year, writes the year and
both semesters, and audits; ``people.calendar`` keeps answering "which semester is it?" from the
same rows.

The break (between the semesters) and the summer (between two years) are the gaps the dates leave,
so they need no rows of their own: a year is valid when its four dates are in order and it does
not touch its neighbours.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.people import access
from pumpurs.people.actors import Actor
from pumpurs.people.calendar import year_name
from pumpurs.people.models import Period, SchoolYear
from pumpurs.people.perms import Perm


def _require_manage(actor: Actor) -> None:
    if not access.is_national(actor, Perm.MANAGE_CALENDAR):
        raise PermissionDenied(_("Only the national programme manages the school calendar."))


def _d(day: dt.date) -> str:
    return f"{day:%d.%m.%Y}"


def _problems(
    *,
    start_year: int,
    starts_on: dt.date,
    semester1_ends_on: dt.date,
    semester2_starts_on: dt.date,
    ends_on: dt.date,
    grade9_ends_on: dt.date | None,
    grade12_ends_on: dt.date | None,
    exclude: SchoolYear | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if starts_on.year != start_year or not 8 <= starts_on.month <= 9:
        add(
            "starts_on",
            _("The %(year)s school year starts in August or September %(start)d.")
            % {"year": year_name(start_year), "start": start_year},
        )
    if semester1_ends_on <= starts_on:
        add("semester1_ends_on", _("Semester 1 must end after the year starts."))
    if semester2_starts_on <= semester1_ends_on:
        add("semester2_starts_on", _("Semester 2 must start after semester 1 ends."))
    if ends_on <= semester2_starts_on:
        add("ends_on", _("The year must end after semester 2 starts."))
    if ends_on.year != start_year + 1:
        add(
            "ends_on",
            _("The %(year)s school year ends in %(end)d.") % {"year": year_name(start_year), "end": start_year + 1},
        )
    for field, value, grade in (("grade9_ends_on", grade9_ends_on, 9), ("grade12_ends_on", grade12_ends_on, 12)):
        if value is not None and (value < ends_on or value.year != start_year + 1):
            add(
                field,
                _("Grade %(grade)d ends on or after the year's last day (%(end)s), in the same summer.")
                % {"grade": grade, "end": _d(ends_on)},
            )
    last_day = max(d for d in (ends_on, grade9_ends_on, grade12_ends_on) if d is not None)
    others = SchoolYear.objects.exclude(pk=exclude.pk) if exclude is not None else SchoolYear.objects.all()
    before = others.filter(starts_on__lt=starts_on).order_by("-starts_on").first()
    after = others.filter(starts_on__gt=starts_on).order_by("starts_on").first()
    if (
        before is not None
        and max(d for d in (before.ends_on, before.grade9_ends_on, before.grade12_ends_on) if d) >= starts_on
    ):
        add("starts_on", _("The year must start after the %(year)s school year ends.") % {"year": before.name})
    if after is not None and after.starts_on <= last_day:
        add(
            "ends_on",
            _("The year must end before the %(year)s school year starts (%(day)s).")
            % {"year": after.name, "day": _d(after.starts_on)},
        )
    return errors


def _write_semesters(year: SchoolYear, *, semester1_ends_on: dt.date, semester2_starts_on: dt.date) -> None:
    for number, starts, ends in ((1, year.starts_on, semester1_ends_on), (2, semester2_starts_on, year.ends_on)):
        Period.objects.update_or_create(
            school_year=year,
            number=number,
            defaults={"starts_on": starts, "ends_on": ends, "is_estimated": year.is_estimated},
        )


def _snapshot(year: SchoolYear) -> dict[str, Any]:
    periods = {p.number: p for p in year.periods.all()}
    values = {
        "starts_on": year.starts_on,
        "semester1_ends_on": periods[1].ends_on if 1 in periods else None,
        "semester2_starts_on": periods[2].starts_on if 2 in periods else None,
        "ends_on": year.ends_on,
        "grade9_ends_on": year.grade9_ends_on,
        "grade12_ends_on": year.grade12_ends_on,
    }
    return {k: v.isoformat() if v else None for k, v in values.items()} | {"source": year.source}


@transaction.atomic
def school_year_create(
    *,
    actor: Actor,
    start_year: int,
    starts_on: dt.date,
    semester1_ends_on: dt.date,
    semester2_starts_on: dt.date,
    ends_on: dt.date,
    grade9_ends_on: dt.date | None = None,
    grade12_ends_on: dt.date | None = None,
    source: str = "",
) -> SchoolYear:
    """Create the school year starting in ``start_year`` with its two semesters, as entered from the
    Cabinet regulation (so not estimated). Refused: a year that exists, dates out of order, a year
    touching its neighbours. Inverse: none — a year is corrected with ``school_year_update``."""
    _require_manage(actor)
    name = year_name(start_year)
    if SchoolYear.objects.filter(name=name).exists():
        raise ValidationError(_("The %(year)s school year already exists.") % {"year": name}, code="year_exists")
    errors = _problems(
        start_year=start_year,
        exclude=None,
        starts_on=starts_on,
        semester1_ends_on=semester1_ends_on,
        semester2_starts_on=semester2_starts_on,
        ends_on=ends_on,
        grade9_ends_on=grade9_ends_on,
        grade12_ends_on=grade12_ends_on,
    )
    if errors:
        raise ValidationError(errors)
    year = SchoolYear.objects.create(
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        grade9_ends_on=grade9_ends_on,
        grade12_ends_on=grade12_ends_on,
        source=source,
        is_estimated=False,
    )
    _write_semesters(year, semester1_ends_on=semester1_ends_on, semester2_starts_on=semester2_starts_on)
    audit_record(actor=actor, action="people.school_year.created", target=year, data=_snapshot(year))
    return year


@transaction.atomic
def school_year_update(
    *,
    actor: Actor,
    school_year: SchoolYear,
    starts_on: dt.date,
    semester1_ends_on: dt.date,
    semester2_starts_on: dt.date,
    ends_on: dt.date,
    grade9_ends_on: dt.date | None = None,
    grade12_ends_on: dt.date | None = None,
    source: str = "",
) -> SchoolYear:
    """Correct a year's dates (and both semesters'). An estimated year stays estimated until
    ``school_year_confirm``; the audit event keeps the dates before and after."""
    _require_manage(actor)
    start_year = int(school_year.name[:4])
    errors = _problems(
        start_year=start_year,
        exclude=school_year,
        starts_on=starts_on,
        semester1_ends_on=semester1_ends_on,
        semester2_starts_on=semester2_starts_on,
        ends_on=ends_on,
        grade9_ends_on=grade9_ends_on,
        grade12_ends_on=grade12_ends_on,
    )
    if errors:
        raise ValidationError(errors)
    before = _snapshot(school_year)
    school_year.starts_on, school_year.ends_on = starts_on, ends_on
    school_year.grade9_ends_on, school_year.grade12_ends_on = grade9_ends_on, grade12_ends_on
    school_year.source = source
    school_year.save(update_fields=["starts_on", "ends_on", "grade9_ends_on", "grade12_ends_on", "source"])
    _write_semesters(school_year, semester1_ends_on=semester1_ends_on, semester2_starts_on=semester2_starts_on)
    after = _snapshot(school_year)
    if after != before:
        audit_record(
            actor=actor,
            action="people.school_year.updated",
            target=school_year,
            data={"before": before, "after": after},
        )
    return school_year


@transaction.atomic
def school_year_confirm(*, actor: Actor, school_year: SchoolYear) -> SchoolYear:
    """Mark an estimated year (and its semesters) as confirmed against the regulation; a confirmed
    year is left as it is. Inverse: none (a confirmed year is corrected, not un-confirmed)."""
    _require_manage(actor)
    if not school_year.is_estimated:
        return school_year
    school_year.is_estimated = False
    school_year.save(update_fields=["is_estimated"])
    school_year.periods.update(is_estimated=False)
    audit_record(actor=actor, action="people.school_year.confirmed", target=school_year, data=_snapshot(school_year))
    return school_year


def school_year_dates(school_year: SchoolYear) -> dict[str, dt.date | str | None]:
    """The form's initial values: the year's dates, both semesters' inner dates and its source."""
    periods = {p.number: p for p in school_year.periods.all()}
    return {
        "starts_on": school_year.starts_on,
        "semester1_ends_on": periods[1].ends_on if 1 in periods else None,
        "semester2_starts_on": periods[2].starts_on if 2 in periods else None,
        "ends_on": school_year.ends_on,
        "grade9_ends_on": school_year.grade9_ends_on,
        "grade12_ends_on": school_year.grade12_ends_on,
        "source": school_year.source,
    }
