"""Time the watch list's top block of overdue reviews (``{% overdue_reviews_block %}``) in-process.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/pumpurs_bench_... \\
        .venv/bin/python benchmarks/watch_overdue.py [--calls 30] [--runs 3]

Against a seeded database (``pumpurs seed --preset gulbene`` or ``national``), for the school
coordinator of the school with the most active plans: the day is put just after the latest active
plan's semester and grace period, so the block has rows to show. Each call builds the block as the
tag does (the two querysets, their rows, the template) — the part of the watch list the issue-13
profile put at ~177 ms of a 50-row page. Prints min and median per run, the queries of one call,
and the load average. Nothing is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pumpurs.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext

    from pumpurs.people.models import Role, RoleGrant
    from pumpurs.support.models import Plan, PlanStatus
    from pumpurs.support.timeline import overdue_reviews, plan_url

    active = Plan.objects.filter(status__in=[PlanStatus.ACTIVE, PlanStatus.IN_REVIEW])
    busiest = active.values("case__institution").annotate(n=Count("pk")).order_by("-n").first()
    if busiest is None:
        sys.exit("no active plan in this database: seed it first (pumpurs seed --preset gulbene)")
    grant = (
        RoleGrant.objects.filter(role=Role.SCHOOL_COORDINATOR, institution_id=busiest["case__institution"])
        .select_related("user", "institution")
        .first()
    )
    if grant is None:
        sys.exit("the school with the most plans has no school coordinator")
    user, institution = grant.user, grant.institution
    latest = active.filter(case__institution=institution).order_by("-period__ends_on").first()
    assert latest is not None
    today = latest.period.ends_on + dt.timedelta(days=settings.PUMPURS_REVIEW_GRACE_DAYS + 1)

    def block() -> str:
        overdue = overdue_reviews(user, institution, today=today)
        context = {"overdue": overdue, "plans": [(plan, plan_url(plan)) for plan in overdue.plans]}
        return render_to_string("support/watch_overdue.html", context)

    html = block()  # the grants are read once per request, as on the page
    with CaptureQueriesContext(connection) as queries:
        block()
    rows = html.count('<th scope="row">')
    print(f"school {institution.name}: {rows} rows in the block on {today}, {len(queries)} queries per call")
    for sql in queries.captured_queries:
        print(f"  {float(sql['time']) * 1000:.1f} ms  {sql['sql'][:120]}…")
    for run in range(args.runs):
        times = []
        for _ in range(args.calls):
            started = time.perf_counter()
            block()
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"run {run + 1}: {args.calls} calls, min {min(times):.1f} ms, median {statistics.median(times):.1f} ms"
            f" (load {os.getloadavg()[0]:.1f})"
        )


if __name__ == "__main__":
    main()
