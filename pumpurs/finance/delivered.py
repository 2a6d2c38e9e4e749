"""The delivered-cents rollup (decision 0033): per plan line and month, what its counted
deliveries cost, in whole cents — the same cost as the monthly report's line (``reports.COST_SQL``).

It is recomputed from the deliveries, never incremented: ``delivered_refresh(line_ids)`` deletes
the lines' rows and inserts them again from their deliveries in two statements, whatever the number
of lines, so recording, voiding, correcting and re-committing all give the same answer as a rebuild.
It runs inside the transaction of the write that changed the lines (support's delivery services call
it through ``support.guards``; ``commitments._commit`` calls it after a commitment's unit price may
have changed), so a reader never sees a delivery without its cents.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from pumpurs.audit.services import audit_record
from pumpurs.finance.committed import committed_differences, committed_rebuild, committed_refresh_lines
from pumpurs.finance.reports import COST_SQL
from pumpurs.people.actors import Actor

_MONTH = {
    "postgresql": "CAST(date_trunc('month', d.delivered_on) AS date)",
    "sqlite": "date(d.delivered_on, 'start of month')",
}

_INSERT = f"""
INSERT INTO finance_deliveredmonth (line_id, month, institution_id, school_year_id, measure_code, cents, deliveries)
SELECT d.line_id, {{month}}, cs.institution_id, pe.school_year_id, m.code, SUM({COST_SQL}), COUNT(*)
FROM support_delivery d
JOIN support_planmeasure pm ON pm.id = d.line_id
JOIN support_measure m ON m.id = pm.measure_id
JOIN support_plan p ON p.id = pm.plan_id
JOIN support_case cs ON cs.id = p.case_id
JOIN people_period pe ON pe.id = p.period_id
LEFT JOIN finance_commitment c ON c.line_id = d.line_id
WHERE d.voided_at IS NULL {{only}}
GROUP BY d.line_id, {{month}}, cs.institution_id, pe.school_year_id, m.code
"""  # noqa: S608 — fixed text and integer keys only

# Keys per statement when refreshing many lines (SQLite's limit on an IN list is far above this).
_CHUNK = 5000


_COMMITTED = """
UPDATE finance_commitment SET delivered_cents = COALESCE(
    (SELECT SUM(dm.cents) FROM finance_deliveredmonth dm WHERE dm.line_id = finance_commitment.line_id), 0)
"""


def _run(keys: str | None) -> None:
    """Delete and insert again the rows of the lines ``keys`` (a list of integers), or all; then
    bring their commitments' ``delivered_cents`` up to date."""
    month = _MONTH[connection.vendor]
    with connection.cursor() as cursor:
        if keys is None:
            cursor.execute("DELETE FROM finance_deliveredmonth")
            cursor.execute(_INSERT.format(month=month, only=""))
            cursor.execute(_COMMITTED)
            cursor.execute(
                "UPDATE finance_commitment SET measure_code = (SELECT m.code FROM support_planmeasure pm "
                "JOIN support_measure m ON m.id = pm.measure_id WHERE pm.id = finance_commitment.line_id)"
            )
        else:
            cursor.execute(f"DELETE FROM finance_deliveredmonth WHERE line_id IN ({keys})")  # noqa: S608 — integer keys
            cursor.execute(_INSERT.format(month=month, only=f"AND d.line_id IN ({keys})"))
            cursor.execute(f"{_COMMITTED} WHERE line_id IN ({keys})")
    # What the commitments still hold follows their delivered cents (decision 0043).
    if keys is None:
        committed_rebuild()
    else:
        committed_refresh_lines(keys)


def delivered_refresh(line_ids: Iterable[int]) -> None:
    """Recompute the rollup rows of ``line_ids`` from their deliveries (two statements per
    5 000 lines). Must run inside the transaction of the write that changed them."""
    ids = sorted({int(i) for i in line_ids})
    if not ids:
        return
    assert connection.in_atomic_block, "delivered_refresh runs inside the write's transaction"
    for start in range(0, len(ids), _CHUNK):
        _run(", ".join(str(i) for i in ids[start : start + _CHUNK]))


def _computed() -> dict[tuple[int, str], tuple[int, int, str, int, int]]:
    select = _INSERT[_INSERT.index("SELECT") :].format(month=_MONTH[connection.vendor], only="")
    with connection.cursor() as cursor:
        cursor.execute(select)
        return {
            (line, str(month)[:10]): (inst, year, code, int(cents), int(n))
            for line, month, inst, year, code, cents, n in cursor.fetchall()
        }


def delivered_differences() -> int:
    """How many (line, month) rows of the rollup, how many commitments' ``delivered_cents``, and how
    many rows of the still-committed and supported-pupils sums (decision 0043) differ from what the
    deliveries and commitments give now (missing, extra or wrong in any column): 0 when right. Reads
    everything; for the check command and the tests."""
    from pumpurs.finance.models import Commitment, DeliveredMonth

    stored = {
        (line, month.isoformat()): (inst, year, code, cents, n)
        for line, month, inst, year, code, cents, n in DeliveredMonth.objects.values_list(
            "line_id", "month", "institution_id", "school_year_id", "measure_code", "cents", "deliveries"
        )
    }
    computed = _computed()
    wrong = committed_differences()
    wrong += sum(1 for key in stored.keys() | computed.keys() if stored.get(key) != computed.get(key))
    by_line: dict[int, int] = {}
    for (line, _month), row in computed.items():
        by_line[line] = by_line.get(line, 0) + row[3]
    return wrong + sum(
        1
        for line, delivered in Commitment.objects.values_list("line_id", "delivered_cents")
        if delivered != by_line.get(line, 0)
    )


def delivered_rebuild(*, actor: Actor) -> int:
    """Recompute the whole rollup from every delivery (``pumpurs delivered_rebuild``), audited;
    returns the number of rows."""
    from pumpurs.finance.models import DeliveredMonth

    with transaction.atomic():
        _run(None)
        rows = DeliveredMonth.objects.count()
        audit_record(actor=actor, action="finance.delivered.rebuilt", data={"rows": rows})
        return rows
