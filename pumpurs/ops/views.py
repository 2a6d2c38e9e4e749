"""The system admin's page of scheduled jobs, and /healthz for the proxy and monitoring."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pumpurs.ops.selectors import jobs_overview, workers_alive
from pumpurs.people import access
from pumpurs.people.access import Perm


@require_GET
def jobs(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, Perm.VIEW_JOBS):
        raise Http404
    now = timezone.now()
    context = {"statuses": jobs_overview(now=now), "workers": workers_alive(now=now), "now": now}
    return render(request, "ops/jobs.html", context)


@login_not_required  # the proxy and the monitor sign in to nothing; the answer names no one
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and a worker beat recently; 503 saying which is wrong."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        worker_ok = bool(workers_alive(now=timezone.now()))
    except DatabaseError:
        return JsonResponse({"status": "fail", "database": "fail", "worker": "unknown"}, status=503)
    status = 200 if worker_ok else 503
    body = {"status": "ok" if worker_ok else "fail", "database": "ok", "worker": "ok" if worker_ok else "stale"}
    return JsonResponse(body, status=status)
