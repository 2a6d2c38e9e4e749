""" "Mani darbi" (my work): what waits for this user, contributed by the apps (decision 0021).

People renders the home page, the lists and the navigation's count but knows no app above it
(STYLE.md "Contribute, don't reach up"). Each app registers its *kinds* of work in its
``AppConfig.ready()``, as ``people.registry`` does for navigation items. A kind says:

* ``applies(user)``: whether the user's role may act on this kind at all (no grant, no kind);
* ``items(user, today)``: ONE queryset of the items waiting for the user, within their scope
  (``people.access`` / ``support.scope``), annotated with ``work_since`` (a date or a moment: when
  the item started waiting). People orders it oldest first, counts it, filters it by school and
  age, and pages it — all in the database, never per item in Python;
* ``in_school(items, institution, today)``: the same items narrowed to one school (the list's filter);
* ``rows(objects, today)``: the rows shown for one page or one export (``WorkRow``: subject,
  school, what, link, the pupil it names), from the queryset's objects without further queries
  per row.

The counts of every kind the user has are ONE statement (``summary``: a scalar subquery per kind),
cached on the user object for the request, so the navigation's count costs one query per page.
A list that names pupils records who saw which pupils (``people.work.listed``), an export who
exported them (``people.work.exported``).

"Children without a school" is support's kind ``no_school`` (order 15, ``support/work.py``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import DateTimeField, Exists, F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise

from pumpurs.people.models import Enrolment
from pumpurs.people.selectors import open_on

Applies = Callable[[Any], bool]
Items = Callable[[Any, dt.date], QuerySet[Any]]
InSchool = Callable[[QuerySet[Any], Any, dt.date], QuerySet[Any]]  # (items, institution, today)


@dataclass(frozen=True)
class WorkRow:
    """One item of a list, as shown and exported."""

    subject: str  # usually the pupil's name; a file name for an import
    school: str
    what: str  # the short reason or state
    since: dt.date
    url: str
    pupil_id: int | None = None  # for the audit trail: whose name the row shows

    def age_days(self, today: dt.date) -> int:
        return max((today - self.since).days, 0)


Rows = Callable[[Sequence[Any], dt.date], list[WorkRow]]


@dataclass(frozen=True)
class WorkKind:
    code: str
    label: str | Promise  # lazily translated: "Flags to decide"
    help: str | Promise  # one sentence: what the user does about it
    order: int
    applies: Applies
    items: Items
    in_school: InSchool
    rows: Rows


_kinds: dict[str, WorkKind] = {}


def work_kind_register(kind: WorkKind) -> None:
    """Register (or replace, by ``code``) a kind of work."""
    _kinds[kind.code] = kind


def kinds() -> list[WorkKind]:
    return sorted(_kinds.values(), key=lambda k: (k.order, k.code))


def kinds_for(user: Any) -> list[WorkKind]:
    return [kind for kind in kinds() if kind.applies(user)]


def kind_for(user: Any, code: str) -> WorkKind | None:
    kind = _kinds.get(code)
    return kind if kind is not None and kind.applies(user) else None


def since_date(value: Any) -> dt.date | None:
    """``work_since`` as a day in Riga: a moment is read in local time; a raw SQL value (SQLite
    answers text) is parsed first."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.replace("T", " ")
        if len(text) <= 10:
            return dt.date.fromisoformat(text)
        moment = dt.datetime.fromisoformat(text)
        value = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = value.replace(tzinfo=dt.UTC)
        return timezone.localtime(value).date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"work_since must be a date or a moment, not {value!r}")


@dataclass(frozen=True)
class KindCount:
    kind: WorkKind
    count: int
    oldest: dt.date | None

    def age_days(self, today: dt.date) -> int | None:
        return None if self.oldest is None else max((today - self.oldest).days, 0)


@dataclass(frozen=True)
class Summary:
    counts: list[KindCount]

    @property
    def total(self) -> int:
        return sum(c.count for c in self.counts)


def ordered(items: QuerySet[Any]) -> QuerySet[Any]:
    """Oldest first; ties by key, so pages are stable."""
    return items.order_by(F("work_since").asc(nulls_first=True), "pk")


def summary(user: Any, *, today: dt.date | None = None, oldest: bool = True) -> Summary:
    """How many items of each kind wait for ``user`` and since when the oldest: one statement
    for all kinds (a derived table each, cross-joined into one row), none when the user has no
    kind. ``oldest=False`` counts only (the navigation's total): no kind's ``work_since`` is
    computed then, which for some kinds is a subquery per item."""
    today = today or timezone.localdate()
    parts: list[str] = []
    params: list[Any] = []
    present: list[WorkKind] = []
    empty: list[WorkKind] = []
    for kind in kinds_for(user):
        items = kind.items(user, today).order_by()
        query = items.values("work_since") if oldest else items.values("pk")
        try:
            sql, sql_params = query.query.sql_with_params()
        except EmptyResultSet:
            empty.append(kind)
            continue
        n = len(present)
        # Table and column names come from the ORM's compiler; values are parameters.
        since = "MIN(work_since)" if oldest else "NULL"
        parts.append(f"(SELECT COUNT(*), {since} FROM ({sql}) w{n}) k{n}")  # noqa: S608
        params.extend(sql_params)
        present.append(kind)
    values: list[Any] = []
    if parts:
        with connection.cursor() as cursor:
            # One row: each kind's (count, oldest) side by side.
            cursor.execute("SELECT * FROM " + " CROSS JOIN ".join(parts), params)  # noqa: S608 - the ORM compiled it
            values = list(cursor.fetchone())
    counts = {k.code: KindCount(k, 0, None) for k in empty}
    for index, kind in enumerate(present):
        count, oldest = values[2 * index], values[2 * index + 1]
        counts[kind.code] = KindCount(kind, int(count or 0), since_date(oldest) if count else None)
    return Summary([counts[k.code] for k in kinds_for(user)])


def cached_summary(user: Any, *, oldest: bool = True) -> Summary:
    """``summary`` once per request: cached on the user object, which lives as long as the request
    (a summary with the oldest items also answers a request for counts only)."""
    cached: Summary | None = getattr(user, "_pumpurs_work", None)
    if cached is None or (oldest and not getattr(user, "_pumpurs_work_oldest", False)):
        cached = summary(user, oldest=oldest)
        user._pumpurs_work = cached
        user._pumpurs_work_oldest = oldest
    return cached


# The navigation's count is kept in the session this long: counting every kind costs ~100 ms of
# Python and SQL on the national data (docs/performance.md), too much for every page. The home
# page counts afresh and resets it, so it is exact there and at most this old elsewhere.
NAV_COUNT_SECONDS = 60
_SESSION_KEY = "pumpurs_work_total"


def remember_total(request: Any, total: int) -> None:
    """Keep the count in the session. A session that already holds the same count, counted less
    than half of NAV_COUNT_SECONDS ago, is not written again: every write is an UPDATE and a
    commit of its own, and the home page — the busiest page — would otherwise make one on every
    visit (decision 0042). Skipping never makes the count staler: the kept moment stays the older
    one, so the other pages count afresh sooner, never later."""
    session = getattr(request, "session", None)  # an error page may render before the session exists
    if session is None:
        return
    now = time.time()
    kept = session.get(_SESSION_KEY)
    if kept and kept[0] == total and 0 <= now - kept[1] < NAV_COUNT_SECONDS / 2:
        return
    session[_SESSION_KEY] = [total, now]


def total_for(request: Any) -> int:
    """The navigation's count: what waits for the user, all kinds together (see NAV_COUNT_SECONDS)."""
    session = getattr(request, "session", None)
    kept = session.get(_SESSION_KEY) if session is not None else None
    if kept and 0 <= time.time() - kept[1] < NAV_COUNT_SECONDS:
        return int(kept[0])
    total = cached_summary(request.user, oldest=False).total
    remember_total(request, total)
    return total


# --- Helpers for kinds whose items belong to a pupil ----------------------------------------------


def pupil_school(pupil_ref: Any, today: dt.date) -> Subquery:
    """The name of the school of the pupil's newest enrolment open on ``today`` (a correlated
    subquery: one index probe per row shown, never a query per row)."""
    newest = Enrolment.objects.filter(open_on(today), pupil_id=pupil_ref).order_by("-starts_on", "-pk")
    return Subquery(newest.values("institution__name")[:1])


def pupil_in_school(items: QuerySet[Any], pupil_path: str, institution: Any, today: dt.date) -> QuerySet[Any]:
    """``items`` whose pupil (reached by ``pupil_path``, e.g. ``"pupil_id"``) is enrolled at
    ``institution`` on ``today``."""
    enrolled = Enrolment.objects.filter(open_on(today), pupil_id=OuterRef(pupil_path), institution=institution)
    return items.filter(Exists(enrolled))


def pupil_name(pupil: Any) -> str:
    return f"{pupil.first_name} {pupil.last_name}"


def waiting_at_least(items: QuerySet[Any], days: int, today: dt.date) -> QuerySet[Any]:
    """``items`` that have waited ``days`` days or more: ``work_since`` on or before that day (for
    a moment: before the next day begins in Riga)."""
    last_day = today - dt.timedelta(days=days)
    field = items.query.annotations["work_since"].output_field
    if isinstance(field, DateTimeField):
        next_day = dt.datetime.combine(
            last_day + dt.timedelta(days=1), dt.time(), tzinfo=timezone.get_current_timezone()
        )
        return items.filter(work_since__lt=next_day)
    return items.filter(work_since__lte=last_day)
