"""Every column the counting rules read is in the window signature, or listed as not needing to be
(decision 0045). A counting rule that starts reading a new column fails here until
``reporting/signatures.py`` sums it too (or ``SIGNATURE_EXEMPT`` says why it need not): otherwise a
past window would keep numbers computed without it.

The rules' columns are read from the querysets themselves (every ``Col`` and join of their
statements and subqueries), the signature's from the SQL it runs."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import Col
from django.db.models.sql.datastructures import Join
from django.db.models.sql.query import Query
from django.test.utils import CaptureQueriesContext

from pumpurs.people.models import Institution
from pumpurs.reporting import definitions as d
from pumpurs.reporting.counts import _FAMILIES
from pumpurs.reporting.signatures import SIGNATURE_EXEMPT, window_signatures
from pumpurs.risk.models import Level, RiskGroup

Column = tuple[str, str]  # (table, column)
START, END = dt.date(2026, 9, 1), dt.date(2026, 12, 31)


def _table_column(field: Any) -> Column:
    return (field.model._meta.db_table, field.column)


def columns_read(node: Any, found: set[Column] | None = None, seen: set[int] | None = None) -> set[Column]:
    """Every (table, column) a queryset's statement reads: selected, filtered, annotated, joined
    on — in its subqueries too."""
    found = set() if found is None else found
    seen = set() if seen is None else seen
    if node is None or isinstance(node, (str, int, float, bool, dt.date)) or id(node) in seen:
        return found
    seen.add(id(node))
    if isinstance(node, QuerySet):
        node = node.query
    if isinstance(node, Col):
        found.add(_table_column(node.target))
        return found
    if isinstance(node, Query):
        for join in node.alias_map.values():
            if isinstance(join, Join):
                for lhs, rhs in join.join_fields:
                    found.update({_table_column(lhs), _table_column(rhs)})
        for part in (node.where, *node.annotations.values(), *node.select):
            columns_read(part, found, seen)
        return found
    if isinstance(getattr(node, "query", None), Query):  # Subquery, Exists
        columns_read(node.query, found, seen)
    for child in getattr(node, "children", ()):  # WhereNode
        columns_read(child, found, seen)
    for side in ("lhs", "rhs"):  # lookups
        columns_read(getattr(node, side, None), found, seen)
    if hasattr(node, "get_source_expressions"):
        for part in node.get_source_expressions():
            columns_read(part, found, seen)
    if isinstance(node, (list, tuple)):
        for part in node:
            columns_read(part, found, seen)
    return found


def counting_rules() -> list[QuerySet[Any]]:
    """Every definition the dashboards' refresh counts with (``reporting.counts``)."""
    schools = Institution.objects.all()
    rules = [family(schools, START, END) for family in _FAMILIES.values()]
    rules.append(d.flagged_pupils(schools, START, END, rule="attendance_4w"))
    rules += [d.assessed_pupils(schools, START, END, level=level) for level in Level.values]
    rules += [d.assessed_pupils(schools, START, END, group=group) for group in RiskGroup.values]
    rules.append(d.deliveries_in(schools, START, END))
    return rules


def signature_columns() -> set[Column]:
    """The (table, column) pairs the signature's statements name."""
    with CaptureQueriesContext(connection) as queries:
        window_signatures([("week", START, START + dt.timedelta(days=6)), ("semester", START, END)])
    pairs = set()
    for query in queries.captured_queries:
        pairs |= set(re.findall(r'"(\w+)"\."(\w+)"', query["sql"]))
    return pairs


@pytest.mark.django_db
def test_every_column_the_counting_rules_read_is_in_the_signature() -> None:
    read: set[Column] = set()
    for rule in counting_rules():
        columns_read(rule, read)
    assert ("risk_flag", "status") in read  # the walk sees into the rules' subqueries
    missing = read - signature_columns() - set(SIGNATURE_EXEMPT)
    assert not missing, f"columns the counting rules read that no window signature sums: {sorted(missing)}"


@pytest.mark.django_db
def test_the_check_notices_a_column_left_out() -> None:
    signed = signature_columns()
    assert ("risk_flag", "status") in signed  # which flags are accepted now: the at-risk count
    assert ("support_delivery", "voided_at") in signed


def test_every_exemption_says_why() -> None:
    assert all(len(reason) > 20 for reason in SIGNATURE_EXEMPT.values())
