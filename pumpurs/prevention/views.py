"""Pages of the trainings. Each view fetches through ``scope`` (404 outside it), parses a form and
calls one service; refusals show on the form."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.prevention import forms as f
from pumpurs.prevention import scope, services
from pumpurs.prevention.models import Training
from pumpurs.prevention.selectors import staff_trained, staff_trained_by_municipality, training_counts


def _training(request: HttpRequest, public_id: UUID) -> Training:
    return get_object_or_404(
        scope.trainings_visible_to(request.user).select_related("municipality"), public_id=public_id
    )


@require_GET
def trainings(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, Perm.VIEW_TRAININGS):
        raise Http404
    visible = scope.trainings_visible_to(request.user).select_related("municipality")
    schools = staff_trained(access.institutions_visible_to(request.user, Perm.VIEW_TRAININGS))
    return render(
        request,
        "prevention/trainings.html",
        {
            "trainings": visible,
            "may_create": access.has_perm(request.user, Perm.MANAGE_TRAININGS),
            "schools": schools,
            "municipalities": staff_trained_by_municipality(schools),
            "counts": training_counts(visible),
        },
    )


@require_http_methods(["GET", "POST"])
def training_create(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, Perm.MANAGE_TRAININGS):
        raise Http404
    actor = request_actor(request)
    form = f.TrainingForm(
        request.POST or None,
        municipalities=access.municipalities_visible_to(actor, Perm.MANAGE_TRAININGS),
        national=access.is_national(actor, Perm.MANAGE_TRAININGS),
    )
    if request.method == "POST" and form.is_valid():
        try:
            training = services.training_create(actor=actor, now=timezone.now(), **form.service_data())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The training is saved: register its participants."))
            return redirect("prevention:training", training.public_id)
    return render(request, "prevention/training_form.html", {"form": form})


def _page(request: HttpRequest, training: Training, **forms: Any) -> HttpResponse:
    actor = request_actor(request)
    manages = scope.may_manage(actor, training)
    participants = scope.participants_visible_to(actor, training).select_related("institution")
    schools = scope.registering_schools(actor, training)
    is_open = training.attendance_marked_at is None
    context = {
        "training": training,
        "participants": participants,
        "manages": manages,
        "staff_form": forms.get("staff_form")
        or (f.StaffForm(schools=schools) if is_open and schools.exists() else None),
        "external_form": forms.get("external_form") or (f.ExternalForm() if is_open and manages else None),
        "attendance_form": forms.get("attendance_form")
        or (
            f.AttendanceForm(participants=participants)
            if manages and participants and timezone.localdate() >= training.starts_on
            else None
        ),
        "certificates": participants.filter(attended=True).exists(),
    }
    status = 400 if any(form is not None and form.errors for form in forms.values()) else 200
    return render(request, "prevention/training_detail.html", context, status=status)


@require_GET
def training_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _page(request, _training(request, public_id))


@require_POST
def register_staff(request: HttpRequest, public_id: UUID) -> HttpResponse:
    training = _training(request, public_id)
    actor = request_actor(request)
    form = f.StaffForm(request.POST, schools=scope.registering_schools(actor, training))
    if form.is_valid():
        school, user = form.chosen()
        try:
            services.participant_register_staff(
                actor=actor, training=training, user=user, institution=school, now=timezone.now()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": user.get_full_name()})
            return redirect("prevention:training", training.public_id)
    return _page(request, training, staff_form=form)


@require_POST
def register_external(request: HttpRequest, public_id: UUID) -> HttpResponse:
    training = _training(request, public_id)
    form = f.ExternalForm(request.POST)
    if form.is_valid():
        try:
            services.participant_register_external(
                actor=request_actor(request), training=training, now=timezone.now(), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": form.cleaned_data["name"]})
            return redirect("prevention:training", training.public_id)
    return _page(request, training, external_form=form)


@require_POST
def attendance(request: HttpRequest, public_id: UUID) -> HttpResponse:
    training = _training(request, public_id)
    actor = request_actor(request)
    if not scope.may_manage(actor, training):
        raise Http404
    form = f.AttendanceForm(request.POST, participants=scope.participants_visible_to(actor, training))
    if form.is_valid():
        try:
            services.attendance_mark(actor=actor, training=training, present=form.present_ids(), now=timezone.now())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Attendance is saved: certificates can be printed for those present."))
            return redirect("prevention:training", training.public_id)
    return _page(request, training, attendance_form=form)


@require_GET
def certificates(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Certificates of participation, one per printed page: everyone present the reader may see,
    or one person (``?participant=<id>``)."""
    training = _training(request, public_id)
    rows = scope.participants_visible_to(request_actor(request), training).filter(attended=True)
    if wanted := request.GET.get("participant"):
        try:
            rows = rows.filter(public_id=UUID(wanted))
        except ValueError:
            raise Http404 from None
    if not rows.exists():
        raise Http404
    return render(request, "prevention/certificates.html", {"training": training, "participants": rows})
