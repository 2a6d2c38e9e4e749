"""The semester's pupil table, cached until the rows it comes from change (decision record 0049).

Which pupils a semester has (an enrolment in it), each one's latest enrolment's municipality and
the enrolment history (over-age, a repeated grade, transfers in the 12 months up to the window's
end) follow from the enrolments, the pupils' birth dates, the classes and the schools. Computing it
took a fifth of the refresh's floor (issue 18), and it changes far less often than the facts: so
``semester_pupils_ensure`` keeps it in ``SemesterPupil`` and rebuilds it only when

* a fingerprint of those four tables (``roster_stamp``) differs from the one it was built with —
  a new, changed or removed enrolment, a pupil's birth date, a class's grade or year, a school's
  kind or municipality; or
* the window's end moved across a day that matters: an enrolment starting, or a transfer ending,
  between the old and the new end (or the same a year earlier, where the 12 months start). Then
  only the pupils of those enrolments are recomputed (``moved``): every other pupil's row depends
  on the window's end only through such days, so it stays as it was. The national seed starts a
  dozen enrolments every school day; rebuilding all 50 000 rows for them took 0.34–0.45 of the
  refresh's floor a day later (decision 0049).

The fingerprint is read from the data itself, not from the audit trail, so a write that bypasses
the services (a manual fix, a test's factory) invalidates it too. It is a set of sums, not a
cryptographic hash: cheap (one pass over each table, no sorting), and a change that keeps every sum
equal would have to alter two rows in exactly compensating ways.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pumpurs.risk.models import RefreshMark
from pumpurs.risk.sql import (
    create_temp,
    date_number_sql,
    day_number_sql,
    execute,
    is_postgres,
    temp_name,
    touched_set_sql,
)

# The pupils of the semester (latest enrolment in it: its municipality chooses the thresholds)
# with their enrolment history. The latest enrolment is the one with no later one in the semester (an
# anti-join: cheaper than numbering every pupil's enrolments); the history is gathered only for
# pupils who can have one (more than one enrolment, or one that ended in a transfer): most pupils
# of a semester have a single enrolment.
PUPILS_SQL = """
SELECT %(period)s, s.pupil_id, s.municipality_id, CASE WHEN s.age - s.usual > 0 THEN s.age - s.usual ELSE 0 END AS over_age_years,
  COALESCE(h.repeated, 0) = 1 AS repeated, COALESCE(h.changes, 0) AS changes
FROM (
  SELECT e.pupil_id, i.municipality_id,
    (%(year_start_number)s - {birth}) / 10000 AS age,
    CASE WHEN i.kind = 'vocational' THEN 15 + cg.grade ELSE 6 + cg.grade END AS usual
  FROM people_enrolment e
  JOIN people_classgroup cg ON cg.id = e.class_group_id
  JOIN people_institution i ON i.id = e.institution_id
  JOIN people_pupil p ON p.id = e.pupil_id
  WHERE e.starts_on <= %(to)s AND (e.ends_on IS NULL OR e.ends_on >= %(from)s) {only_e}
    AND NOT EXISTS (
      SELECT 1 FROM people_enrolment l
      WHERE l.pupil_id = e.pupil_id AND l.starts_on <= %(to)s AND (l.ends_on IS NULL OR l.ends_on >= %(from)s)
        AND (l.starts_on > e.starts_on OR (l.starts_on = e.starts_on AND l.id > e.id)))
) s
LEFT JOIN (
  SELECT pupil_id, MAX(repeated) AS repeated, SUM(changes) AS changes FROM (
    SELECT e.pupil_id,
      CASE WHEN COUNT(DISTINCT cg.school_year_id) > 1 THEN 1 ELSE 0 END AS repeated,
      SUM(CASE WHEN e.end_reason = 'transferred' AND e.ends_on BETWEEN %(year_ago)s AND %(to)s
          THEN 1 ELSE 0 END) AS changes
    FROM people_enrolment e
    JOIN people_classgroup cg ON cg.id = e.class_group_id
    JOIN people_institution i ON i.id = e.institution_id
    WHERE e.starts_on <= %(to)s AND e.pupil_id IN (
      SELECT pupil_id FROM people_enrolment WHERE starts_on <= %(to)s {only} GROUP BY pupil_id
      HAVING COUNT(*) > 1 OR MAX(CASE WHEN end_reason = 'transferred' THEN 1 ELSE 0 END) = 1)
    GROUP BY e.pupil_id, cg.grade, i.kind
  ) g GROUP BY pupil_id
) h ON h.pupil_id = s.pupil_id
"""

# The crossing condition of ``_fingerprint_sql``'s last column, per enrolment.
_CROSSED = """(e.starts_on > %(lo)s AND e.starts_on <= %(hi)s)
      OR (e.end_reason = 'transferred' AND ((e.ends_on > %(lo)s AND e.ends_on <= %(hi)s)
                                            OR (e.ends_on >= %(ya_lo)s AND e.ends_on < %(ya_hi)s)))"""


def _fingerprint_sql() -> str:
    starts, ends = day_number_sql("e.starts_on"), day_number_sql("e.ends_on")
    birth = day_number_sql("p.birth_date")
    return f"""
SELECT
  (SELECT COUNT(*) || ':' || COALESCE(SUM(e.id), 0) || ':' || COALESCE(SUM(e.pupil_id %% 100003), 0) || ':'
     || COALESCE(SUM((e.id %% 1009) * (e.class_group_id %% 100003)), 0) || ':'
     || COALESCE(SUM((e.id %% 1013) * (e.institution_id %% 100003)), 0) || ':'
     || COALESCE(SUM((e.id %% 1019) * {starts}), 0) || ':' || COALESCE(SUM((e.id %% 1021) * COALESCE({ends}, -1)), 0) || ':'
     || COALESCE(SUM(CASE WHEN e.end_reason = 'transferred' THEN e.id %% 1031 + 1 ELSE 0 END), 0)
   FROM people_enrolment e),
  (SELECT COUNT(*) || ':' || COALESCE(SUM(p.id), 0) || ':' || COALESCE(SUM((p.id %% 1033) * COALESCE({birth}, -1)), 0)
   FROM people_pupil p),
  (SELECT COUNT(*) || ':' || COALESCE(SUM(c.id), 0) || ':' || COALESCE(SUM((c.id %% 1039) * (c.grade + 100 * c.school_year_id)), 0)
   FROM people_classgroup c),
  (SELECT COUNT(*) || ':' || COALESCE(SUM(i.id), 0) || ':'
     || COALESCE(SUM((i.id %% 1049) * (COALESCE(i.municipality_id, 0) * 2 + CASE WHEN i.kind = 'vocational' THEN 1 ELSE 0 END)), 0)
   FROM people_institution i),
  (SELECT COUNT(*) FROM people_enrolment e WHERE {_CROSSED})
"""  # noqa: S608 — names from code, every value a parameter


# The pupils recomputed after a move of the window's end (a temporary table, dropped by the refresh).
MOVED = "moved"


def _pupils_insert(only_e: str = "", only: str = "") -> str:
    select = PUPILS_SQL.format(birth=date_number_sql("p.birth_date"), only_e=only_e, only=only)
    return (
        "INSERT INTO risk_semesterpupil (period_id, pupil_id, municipality_id, over_age_years, repeated_grade, "
        f"school_changes_12m) {select}"
    )


def semester_pupils_ensure(
    cursor: Any, *, params: dict[str, Any], mark: RefreshMark | None, year_ago: dt.date
) -> tuple[str, bool]:
    """Make ``SemesterPupil`` hold the semester's pupils for the window ending ``params["to"]``;
    return (the roster stamp to keep in the refresh mark, whether the table was rebuilt).

    ``mark`` is the semester's last refresh mark: its stamp and window end are what the table was
    last checked against. Without a mark (or with a stamp of another build) the table is rebuilt;
    with the same stamp and a window end moved across enrolments' days, only those enrolments'
    pupils are recomputed, and that is not a rebuild: a pupil's municipality (their thresholds)
    may have changed with it, but the window's end is in every snapshot row (``window_end``), so
    after such a move every pupil's row differs from the stored one and every pupil's flags are
    evaluated anyway."""
    to = params["to"]
    if mark is not None and mark.roster_stamp:
        old_to = mark.period_to
        old_year_ago = _year_before(old_to)
        bounds = {
            "lo": min(old_to, to),
            "hi": max(old_to, to),
            "ya_lo": min(old_year_ago, year_ago),
            "ya_hi": max(old_year_ago, year_ago),
        }
    else:
        bounds = {"lo": to, "hi": to, "ya_lo": year_ago, "ya_hi": year_ago}
    execute(cursor, _fingerprint_sql(), bounds)
    *parts, crossed = cursor.fetchone()
    stamp = "|".join(str(part) for part in parts)
    if mark is not None and mark.roster_stamp == stamp:
        if int(crossed) == 0:
            return stamp, False
        moved = f"SELECT DISTINCT e.pupil_id FROM people_enrolment e WHERE {_CROSSED}"  # noqa: S608 — names from code
        create_temp(cursor, MOVED, moved, bounds, index=[] if is_postgres() else ["pupil_id"])
        only = touched_set_sql(temp_name(MOVED))
        delete = f"DELETE FROM risk_semesterpupil WHERE period_id = %(period)s AND pupil_id {only}"  # noqa: S608 — names from code
        execute(cursor, delete, params)
        execute(cursor, _pupils_insert(only_e=f"AND e.pupil_id {only}", only=f"AND pupil_id {only}"), params)
        return stamp, False
    execute(cursor, "DELETE FROM risk_semesterpupil WHERE period_id = %(period)s", params)
    execute(cursor, _pupils_insert(), params)
    if is_postgres():
        # Read at once by the compare statement: autovacuum's statistics would come too late.
        cursor.execute("ANALYZE risk_semesterpupil")
    return stamp, True


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
