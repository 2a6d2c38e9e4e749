"""The site's own error pages that need a view: the CSRF failure (the others are templates)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The form's security token did not match (an old tab, a new sign-in elsewhere): show the
    site's page with what was typed kept in a form that carries a fresh token, so one click sends
    it again — the user decides; nothing is re-sent by itself. Uploaded files cannot be kept."""
    fields = [
        (name, value) for name, values in request.POST.lists() if name != "csrfmiddlewaretoken" for value in values
    ]
    context = {"fields": fields, "action": request.path, "had_files": bool(request.FILES)}
    return render(request, "403_csrf.html", context, status=403)
