"""The outcomes page's pre-aggregate (decision 0056): ``outcomes.outcome_counts`` per school of the
first day, written with the other monitoring cells, read by ``/monitoring/outcomes/`` and its CSV.

The live statement stays the one definition: the refresh stores its result (``per_school=True``)
and the page adds the rows of the reader's schools up in the database — the same numbers as the
live count on the refresh's day, since each pupil and horizon is counted at one school. Until a
refresh has written the cells (a new installation, or the first morning after the upgrade) the
page counts live, as before, and says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from pumpurs.reporting.models import MonitoringRefresh, OutcomeCell
from pumpurs.reporting.outcomes import OutcomeCount, outcome_counts

Key = tuple[int, str, int | None, int, bool, str]  # cohort, horizon, horizon year, school, supported, outcome


def outcome_cells_refresh(*, today: dt.date) -> int:
    """Bring the cells to the live counts of ``today``: insert, update or delete only the cells
    whose count changed (a second run on the same day writes nothing); returns the cells written.
    Runs inside ``reporting.preaggregates.monitoring_refresh``'s transaction, which records how
    many cells are held (``MonitoringRefresh.outcome_cells``)."""
    assert transaction.get_connection().in_atomic_block, "called inside the monitoring refresh's transaction"
    wanted: dict[Key, tuple[int, int]] = {}  # key → (pupils, municipality)
    for c in outcome_counts(today=today, per_school=True):
        assert c.institution_id is not None, "counted per school"
        assert c.municipality_id is not None, "the school's, joined"
        key = (c.cohort_id, c.horizon, c.horizon_year_id, c.institution_id, c.supported, c.outcome)
        wanted[key] = (c.pupils, c.municipality_id)
    held: dict[Key, tuple[int, int, int]] = {}  # key → (pk, pupils, municipality)
    for pk, cohort, horizon, year, school, supported, outcome, pupils, municipality in OutcomeCell.objects.values_list(
        "pk", "cohort_id", "horizon", "horizon_year_id", "institution_id", "supported", "outcome", "pupils",
        "municipality_id",
    ):  # fmt: skip
        held[(cohort, horizon, year, school, supported, outcome)] = (pk, pupils, municipality)
    gone = [pk for key, (pk, _pupils, _municipality) in held.items() if key not in wanted]
    changed = [
        OutcomeCell(pk=pk, pupils=wanted[key][0], municipality_id=wanted[key][1])
        for key, (pk, pupils, municipality) in held.items()
        if key in wanted and wanted[key] != (pupils, municipality)
    ]
    new = [
        OutcomeCell(
            cohort_id=cohort,
            horizon=horizon,
            horizon_year_id=year,
            institution_id=school,
            municipality_id=municipality,
            supported=supported,
            outcome=outcome,
            pupils=pupils,
        )
        for (cohort, horizon, year, school, supported, outcome), (pupils, municipality) in wanted.items()
        if (cohort, horizon, year, school, supported, outcome) not in held
    ]
    OutcomeCell.objects.filter(pk__in=gone).delete()
    OutcomeCell.objects.bulk_update(changed, ["pupils", "municipality_id"], batch_size=2000)
    OutcomeCell.objects.bulk_create(new, batch_size=5000)
    return len(gone) + len(changed) + len(new)


@dataclass(frozen=True)
class Counted:
    """What the outcomes page shows and when it was counted: by the refresh that wrote the cells
    (``live`` false, ``moment`` its time) or on this request (``live``)."""

    counts: list[OutcomeCount]
    moment: dt.datetime
    live: bool

    @property
    def note(self) -> str:
        """When, in the reader's language: the page's note and the CSV's first line, one wording."""
        moment = formats.date_format(timezone.localtime(self.moment), "SHORT_DATETIME_FORMAT")
        if self.live:
            return _("Counted now, %(moment)s: the morning refresh has not computed these figures yet.") % {
                "moment": moment
            }
        return _("Numbers as of %(day)s (refreshed each morning with the indicators).") % {"day": moment}


def page_counts(*, today: dt.date, institution_ids: Iterable[int], horizon: str) -> Counted:
    """The counts of ``horizon`` for the schools ``institution_ids`` (the reader's scope, already
    decided): from the cells, summed in the database, once a refresh has written them; else
    counted live for ``today``."""
    refreshed = (
        MonitoringRefresh.objects.filter(outcome_cells__isnull=False)
        .order_by("-computed_at", "-pk")
        .values_list("computed_at", flat=True)
        .first()
    )
    ids = sorted(set(institution_ids))
    if refreshed is None:
        live = outcome_counts(today=today, institution_ids=ids, horizon=horizon)
        return Counted(live, timezone.now(), live=True)
    summed = (
        OutcomeCell.objects.filter(horizon=horizon, institution_id__in=ids)
        .values("cohort_id", "horizon_year_id", "supported", "outcome")
        .annotate(n=Sum("pupils"))
        .values_list("cohort_id", "horizon_year_id", "supported", "outcome", "n")
        .order_by()
    )
    counts = [
        OutcomeCount(cohort_id, horizon, year_id, supported, outcome, int(n))
        for cohort_id, year_id, supported, outcome, n in summed
    ]
    return Counted(counts, refreshed, live=False)
