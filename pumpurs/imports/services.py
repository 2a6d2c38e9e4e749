"""Import services: one batch record, the file kept with it, one audit event per batch.

A batch runs as a ``SystemActor`` (decision 0012): the server operator's command line with the
scope it names, or — for a file a person submitted — an actor that carries out their request with
their authority as it is when the file is run (``import_batch_actor``). A submitter who was deleted
or lost the grant in between leaves an actor that may do nothing, and the batch is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.imports.facts import facts_after_import
from pumpurs.imports.heartbeat import Heartbeat, progress_path
from pumpurs.imports.models import KINDS, ImportBatch
from pumpurs.imports.readers import BATCH_ROWS, SourceError, open_source
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Actor, Scope, SystemActor, actor_user, require_actor
from pumpurs.people.models import Institution, User

# The engine, the specs and the context work in polars: they are imported inside the functions
# that run a file, so the pages and the worker's start, which reach this module, do not load it
# (decision 0054).
if TYPE_CHECKING:
    from pumpurs.imports.result import ImportResult

STORED_ERRORS = 200
# The system actors that run imports, by channel (their names go to the audit trail).
IMPORT_WORKER = "system:import-worker"  # a queued file, run by `pumpurs worker`
IMPORT_CLI = "system:import-cli"  # `pumpurs import`, run by the server's operator


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def import_perms(kind: str) -> frozenset[Perm]:
    """What importing ``kind`` takes: the import right, and for rosters the right to register and
    move pupils (the same right the people services ask for). The register of institutions also
    needs ``MANAGE_INSTITUTIONS`` nationally, which its spec checks (documented ``not_allowed``)."""
    if kind == "pupils":
        return frozenset({Perm.IMPORT_DATA, Perm.MANAGE_PUPILS})
    if kind == "staff":
        # Staff files are the grant policy's (``access.may_grant``): whoever appoints staff imports them.
        return frozenset({Perm.MANAGE_STAFF})
    if kind == "budgets":
        # Budgets are set by whoever may set them (``finance.budgets``): the spec checks each row's level.
        return frozenset({Perm.MANAGE_BUDGETS})
    return frozenset({Perm.IMPORT_DATA})


def _may_import(actor: Actor, kind: str, institution: Institution | None) -> bool:
    for perm in import_perms(kind):
        if not access.has_perm(actor, perm):
            return False
        if (
            institution is not None
            and not access.institutions_visible_to(actor, perm).filter(pk=institution.pk).exists()
        ):
            return False
    return True


def _check_permission(actor: Actor, kind: str, institution: Institution | None) -> None:
    if kind == "pupils" and access.has_perm(actor, Perm.IMPORT_DATA) and not access.has_perm(actor, Perm.MANAGE_PUPILS):
        # The real cause, not a bare refusal: the municipality imports facts, schools their rosters.
        raise PermissionDenied(
            _(
                "Class lists are imported by those who register pupils (the school coordinators); "
                "you may import attendance, grades and incidents."
            )
        )
    if not all(access.has_perm(actor, perm) for perm in import_perms(kind)):
        raise PermissionDenied(_("You may not import data."))
    if not _may_import(actor, kind, institution):
        raise PermissionDenied(_("You may not import data for this school."))


def import_operator(*, institution: Institution | None) -> SystemActor:
    """The authority of ``pumpurs import`` run by the server's operator without ``--user``: every
    import right, over the school named by ``--institution`` or, without one, explicitly the whole
    country (DESIGN §6)."""
    return SystemActor(
        name=IMPORT_CLI,
        perms=frozenset(
            {Perm.IMPORT_DATA, Perm.MANAGE_PUPILS, Perm.MANAGE_INSTITUTIONS, Perm.MANAGE_STAFF, Perm.MANAGE_BUDGETS}
        ),
        scope=Scope.schools([institution.pk]) if institution is not None else Scope.country(),
    )


def import_batch_actor(batch: ImportBatch, *, name: str = IMPORT_WORKER) -> SystemActor:
    """The authority a file submitted by a person runs with: what their grants give now, narrowed
    to the batch's school (checked when the file was submitted), never more. A deleted or
    deactivated submitter, or one who lost a grant, gives an actor that may do nothing."""
    return access.acting_for(batch.actor, name=name, perms=import_perms(batch.kind), within=batch.institution)


def import_batch_create(
    *,
    actor: Actor,
    kind: str,
    path: Path,
    filename: str,
    institution: Institution | None,
    dry_run: bool,
    encoding_choice: str = "",
    sheet: str = "",
) -> ImportBatch:
    """Record a submitted file (kept for the retention period) before it is checked.

    ``encoding_choice`` and ``sheet`` are kept for a worker that runs the batch later (blank: detect,
    first sheet)."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    actor = require_actor(actor)
    _check_permission(actor, kind, institution)
    batch = ImportBatch(
        kind=kind,
        # The person who submitted it (none when the server's operator did): a later run acts for them.
        actor=actor_user(actor),
        institution=institution,
        dry_run=dry_run,
        filename=Path(filename).name[:255],
        sha256=file_sha256(path),
        size_bytes=path.stat().st_size,
        encoding_choice=encoding_choice,
        sheet=sheet,
        language=translation.get_language() or "",
    )
    with path.open("rb") as handle:
        batch.file.save(str(batch.public_id), File(handle), save=False)
    batch.save()
    return batch


def import_batch_run(
    batch: ImportBatch,
    *,
    actor: Actor,
    encoding: str | None = None,
    sheet: str | None = None,
    today: dt.date | None = None,
    batch_rows: int = BATCH_ROWS,
    on_progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Check and (unless a dry run) apply ``batch``'s file as ``actor`` — the operator's
    ``import_operator``, ``import_batch_actor`` for a file a person submitted. The facts and the
    batch's audit event commit together; a rejected file changes nothing but its own batch record
    and event. An actor who may not import this file for its school is refused the same way, with
    the reason on the batch. An unexpected failure (database, disk) marks the batch failed,
    audited, and re-raises."""
    actor = require_actor(actor)
    person = actor_user(actor)
    if (person.pk if person is not None else None) != batch.actor_id:
        raise ValueError("A batch runs with the authority of whoever submitted it, not another person's.")
    today = today or timezone.localdate()
    batch.status = ImportBatch.Status.RUNNING
    batch.save(update_fields=["status"])
    # The messages are written in the submitter's language, whichever process runs the file.
    with translation.override(batch.language or translation.get_language()):
        refusal = _refusal(batch, actor)
        if refusal is not None:
            with transaction.atomic():
                _record(batch, refusal, actor)
            return refusal
        try:
            with Heartbeat(progress_path(batch)) as heartbeat:
                return _run(
                    batch,
                    actor=actor,
                    encoding=encoding,
                    sheet=sheet,
                    today=today,
                    batch_rows=batch_rows,
                    heartbeat=heartbeat,
                    on_progress=on_progress,
                )
        except Exception as exc:
            with transaction.atomic():
                batch.status = ImportBatch.Status.FAILED
                batch.finished_at = timezone.now()
                batch.save(update_fields=["status", "finished_at"])
                audit_record(
                    actor=actor,
                    action="imports.batch.failed",
                    target=batch,
                    data={"kind": batch.kind, "file_sha256": batch.sha256, "error": type(exc).__name__},
                )
            raise


def _refusal(batch: ImportBatch, actor: Actor) -> ImportResult | None:
    """The whole-file refusal when ``actor`` may not import this file for its school (nothing is read)."""
    from pumpurs.imports.engine import whole_file_error

    if _may_import(actor, batch.kind, batch.institution):
        return None
    if isinstance(actor, SystemActor) and actor.on_behalf_of is None and not actor.perms:
        return whole_file_error(
            batch.kind,
            "submitter_deleted",
            _(
                "The account that submitted this file was deleted before the file was imported: nothing was written. "
                "Someone who may import for the school must upload it again."
            ),
        )
    return whole_file_error(
        batch.kind,
        "not_allowed",
        _(
            "Whoever submitted this file may no longer import it for this school: nothing was written. "
            "Someone who may must upload it again."
        ),
    )


def _run(
    batch: ImportBatch,
    *,
    actor: Actor,
    encoding: str | None,
    sheet: str | None,
    today: dt.date,
    batch_rows: int,
    heartbeat: Heartbeat,
    on_progress: Callable[[int], None] | None,
) -> ImportResult:
    from pumpurs.imports.context import ImportContext, pupils_for_import
    from pumpurs.imports.engine import run_import, whole_file_error, write_report

    ctx = ImportContext.build(
        actor=actor,
        today=today,
        institution=batch.institution,
        pupils=pupils_for_import(actor, batch.institution),
    )
    with tempfile.TemporaryDirectory(prefix="pumpurs-import-") as tmp:
        local = Path(tmp) / "upload"
        with batch.file.open("rb") as src, local.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        try:
            source = open_source(local, encoding=encoding, sheet=sheet, tmpdir=Path(tmp))
        except SourceError as exc:
            result = whole_file_error(batch.kind, exc.code, exc.message, row=exc.row, column=exc.column)
        else:
            batch.encoding, batch.delimiter = source.encoding, source.delimiter

            def progress(rows: int) -> None:
                heartbeat.beat(rows)
                if on_progress is not None:
                    on_progress(rows)

            with transaction.atomic():
                result = run_import(
                    kind=batch.kind,
                    source=source,
                    ctx=ctx,
                    dry_run=batch.dry_run,
                    progress=progress,
                    batch_rows=batch_rows,
                )
                if result.status == "applied":
                    _record(batch, result, actor)
            source.cleanup()
        if result.status != "applied":
            with transaction.atomic():
                _record(batch, result, actor)
        if result.errors.height:
            report = Path(tmp) / "errors.csv"
            write_report(result, report)
            with report.open("rb") as handle:
                batch.report.save(f"{batch.public_id}-errors.csv", File(handle), save=True)
    return result


def import_batch_confirmable(*, actor: User, batch: ImportBatch) -> bool:
    """Whether ``actor`` may apply ``batch``: their own clean dry run, not applied yet, file still kept."""
    return (
        batch.actor_id == actor.pk
        and batch.dry_run
        and batch.status == ImportBatch.Status.DRY_RUN
        and batch.error_count == 0
        and batch.rejected == 0
        and bool(batch.file)
        and not ImportBatch.objects.filter(preview=batch).exists()
    )


@transaction.atomic
def import_batch_confirm(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """Apply a checked file: a new, queued, non-dry-run batch with a copy of the preview's stored
    file, the same kind, school and reading choices. Only the actor of a clean dry run may confirm
    it, once (a database constraint keeps a double submit from applying twice). The new batch is
    still to be run (``import_batch_run`` or the worker); it checks every row again, so data that
    changed since the preview is caught, not written.
    """
    _check_permission(actor, batch.kind, batch.institution)
    # Lock the preview: of two submits of one Apply button, the second waits and then sees the first.
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if not import_batch_confirmable(actor=actor, batch=batch):
        raise ValidationError(_("Only your own check of a file without errors can be applied, and only once."))
    with tempfile.TemporaryDirectory(prefix="pumpurs-confirm-") as tmp:
        local = Path(tmp) / "upload"
        with batch.file.open("rb") as src, local.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        if file_sha256(local) != batch.sha256:
            raise ValidationError(_("The stored file has changed since it was checked: upload it again."))
        try:
            with transaction.atomic():
                confirmed = import_batch_create(
                    actor=actor,
                    kind=batch.kind,
                    path=local,
                    filename=batch.filename,
                    institution=batch.institution,
                    dry_run=False,
                    encoding_choice=batch.encoding_choice,
                    sheet=batch.sheet,
                )
                confirmed.preview = batch
                confirmed.save(update_fields=["preview"])
        except IntegrityError:
            raise ValidationError(_("This check has already been applied.")) from None
    audit_record(
        actor=actor,
        action="imports.batch.confirmed",
        target=confirmed,
        data={"preview": str(batch.public_id), "kind": batch.kind, "file_sha256": batch.sha256},
    )
    return confirmed


def _record(batch: ImportBatch, result: ImportResult, actor: Actor) -> None:
    batch.status = result.status
    batch.shape = result.shape
    batch.rows, batch.created, batch.updated = result.rows, result.created, result.updated
    batch.unchanged, batch.rejected = result.unchanged, result.rejected
    batch.error_count = result.errors.height
    batch.errors = result.page_errors(limit=STORED_ERRORS)
    batch.notes = result.notes
    batch.progress_rows = result.rows
    batch.finished_at = timezone.now()
    batch.save()
    audit_record(
        actor=actor,
        action=f"imports.batch.{result.status.replace('-', '_')}",
        target=batch,
        data={
            "kind": batch.kind,
            "shape": result.shape,
            "file_sha256": batch.sha256,
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejected": result.rejected,
            "institution": batch.institution.code if batch.institution else None,
            # Which pupils' records this batch wrote (rosters); fact batches are traced by the batch id.
            "pupils": result.touched_pupils[:5000] if result.status == "applied" else [],
        },
    )
    if batch.feeds_risk:
        batch_id = batch.pk
        # Indicators and flags follow the facts, once they are committed.
        transaction.on_commit(lambda: facts_after_import.enqueue(batch_id))
