"""Flags from snapshots: every rule over every pupil of a semester, set-based (issue 4 item 2).

``flags_refresh`` evaluates the rule set (``rules.RULES``) over the semester's snapshots in one
statement, with each pupil's threshold taken from the municipality of their latest enrolment in
the semester (``ThresholdOverride``, else the national default), then:

* a live flag (open or accepted) whose condition holds gets the current value, threshold and
  evidence and ``condition_holds`` = true — only if one of them differs, then with
  ``last_seen_at`` = now (a refresh over unchanged facts rewrites no flag); the time of the
  refresh itself, "last checked", is kept once per semester (``FlagCheck``);
* a flag whose condition no longer holds keeps its row and its history; ``condition_holds``
  becomes false (a live one counts as "closed" in the refresh result);
* where the condition holds and no live flag exists, a new open flag is raised — unless the
  latest flag for (pupil, semester, rule) was dismissed and nothing has changed since.

Recurrence after dismissal, exactly: a dismissed flag comes back (as a new open flag whose
``previous`` is the dismissed one) when its condition holds and either (a) the condition stopped
holding at some refresh after the dismissal and holds again (``condition_holds`` of the dismissed
flag went false), or (b) the value is strictly worse than the dismissed flag's value — higher
for "more than" / "at least" rules, lower for attendance. While the condition keeps holding at the
same or a better value, the dismissal stands. The dismissed flag's value stays as it was when it
was dismissed; only live flags are updated.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from pumpurs.people.models import Period
from pumpurs.risk.models import WINDOW_FIELDS, FlagCheck, ThresholdOverride, Window, window_prefix
from pumpurs.risk.rules import RULE_VERSION, RULES, default_threshold
from pumpurs.risk.sql import create_temp, drop_temps, execute, json_object_sql, temp_name, touched_set_sql, tune_session

LIVE = "('open', 'accepted')"
# The columns the readers of flags filter and join on (watch list, counts, picture, decisions).
ANALYZED_COLUMNS = ("pupil_id", "period_id", "status", "rule", "condition_holds")


def _evidence_column(window: str, name: str) -> str:
    """The snapshot column of the indicator ``name`` in ``window`` (one row holds both windows)."""
    if name in WINDOW_FIELDS:
        return f"s.{window_prefix(window)}{name}"
    if name == "average_change" and window != Window.PERIOD:
        return "CAST(NULL AS NUMERIC(4, 2))"  # semesters compared: no 4-week value
    return f"s.{name}"


def loose_holds_sql(alias: str, loosest: dict[str, str]) -> dict[str, str]:
    """Per rule code, the SQL of "the condition holds at the rule's loosest threshold" over the
    snapshot row ``alias`` (``loosest``: ``loosest_thresholds``, passed as parameters ``l_<code>``).
    The refresh's compare statement computes these once per changed row (``f_<code>``), so that the
    candidates below read a boolean instead of evaluating every rule over every row again
    (decision 0049). A count rule with a whole threshold compares integers: as ``NUMERIC`` every
    row's count was converted first (the compare statement took 0.48–0.62 of the floor with the
    conversions on a first refresh, 0.31–0.44 without, under load)."""
    out = {}
    for code, rule in RULES.items():
        limit = Decimal(loosest[f"l_{code}"])
        threshold = f"CAST(%(l_{code})s AS NUMERIC)"
        if rule.whole and limit == limit.to_integral_value():
            threshold = str(int(limit))
        out[code] = rule.holds_sql(rule.value_on(alias), threshold)
    return out


def _candidates_sql(snapshots: str, loosest: dict[str, str], prefiltered: bool = False) -> str:
    """Every (pupil, rule) whose condition holds, with its value, threshold and evidence, from
    the table ``snapshots`` (the snapshot table, or the refresh's table of the rows it changed:
    same columns, one row per pupil with both windows, decision 0049).

    The snapshots are first cut down with each rule's loosest threshold anywhere (``l_<code>``),
    so that only those rows look up the pupil's municipality and its override. That cut is one
    plain filter per rule (a ``UNION ALL`` of one scan per rule): joining the rules as rows and
    picking each one's expression with ``CASE`` cost twice as much at 500 000 snapshots. With
    ``prefiltered`` the table has each rule's cut computed already (``f_<code>``)."""
    names = sorted({column for rule in RULES.values() for column in rule.evidence})
    loose = loose_holds_sql("s", loosest)
    per_rule = " UNION ALL ".join(
        "SELECT s.pupil_id, '{window}' AS \"window\", s.{prefix}{start} AS window_start, s.{prefix}{end} AS window_end, "  # noqa: S608 — names and rule codes from code, every value a parameter
        "{columns}, '{code}' AS rule, CAST(%(t_{code})s AS NUMERIC) AS default_value, {higher} AS worse_higher, "
        "{value} AS value FROM {source} s WHERE s.period_id = %(period)s AND {holds}".format(
            window=rule.window,
            prefix=window_prefix(rule.window),
            start="start" if window_prefix(rule.window) else "window_start",
            end="end" if window_prefix(rule.window) else "window_end",
            columns=", ".join(f"{_evidence_column(rule.window, name)} AS {name}" for name in names),
            code=code,
            higher=1 if rule.worse_is_higher else 0,
            value=rule.value_on("s"),
            source="cut" if prefiltered else snapshots,
            holds=f"s.f_{code}" if prefiltered else loose[code],
        )
        for code, rule in RULES.items()
    )
    evidence = " ".join(
        "WHEN '{code}' THEN {json}".format(
            code=code,
            json=json_object_sql(
                [
                    ("source", f"'{rule.source}'"),
                    ("window", 'c."window"'),
                    ("from", "c.window_start"),
                    ("to", "c.window_end"),
                    ("threshold", "c.threshold"),
                    ("rule_version", "%(version)s"),
                    *((column, f"c.{column}") for column in rule.evidence),
                ]
            ),
        )
        for code, rule in RULES.items()
    )
    holds = " OR ".join(
        f"(c.rule = '{code}' AND {rule.holds_sql('c.value', 'c.threshold')})" for code, rule in RULES.items()
    )
    # Prefiltered: the rows that pass any rule's cut, read once (a few thousand of 50 000), and the
    # seven filters over those rather than seven scans of the whole table.
    cut = ""
    if prefiltered:
        any_rule = " OR ".join(f"s.f_{code}" for code in RULES)
        cut = f"WITH cut AS (SELECT * FROM {snapshots} s WHERE s.period_id = %(period)s AND ({any_rule}))"  # noqa: S608 — names from code
    return f"""
{cut}
SELECT c.pupil_id, c.rule, c.value, c.threshold, c.worse_higher, CASE c.rule {evidence} END AS evidence FROM (
  SELECT p.*, COALESCE((
    SELECT o.value FROM risk_thresholdoverride o WHERE o.rule = p.rule AND o.municipality_id = (
      SELECT i.municipality_id FROM people_enrolment e JOIN people_institution i ON i.id = e.institution_id
      WHERE e.pupil_id = p.pupil_id AND e.starts_on <= %(to)s AND (e.ends_on IS NULL OR e.ends_on >= %(from)s)
      ORDER BY e.starts_on DESC, e.id DESC LIMIT 1)
  ), p.default_value) AS threshold
  FROM ({per_rule}) p
) c
WHERE {holds}
"""  # noqa: S608 — names and rule codes from code, every value a parameter


UPDATE_LIVE_SQL = f"""
UPDATE risk_flag SET value = c.value, threshold = c.threshold, evidence = c.evidence,
  last_seen_at = %(now)s, condition_holds = TRUE, rule_version = %(version)s
FROM {temp_name("candidates")} c
WHERE risk_flag.period_id = %(period)s AND risk_flag.status IN {LIVE}
  AND c.pupil_id = risk_flag.pupil_id AND c.rule = risk_flag.rule
  AND (risk_flag.condition_holds = FALSE OR {{changed}})
"""  # noqa: S608 — names and rule codes from code, every value a parameter

# Live flags first (their count is the refresh's "closed"), then dismissed ones, whose false
# ``condition_holds`` later lets the condition recur.
STOPPED_SQL = f"""
UPDATE risk_flag SET condition_holds = FALSE
WHERE period_id = %(period)s AND condition_holds = TRUE AND status {{status}} {{only}}
  AND NOT EXISTS (SELECT 1 FROM {temp_name("candidates")} c
                  WHERE c.pupil_id = risk_flag.pupil_id AND c.rule = risk_flag.rule)
"""  # noqa: S608 — names and rule codes from code, every value a parameter

# The latest flag of every (pupil, rule) of the semester, and whether the key has a live flag,
# taken aside first: the insert below then reads no table it writes to.
LATEST_SQL = f"""
SELECT f.pupil_id, f.rule, f.id, f.condition_holds, f.value, k.live
FROM risk_flag f JOIN (
  SELECT MAX(id) AS id, MAX(CASE WHEN status IN {LIVE} THEN 1 ELSE 0 END) AS live
  FROM risk_flag WHERE period_id = %(period)s {{only}} GROUP BY pupil_id, rule
) k ON k.id = f.id
"""  # noqa: S608 — names and rule codes from code, every value a parameter

NEW_SQL = f"""
INSERT INTO risk_flag (public_id, pupil_id, period_id, rule, rule_version, status, value, threshold, evidence,
  raised_at, last_seen_at, condition_holds, previous_id)
SELECT {{uuid}}, c.pupil_id, %(period)s, c.rule, %(version)s, 'open', c.value, c.threshold, c.evidence,
  %(now)s, %(now)s, TRUE, lf.id
FROM {temp_name("candidates")} c
LEFT JOIN {temp_name("latest")} lf ON lf.pupil_id = c.pupil_id AND lf.rule = c.rule
WHERE lf.id IS NULL OR (lf.live = 0 AND (lf.condition_holds = FALSE
       OR (c.worse_higher = 1 AND c.value > lf.value) OR (c.worse_higher = 0 AND c.value < lf.value)))
"""  # noqa: S608 — names and rule codes from code, every value a parameter


def _changed_sql() -> str:
    """A live flag's value, threshold, evidence or rule version differs from its candidate's
    (null-safe; evidence compared as ``jsonb`` on PostgreSQL, as its JSON text on SQLite, where a
    flag written by the ORM — other spacing — is then merely rewritten once)."""
    pairs = [("value", "c.value"), ("threshold", "c.threshold"), ("evidence", "c.evidence")]
    pairs.append(("rule_version", "%(version)s"))
    op = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"risk_flag.{column} {op} {expr}" for column, expr in pairs)


def uuid_sql() -> str:
    """A random UUID per row, as each engine stores ``UUIDField`` (SQLite: 32 hex digits)."""
    if connection.vendor == "postgresql":
        return "gen_random_uuid()"
    return "lower(hex(randomblob(16)))"


def loosest_thresholds() -> dict[str, str]:
    """Per rule, the threshold that lets the most snapshots through, over the default and every
    municipal override: a cheap, exact pre-filter."""
    spread = {
        rule: (low, high)
        for rule, low, high in ThresholdOverride.objects.values("rule")
        .annotate(low=Min("value"), high=Max("value"))
        .values_list("rule", "low", "high")
    }
    loosest = {}
    for code, rule in RULES.items():
        candidates = [default_threshold(code), *spread.get(code, ())]
        loosest[f"l_{code}"] = str(min(candidates) if rule.worse_is_higher else max(candidates))
    return loosest


def _analyze_flags(cursor: Any) -> None:
    """Fresh planner statistics for the flag table after a refresh that raised or closed flags
    (PostgreSQL; SQLite plans without statistics).

    The first refresh of a semester raises tens of thousands of open flags at once. Until
    autovacuum next analysed the table the planner believed open flags rare, and the watch list
    of a 1 000-pupil school took 450 ms instead of 60 ms: it intersected each listed pupil's
    flags with every open flag in the country. Key columns only: 40 ms at 50 000 flags (every
    column, the JSON evidence among them: 230 ms)."""
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE risk_flag ({', '.join(ANALYZED_COLUMNS)})")


def flags_refresh(
    *,
    period: Period,
    now: dt.datetime | None = None,
    snapshots: str = "risk_indicatorsnapshot",
    touched: str | None = None,
    prefiltered: bool = False,
) -> tuple[int, int]:
    """Raise, update and close the flags of ``period`` from its snapshots; return (raised, closed).

    ``snapshots`` names the table to read them from: ``indicators_refresh`` passes the temporary
    table it has just written them from (same columns, same rows), so the refresh does not read
    back 500 000 rows it has just written. ``touched`` names a table of the pupils that a refresh of
    only the pupils an import touched recomputed (decision 0048): ``snapshots`` then holds only
    theirs, and no other pupil's flag is read, updated or closed. ``prefiltered``: ``snapshots``
    has each rule's cut at its loosest threshold as a boolean column ``f_<code>`` (the refresh's
    table of changed rows, ``loose_holds_sql``).

    Idempotent: run twice on the same snapshots, the second run raises and closes nothing.
    History is never deleted: a flag that stops holding stays, with ``condition_holds`` false."""
    now = now or timezone.now()
    to = min(timezone.localdate(now), period.ends_on)
    params: dict[str, Any] = {
        "period": period.pk,
        "from": period.starts_on,
        "to": max(to, period.starts_on),
        "now": now,
        "version": RULE_VERSION,
        **{f"t_{code}": str(default_threshold(code)) for code in RULES},
        **(loosest := loosest_thresholds()),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        tune_session(cursor)
        create_temp(
            cursor,
            "candidates",
            _candidates_sql(snapshots, loosest, prefiltered),
            params,
            index=["pupil_id", "rule"],
            keys=["pupil_id", "rule"],
        )
        only = f"AND pupil_id {touched_set_sql(touched)}" if touched else ""
        execute(cursor, UPDATE_LIVE_SQL.format(changed=_changed_sql()), params)
        closed = execute(cursor, STOPPED_SQL.format(status=f"IN {LIVE}", only=only), params)
        execute(cursor, STOPPED_SQL.format(status="= 'dismissed'", only=only), params)
        latest = LATEST_SQL.format(only=only)
        create_temp(cursor, "latest", latest, params, index=["pupil_id", "rule"], keys=["pupil_id", "rule"])
        raised = execute(cursor, NEW_SQL.format(uuid=uuid_sql()), params)
        drop_temps(cursor, ["candidates", "latest"])
        if raised or closed:
            _analyze_flags(cursor)
        FlagCheck.objects.bulk_create(
            [FlagCheck(period_id=period.pk, checked_at=now)],
            update_conflicts=True,
            unique_fields=["period"],
            update_fields=["checked_at"],
        )
    return raised, closed
