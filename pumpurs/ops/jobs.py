"""The scheduled jobs: what each one does, its readable name and its schedule from
``PUMPURS_SCHEDULE``. Each job is a thin call of a service that is idempotent on its own, acts
as its own ``SystemActor`` (named in the audit trail by that service) and is also available as a
command, so the operator can run it by hand: running a job twice does no harm.

A job's function takes the moment it runs for and returns a short result for the admin page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pumpurs.imports.heartbeat import import_batches_reap
from pumpurs.ops.schedule import Schedule
from pumpurs.people.calendar import school_years_ensure
from pumpurs.privacy.retention import retention_apply
from pumpurs.reporting.error_rates import error_rates_record
from pumpurs.reporting.refresh import dashboards_refresh
from pumpurs.risk.indicators import indicators_refresh
from pumpurs.risk.notices import notices_send
from pumpurs.support.plans import plans_activate_due
from pumpurs.support.reminders import review_reminders_queue


@dataclass(frozen=True)
class Job:
    code: str
    label: str | Promise
    run: Callable[[dt.datetime], str]

    @property
    def schedule(self) -> Schedule:
        return Schedule(settings.PUMPURS_SCHEDULE[self.code])


def _local_day(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


def _calendar(now: dt.datetime) -> str:
    with transaction.atomic():
        years = school_years_ensure(today=_local_day(now))
    return ", ".join(year.name for year in years)


def _retention(now: dt.datetime) -> str:
    # Every record kind, as `pumpurs retention --apply` (decision 0040); a kind that failed fails the run.
    run = retention_apply(now=now)
    summary = ", ".join(f"{r.kind.code}: {r.error or r.count}" for r in run.results) or "nothing due"
    if run.failed:
        raise RuntimeError(f"retention failed for {', '.join(r.kind.code for r in run.failed)} ({summary})")
    return f"{summary}; export: {run.export.name if run.export else '—'}; expired files: {run.expired_files}"


def _imports(now: dt.datetime) -> str:
    return f"batches interrupted: {import_batches_reap(now=now)}"


def _indicators(now: dt.datetime) -> str:
    # The dashboards' pre-aggregate follows the indicators it counts (decision 0029).
    # Nothing new and the same window (a weekend, a holiday): nothing to read (decision 0032).
    result = indicators_refresh(today=_local_day(now), skip_unchanged=True)
    return f"{result}; dashboard cells: {dashboards_refresh(today=_local_day(now))}"


def _plans(now: dt.datetime) -> str:
    return f"plans activated: {plans_activate_due(today=_local_day(now))}"


def _reviews(now: dt.datetime) -> str:
    return f"reminders queued: {review_reminders_queue(today=_local_day(now))}"


def _notices(now: dt.datetime) -> str:
    sent, failed = notices_send()
    return f"notices sent: {sent}, failed: {failed}"


def _error_rates(now: dt.datetime) -> str:
    return f"semesters recorded: {error_rates_record(today=_local_day(now))}"


# In the order a day needs them: the calendar first (a refresh needs the current semester).
JOBS: tuple[Job, ...] = (
    Job(code="calendar", label=_("School years in the calendar"), run=_calendar),
    Job(code="retention", label=_("Retention of every record kind"), run=_retention),
    Job(code="imports", label=_("Imports whose worker stopped"), run=_imports),
    Job(code="indicators", label=_("Indicator and flag refresh"), run=_indicators),
    Job(code="plans", label=_("Approved plans become active"), run=_plans),
    Job(code="reviews", label=_("Reminders of overdue reviews"), run=_reviews),
    Job(code="notices", label=_("Sending queued notices"), run=_notices),
    Job(
        code="error_rates",
        label=_("Error rates of the flag rules, once a semester's outcomes are known"),
        run=_error_rates,
    ),
)
