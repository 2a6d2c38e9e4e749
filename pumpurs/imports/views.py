"""The import pages: upload a file, watch it being checked, read the result, apply a clean check.

No file is read within a request (issue 17, H2): the page records the upload and the worker reads
it, within the reader's limits, while the batch page shows how far it has got.

Every batch is fetched through ``selectors.batches_visible_to``: a batch of a school outside the
user's import scope answers 404, exactly like one that does not exist. A user without the import
permission gets 404 on every page.
"""

from __future__ import annotations

import codecs
import functools
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from pumpurs.audit.services import audit_record
from pumpurs.imports import selectors
from pumpurs.imports.forms import ImportUploadForm
from pumpurs.imports.heartbeat import batch_stalled
from pumpurs.imports.models import ImportBatch
from pumpurs.imports.services import (
    import_batch_confirm,
    import_batch_confirmable,
    import_batch_create,
)
from pumpurs.imports.tasks import import_batch_process
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.people.auth import client_address


def _require_import_perm(request: HttpRequest) -> None:
    if not access.has_perm(request.user, Perm.IMPORT_DATA):
        raise Http404


@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    _require_import_perm(request)
    page = selectors.batch_page(request.user, number=request.GET.get("page"))
    return render(request, "imports/batch_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    _require_import_perm(request)
    bound = request.method == "POST"
    form = ImportUploadForm(request.POST if bound else None, request.FILES if bound else None, user=request.user)
    if bound and form.is_valid():
        data = form.cleaned_data
        try:
            with _local_path(data["file"]) as path:
                batch = import_batch_create(
                    actor=request_actor(request),
                    kind=data["kind"],
                    path=path,
                    filename=data["file"].name,
                    institution=data["institution"],
                    dry_run=True,
                    encoding_choice=data["encoding"],
                    sheet=data["sheet"].strip(),
                )
        except PermissionDenied as exc:
            # E.g. a roster for a school where the user may import facts but not register pupils.
            form.add_error(None, str(exc))
        else:
            _start(batch)
            return redirect("import_detail", public_id=batch.public_id)
    return render(request, "imports/upload.html", {"form": form})


@require_GET
def import_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    batch = get_object_or_404(selectors.batches_visible_to(request.user), public_id=public_id)
    # A batch whose worker died says so at once, before the reaper job records it.
    stalled = batch_stalled(batch, now=timezone.now())
    pending = batch.status in (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING) and not stalled
    context = {
        "batch": batch,
        "pending": pending,
        "interrupted": stalled or batch.status == ImportBatch.Status.INTERRUPTED,
        "progress": selectors.batch_progress(batch) if pending else None,
        "may_apply": import_batch_confirmable(actor=request_actor(request), batch=batch),
        "confirmation": selectors.confirmation_of(batch),
        "more_errors": max(0, batch.error_count - len(batch.errors)),
    }
    return render(request, "imports/batch_detail.html", context)


@require_http_methods(["GET", "POST"])
def import_apply(request: HttpRequest, public_id: UUID) -> HttpResponse:
    # GET is routed here only to answer 404 before 405: whether a batch exists is not disclosed.
    batch = get_object_or_404(selectors.batches_visible_to(request.user), public_id=public_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        confirmed = import_batch_confirm(actor=request_actor(request), batch=batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("import_detail", public_id=batch.public_id)
    _start(confirmed)
    return redirect("import_detail", public_id=confirmed.public_id)


@require_GET
def import_errors(request: HttpRequest, public_id: UUID) -> StreamingHttpResponse:
    batch = get_object_or_404(selectors.batches_visible_to(request.user), public_id=public_id)
    if not batch.report:
        raise Http404
    try:
        handle = batch.report.open("rb")
    except FileNotFoundError:
        raise Http404 from None  # purged with the batch's files after the retention period
    with transaction.atomic():
        audit_record(
            actor=request_actor(request),
            action="imports.report.downloaded",
            target=batch,
            data={"kind": batch.kind, "errors": batch.error_count},
            ip_address=client_address(request),
        )
    response = StreamingHttpResponse(_with_bom(handle), content_type="text/csv; charset=utf-8")
    name = f"{batch.kind}-errors-{batch.created_at:%Y-%m-%d}-{str(batch.public_id)[:8]}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _with_bom(handle: File[bytes]) -> Iterator[bytes]:
    """The stored report, preceded by a byte-order mark so that spreadsheets read it as UTF-8
    (Latvian letters otherwise come out garbled in Excel)."""
    try:
        yield codecs.BOM_UTF8
        while chunk := handle.read(64 * 1024):
            yield chunk
    finally:
        handle.close()


def _start(batch: ImportBatch) -> None:
    """Leave the file to the worker once the batch record is committed, whatever its size: a
    hostile file of a few hundred kilobytes can cost minutes and gigabytes to read, and only the
    worker reads within limits. It runs as a system actor for its submitter, with the same authority."""
    transaction.on_commit(functools.partial(import_batch_process.enqueue, batch.pk))


@contextmanager
def _local_path(upload: UploadedFile[bytes]) -> Iterator[Path]:
    """The upload as a file on disk: Django's own temporary file when it made one, else a copy."""
    if hasattr(upload, "temporary_file_path"):
        yield Path(upload.temporary_file_path())
        return
    with tempfile.TemporaryDirectory(prefix="pumpurs-upload-") as tmp:
        path = Path(tmp) / "upload"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        yield path
