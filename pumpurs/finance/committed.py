"""What each school still has committed and how many pupils it supports, per school year
(decision 0043): the budget page's two reads of every commitment, summed ahead of time.

``StillCommitted`` holds, per (school, school year, measure code), the commitments of approved,
active or in-review plans less what their lines delivered (never below zero per commitment);
``SupportedPupils``, per (school, school year), the pupils with a commitment and the commitments at
an example rate. Like the delivered-cents rollup (decision 0033) they are recomputed from the
commitments, never incremented: ``committed_refresh(keys)`` deletes the rows of some (school, year)
pairs and inserts them again, four statements whatever the number of pairs, inside the transaction
of the write that changed them:

* ``commitments._commit`` (a plan's commitments written or revised; also the schools they leave);
* ``delivered._run`` (a delivery recorded or voided changes a commitment's ``delivered_cents``);
* a plan moving into or out of the committing states (support's ``plan_moved`` hook, registered in
  ``FinanceConfig.ready``: the final approval, a close that releases the money, a reopening).

``pumpurs delivered_rebuild`` rebuilds them with the rollup; ``--check`` compares them too.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from pumpurs.support.models import Plan, PlanStatus

# The plans whose commitments count: approved and not yet closed.
COMMITTING = (PlanStatus.APPROVED, PlanStatus.ACTIVE, PlanStatus.IN_REVIEW)

_STATUSES = ", ".join(f"'{s}'" for s in COMMITTING)

_INSERT_OPEN = f"""
INSERT INTO finance_stillcommitted (institution_id, school_year_id, measure_code, cents)
SELECT c.institution_id, c.school_year_id, c.measure_code,
       SUM(CASE WHEN c.amount_cents > c.delivered_cents THEN c.amount_cents - c.delivered_cents ELSE 0 END)
FROM finance_commitment c
JOIN support_plan p ON p.id = c.plan_id
WHERE p.status IN ({_STATUSES}) {{only}}
GROUP BY c.institution_id, c.school_year_id, c.measure_code
"""  # noqa: S608 — fixed text and integer keys only

_INSERT_PUPILS = """
INSERT INTO finance_supportedpupils (institution_id, school_year_id, pupils, example_commitments)
SELECT c.institution_id, c.school_year_id, COUNT(DISTINCT cs.pupil_id),
       SUM(CASE WHEN r.is_example THEN 1 ELSE 0 END)
FROM finance_commitment c
JOIN support_plan p ON p.id = c.plan_id
JOIN support_case cs ON cs.id = p.case_id
LEFT JOIN finance_rate r ON r.id = c.rate_id
WHERE 1 = 1 {only}
GROUP BY c.institution_id, c.school_year_id
"""

Key = tuple[int, int]  # (institution id, school year id)


def _where(keys: list[Key] | None, prefix: str) -> str:
    if keys is None:
        return ""
    pairs = " OR ".join(
        f"({prefix}institution_id = {int(inst)} AND {prefix}school_year_id = {int(year)})" for inst, year in keys
    )
    return f"AND ({pairs})"


def _run(keys: list[Key] | None) -> None:
    with connection.cursor() as cursor:
        for table in ("finance_stillcommitted", "finance_supportedpupils"):
            cursor.execute(f"DELETE FROM {table} WHERE 1 = 1 {_where(keys, '')}")  # noqa: S608 — integer keys
        cursor.execute(_INSERT_OPEN.format(only=_where(keys, "c.")))
        cursor.execute(_INSERT_PUPILS.format(only=_where(keys, "c.")))


# Pairs per statement when refreshing many (an OR of pairs; the planner turns it into index probes).
_CHUNK = 500


def committed_refresh(keys: Iterable[Key]) -> None:
    """Recompute the rows of the (institution id, school year id) pairs ``keys`` from their
    commitments. Must run inside the transaction of the write that changed them."""
    pairs = sorted({(int(i), int(y)) for i, y in keys})
    if not pairs:
        return
    assert connection.in_atomic_block, "committed_refresh runs inside the write's transaction"
    for start in range(0, len(pairs), _CHUNK):
        _run(pairs[start : start + _CHUNK])


def committed_refresh_lines(line_ids: str) -> None:
    """Refresh the schools and years of the commitments of the plan lines ``line_ids`` (a list of
    integers as SQL text, as ``delivered._run`` has it): one read, then ``committed_refresh``."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT institution_id, school_year_id FROM finance_commitment WHERE line_id IN ({line_ids})"  # noqa: S608 — integer keys
        )
        committed_refresh(cursor.fetchall())


def committed_refresh_plan(plan_id: int) -> None:
    """Refresh the schools and years of ``plan_id``'s commitments (a plan changed status)."""
    from pumpurs.finance.models import Commitment

    committed_refresh(Commitment.objects.filter(plan_id=plan_id).values_list("institution_id", "school_year_id"))


def plan_moved_refresh(plan: Plan, from_status: str) -> None:
    """Registered with support (``plan_moved``): a plan entering or leaving the committing states
    (its final approval, a close that releases the money, a reopening) changes what its schools
    still have committed. Any other move changes nothing here and costs no query."""
    if (from_status in COMMITTING) != (plan.status in COMMITTING):
        committed_refresh_plan(plan.pk)


def committed_rebuild() -> None:
    """Recompute every row (with the rollup's rebuild, ``delivered.delivered_rebuild``)."""
    _run(None)


def _computed() -> tuple[dict[tuple[int, int, str], int], dict[Key, tuple[int, int]]]:
    select_open = _INSERT_OPEN[_INSERT_OPEN.index("SELECT") :].format(only="")
    select_pupils = _INSERT_PUPILS[_INSERT_PUPILS.index("SELECT") :].format(only="")
    with connection.cursor() as cursor:
        cursor.execute(select_open)
        still = {(inst, year, code): int(cents) for inst, year, code, cents in cursor.fetchall()}
        cursor.execute(select_pupils)
        pupils = {(inst, year): (int(n), int(ex)) for inst, year, n, ex in cursor.fetchall()}
    return still, pupils


def committed_differences() -> int:
    """How many rows of ``StillCommitted`` and ``SupportedPupils`` differ from what the
    commitments give now (missing, extra or wrong): 0 when right. Reads everything; for
    ``pumpurs delivered_rebuild --check`` and the tests."""
    from pumpurs.finance.models import StillCommitted, SupportedPupils

    still, pupils = _computed()
    stored_still = {
        (inst, year, code): cents
        for inst, year, code, cents in StillCommitted.objects.values_list(
            "institution_id", "school_year_id", "measure_code", "cents"
        )
    }
    stored_pupils = {
        (inst, year): (n, ex)
        for inst, year, n, ex in SupportedPupils.objects.values_list(
            "institution_id", "school_year_id", "pupils", "example_commitments"
        )
    }
    return sum(1 for k in still.keys() | stored_still.keys() if still.get(k) != stored_still.get(k)) + sum(
        1 for k in pupils.keys() | stored_pupils.keys() if pupils.get(k) != stored_pupils.get(k)
    )
