"""A refresh with nothing to do (issue 18, item 3; decision 0032).

A semester's snapshots and flags follow from its facts, its pupils' enrolments, the thresholds,
the flag decisions, the rule version and the window (the semester's first day up to
min(today, its last day)). Every write of those inputs is in the audit trail — an applied import
batch (facts and rosters), a pupil or enrolment written, a school year, a threshold, a flag
decided, a rollover or a seed — and the trail numbers its events in commit order (``seq``,
decision 0025). So the last such event's number, with the window's end, the rule version and the
national thresholds, says whether anything a refresh reads has changed since the last one. When
nothing has, ``indicators_refresh(skip_unchanged=True)`` returns what the last refresh found
without reading a fact.

The number is read after the refresh lock and before the refresh's first statement: a batch that
commits during a refresh has a larger number, so the next refresh runs. A write outside the
audit trail (a test's ORM call, a manual SQL fix) is not seen: run the refresh with
``skip_unchanged=False`` (``pumpurs indicators refresh --force``) after one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection

from django.conf import settings
from django.db import connection

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import Period
from pumpurs.risk.models import RefreshMark
from pumpurs.risk.rules import RULE_VERSION

# The audit events of writes that can change what a refresh computes.
INPUT_ACTIONS = (
    "imports.batch.applied",
    "people.pupil.created",
    "people.pupil.updated",
    "people.enrolment.started",
    "people.enrolment.ended",
    "people.rollover.applied",
    "people.seed.applied",
    "people.school_year.created",
    "people.school_year.updated",
    "people.school_year.confirmed",
    "risk.threshold.set",
    "risk.threshold.cleared",
    "risk.flag.accepted",
    "risk.flag.dismissed",
    "risk.flag.reopened",
    # Erasure and retention delete pupils, enrolments, flags and questionnaires (decision 0040).
    "privacy.pupil.erased",
    "privacy.retention.applied",
)


def input_seq() -> int:
    """The audit number of the last committed write of a refresh's inputs (0: none yet).

    One ``MAX(seq)`` per action, each answered by one backward probe of the (action, seq) index:
    a ``MAX`` over ``action IN (…)`` reads every matching event, and a national trail holds
    millions of applied batches and pupil writes (decision 0048)."""
    table = AuditEvent._meta.db_table
    probes = " UNION ALL ".join(
        f"SELECT (SELECT MAX(seq) FROM {table} WHERE action = %s) AS seq"  # noqa: S608 — table name from the model, every value a parameter
        for _ in INPUT_ACTIONS
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(seq) FROM ({probes}) probes", list(INPUT_ACTIONS))  # noqa: S608 — as above
        last = cursor.fetchone()[0]
    return int(last or 0)


def rules_stamp() -> str:
    """The rule version and the national thresholds (settings): a change of either is a change."""
    thresholds = json.dumps(settings.PUMPURS_RISK_THRESHOLDS, sort_keys=True, default=str)
    return f"{RULE_VERSION}:{hashlib.sha256(thresholds.encode()).hexdigest()[:16]}"


def unchanged_mark(period: Period, period_to: dt.date, seq: int) -> RefreshMark | None:
    """The last refresh's mark if it saw exactly these inputs, else None."""
    mark = RefreshMark.objects.filter(period=period).first()
    if mark is None or (mark.period_to, mark.rule_version, mark.input_seq) != (period_to, rules_stamp(), seq):
        return None
    return mark


def only_these_batches_since(mark: RefreshMark, seq: int, batches: Collection[str]) -> bool:
    """Whether every input written since ``mark`` is the applied batch of one of ``batches`` (the
    public ids of fact batches, which the caller lists): then the pupils those batches touched are all a refresh has to recompute.

    Any other input — a roster, an enrolment, a threshold, a flag decision, an erasure — may change
    any pupil, and the refresh must cover the semester. At most ``len(batches) + 1`` events are read."""
    if seq <= mark.input_seq:
        return True
    events = list(
        AuditEvent.objects.filter(seq__gt=mark.input_seq, seq__lte=seq, action__in=INPUT_ACTIONS)
        .order_by("seq")
        .values_list("action", "object_id")[: len(batches) + 1]
    )
    return len(events) <= len(batches) and all(
        action == "imports.batch.applied" and object_id in batches for action, object_id in events
    )
