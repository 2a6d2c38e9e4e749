"""Pages of the materials library: every signed-in user reads it (``LoginRequiredMiddleware``);
files are served only through ``version_file``, never from a public address."""

from __future__ import annotations

from pathlib import PurePath
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.prevention import materials
from pumpurs.prevention.materials_forms import LibraryFilterForm, MaterialForm, VersionForm
from pumpurs.prevention.models import Material, MaterialVersion


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    form = LibraryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = materials.library(**{k: v for k, v in filters.items() if v})
    return render(
        request,
        "prevention/library.html",
        {"form": form, "materials": rows, "may_add": access.has_perm(request.user, Perm.MANAGE_MATERIALS)},
    )


@require_http_methods(["GET", "POST"])
def material_create(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, Perm.MANAGE_MATERIALS):
        raise Http404
    actor = request_actor(request)
    form = MaterialForm(
        request.POST or None,
        request.FILES or None,
        municipalities=access.municipalities_visible_to(actor, Perm.MANAGE_MATERIALS),
        national=access.is_national(actor, Perm.MANAGE_MATERIALS),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            material = materials.material_create(
                actor=actor,
                municipality=d["municipality"],
                title=d["title"],
                description=d["description"],
                language=d["language"],
                audience=d["audience"],
                topics=d["topics"],
                file=d["file"],
                url=d["url"],
                now=timezone.now(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The material is in the library."))
            return redirect("materials:material", material.public_id)
    return render(request, "prevention/material_form.html", {"form": form}, status=400 if form.errors else 200)


def _detail(request: HttpRequest, material: Material, form: VersionForm | None = None) -> HttpResponse:
    manages = materials.materials_managed_by(request.user).filter(pk=material.pk).exists()
    return render(
        request,
        "prevention/material_detail.html",
        {
            "material": material,
            "versions": material.versions.select_related("added_by"),
            "topics": [t.get_group_display() for t in material.topics.all()],
            "form": form or (VersionForm() if manages else None),
        },
        status=400 if form is not None and form.errors else 200,
    )


@require_GET
def material_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _detail(request, get_object_or_404(Material.objects.select_related("municipality"), public_id=public_id))


@require_POST
def version_add(request: HttpRequest, public_id: UUID) -> HttpResponse:
    material = get_object_or_404(Material, public_id=public_id)
    form = VersionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            materials.material_version_add(
                actor=request_actor(request),
                material=material,
                file=form.cleaned_data["file"],
                url=form.cleaned_data["url"],
                note=form.cleaned_data["note"],
                now=timezone.now(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The new version is current."))
            return redirect("materials:material", material.public_id)
    return _detail(request, material, form)


@require_GET
def version_file(request: HttpRequest, public_id: UUID) -> HttpResponseBase:
    version = get_object_or_404(MaterialVersion, public_id=public_id)
    if not version.file:
        raise Http404
    try:
        handle = version.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=PurePath(version.file.name or "").name)
