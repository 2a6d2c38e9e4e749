"""The bulk build's arithmetic (``journal.rollups.weeks_frame``) against a plain Python oracle.

The database tests (``imports/tests/test_rollups.py``) prove a rebuild equals the kept rows; here
the frame itself is checked on facts the imports would not produce — weekend days, a pupil whose
facts stop early, a pupil who starts in the last week, null values — and on random facts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pumpurs.journal.models import WEEKDAYS
from pumpurs.journal.rollups import EPOCH, monday_of, weeks_frame

MEASURES = ("a", "b")


def _facts(rows: list[tuple[int, int, int | None, int | None]]) -> pl.DataFrame:
    schema = {"pupil_id": pl.Int64, "dn": pl.Int32, "a": pl.Int32, "b": pl.Int32}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _oracle(rows: list[tuple[int, int, int | None, int | None]]) -> list[dict[str, Any]]:
    """Each pupil's weeks from its first fact's to the last week with any fact; per day the totals
    of its facts up to that day; the last fact day up to the week's Sunday."""
    wmax = max(dn for _p, dn, _a, _b in rows) // 7
    out = []
    for pupil in sorted({p for p, *_ in rows}):
        mine = [(dn, a or 0, b or 0) for p, dn, a, b in rows if p == pupil]
        for week in range(min(dn for dn, *_ in mine) // 7, wmax + 1):
            row: dict[str, Any] = {"week": week, "pupil_id": pupil}
            row["last_day"] = EPOCH + dt.timedelta(days=max(dn for dn, *_ in mine if dn <= 7 * week + 6))
            for i, m in enumerate(MEASURES):
                for d in WEEKDAYS:
                    row[f"{m}_{d}"] = sum(v[i + 1] for v in mine if v[0] <= 7 * week + d)
            out.append(row)
    return sorted(out, key=lambda r: (r["week"], r["pupil_id"]))


def test_weekends_late_starters_early_leavers_and_nulls() -> None:
    week = (dt.date(2026, 9, 7) - EPOCH).days // 7
    assert monday_of(week) == dt.date(2026, 9, 7)
    monday = 7 * week
    rows = [
        (7, monday + 6, 2, 1),  # Anna: a Sunday
        (7, monday + 7, 3, None),  # and the next Monday, one value missing
        (3, monday + 2, 5, 5),  # Berta: one Wednesday, then nothing (carried on)
        (9, monday + 7 * 3 + 4, 1, 0),  # Cecīlija: her first fact in the last week
    ]
    frame = weeks_frame(_facts(rows), MEASURES)
    got = frame.to_dicts()
    assert got == _oracle(rows)
    anna = [r for r in got if r["pupil_id"] == 7]
    assert [r["a_5"] for r in anna] == [0, 5, 5, 5]  # Saturday before her Sunday; then both days, carried on
    assert anna[0]["a_6"] == 2
    assert anna[0]["last_day"] == dt.date(2026, 9, 13)
    assert anna[1]["a_0"] == 5
    assert anna[1]["b_0"] == 1
    assert anna[1]["last_day"] == dt.date(2026, 9, 14)
    berta = [r for r in got if r["pupil_id"] == 3]
    assert len(berta) == 4
    assert berta[-1]["a_0"] == 5
    assert berta[-1]["last_day"] == dt.date(2026, 9, 9)
    assert [r["week"] for r in got if r["pupil_id"] == 9] == [week + 3]
    assert frame.columns[:3] == ["week", "pupil_id", "last_day"]


def test_no_facts_gives_no_rows() -> None:
    frame = weeks_frame(_facts([]), MEASURES)
    assert frame.height == 0
    assert "a_6" in frame.columns


_DAY = st.tuples(st.integers(1, 6), st.integers(9_700, 9_800), st.none() | st.integers(0, 9), st.integers(0, 9))


@settings(max_examples=60, deadline=None)
@given(st.lists(_DAY, min_size=1, max_size=40, unique_by=lambda r: (r[0], r[1])))
def test_random_facts_match_the_oracle(rows: list[tuple[int, int, int | None, int | None]]) -> None:
    assert weeks_frame(_facts(rows), MEASURES).to_dicts() == _oracle(rows)
