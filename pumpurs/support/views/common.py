"""Small helpers shared by the support views."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render

from pumpurs.audit.services import record_view
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.people.auth import client_address
from pumpurs.support.models import Case
from pumpurs.support.scope import may_work_on


def not_post(request: HttpRequest) -> HttpResponse | None:
    """405 for anything but POST — checked after the object was fetched, so another school's
    object answers 404 whatever the method."""
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


def attach(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal on the form: on the field it names when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, [m for e in errors for m in e.messages])
    else:
        form.add_error(None, error.messages)


def flash(request: HttpRequest, prefix: str, error: ValidationError) -> None:
    messages.error(request, f"{prefix} {' '.join(error.messages)}")


def form_problems(form: forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def record(request: HttpRequest, case: Case, target: Any) -> None:
    """Every page that shows a pupil's support record is written to the trail (as the profile)."""
    record_view(actor=request_actor(request), pupil_id=case.pupil_id, target=target, ip_address=client_address(request))


def confirmed(request: HttpRequest) -> bool:
    """Whether a destructive step's POST comes from its confirmation page (``confirm_page``)."""
    return request.POST.get("confirmed") == "yes"


def confirm_page(request: HttpRequest, case: Case, *, title: str, consequences: list[str], button: str) -> HttpResponse:
    """The confirmation step of a destructive action: what will happen, and the same POST again
    with ``confirmed=yes`` (its fields carried over), or back to the case. Nothing is written."""
    record(request, case, case)
    carried = [
        (k, v) for k, values in request.POST.lists() if k not in ("csrfmiddlewaretoken", "confirmed") for v in values
    ]
    context = {
        "case": case,
        "pupil": case.pupil,
        "title": title,
        "consequences": consequences,
        "button": button,
        "action": request.path,
        "carried": carried,
    }
    return render(request, "support/confirm.html", context)


def may(request: HttpRequest, case: Case, perm: Perm) -> bool:
    return may_work_on(request.user, case, perm)
