"""Scanned consents and delivery evidence: never served from a public address, only through
these views, which check the reader's scope (404 otherwise) and write the download to the trail."""

from __future__ import annotations

from pathlib import PurePath
from uuid import UUID

from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from pumpurs.audit.services import audit_record
from pumpurs.people.actors import request_actor
from pumpurs.people.auth import client_address
from pumpurs.support.scope import consents_visible_to, deliveries_visible_to


def _serve(
    request: HttpRequest, file: FieldFile, *, pupil_id: int, target: models.Model, kind: str
) -> HttpResponseBase:
    if not file:
        raise Http404
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    with transaction.atomic():
        audit_record(
            actor=request_actor(request),
            action="support.file.downloaded",
            pupil_id=pupil_id,
            target=target,
            data={"kind": kind},
            ip_address=client_address(request),
        )
    return FileResponse(handle, as_attachment=True, filename=PurePath(file.name or "").name)


@require_GET
def consent_document(request: HttpRequest, public_id: UUID) -> HttpResponseBase:
    consent = get_object_or_404(consents_visible_to(request.user).select_related("case"), public_id=public_id)
    return _serve(request, consent.document, pupil_id=consent.case.pupil_id, target=consent, kind="consent")


@require_GET
def delivery_evidence(request: HttpRequest, public_id: UUID) -> HttpResponseBase:
    delivery = get_object_or_404(
        deliveries_visible_to(request.user).select_related("line__plan__case"), public_id=public_id
    )
    return _serve(
        request, delivery.evidence, pupil_id=delivery.line.plan.case.pupil_id, target=delivery, kind="evidence"
    )
