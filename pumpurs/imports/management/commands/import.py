"""``pumpurs import KIND FILE``: the command-line import (DESIGN §6 contract).

Exit codes: 0 applied or a clean dry run, 1 rejected, 2 usage errors.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pumpurs.core.startup import add_skip_checks, startup_check
from pumpurs.imports.models import KINDS
from pumpurs.imports.readers import BATCH_ROWS
from pumpurs.imports.services import (
    IMPORT_CLI,
    import_batch_actor,
    import_batch_create,
    import_batch_run,
    import_operator,
)
from pumpurs.people.actors import Actor
from pumpurs.people.models import Institution, User


class Command(BaseCommand):
    help = "Import institutions, pupils, attendance, grades or incidents from CSV or XLSX."
    # Every system check but the model and database ones (core.startup): under load those took
    # ~23 s of a command-line import's start, and on SQLite they wait out another writer's lock.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", type=Path)
        parser.add_argument("--institution", help="registration number: limit the import to this school")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
        parser.add_argument("--encoding", help="force the CSV encoding (utf-8 or windows-1257)")
        parser.add_argument("--sheet", help="XLSX sheet name (default: the first sheet)")
        parser.add_argument(
            "--user",
            help="import for this user, with their scope (default: the operator's authority over --institution, "
            "or the whole country without it)",
        )
        parser.add_argument("--today", type=dt.date.fromisoformat, help=argparse_hidden())
        parser.add_argument("--batch-rows", type=int, default=BATCH_ROWS, help="rows checked per batch")
        add_skip_checks(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        startup_check(self, options)
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path}, returncode=2)
        institution = None
        if options["institution"]:
            institution = Institution.objects.filter(code=options["institution"]).first()
            if institution is None:
                raise CommandError(
                    _("No institution with registration number %(code)s.") % {"code": options["institution"]},
                    returncode=2,
                )
        # Who acts, stated explicitly: a named user (with their grants), or the operator — a system
        # actor over the school given by --institution, or over the whole country without one.
        actor: Actor = import_operator(institution=institution)
        if options["user"]:
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(_("No active user %(user)s.") % {"user": options["user"]}, returncode=2)
            actor = user
        try:
            batch = import_batch_create(
                actor=actor,
                kind=options["kind"],
                path=path,
                filename=path.name,
                institution=institution,
                dry_run=options["dry_run"],
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc), returncode=2) from None
        show_progress = not options["json"] and path.stat().st_size > 5_000_000

        def progress(rows: int) -> None:
            if show_progress:
                sys.stderr.write(_("… %(rows)s rows checked") % {"rows": f"{rows:,}".replace(",", " ")} + "\n")

        result = import_batch_run(
            batch,
            actor=import_batch_actor(batch, name=IMPORT_CLI) if options["user"] else actor,
            encoding=options["encoding"],
            sheet=options["sheet"],
            today=options["today"],
            batch_rows=options["batch_rows"],
            on_progress=progress,
        )
        if options["json"]:
            self.stdout.write(json.dumps(result.summary(), ensure_ascii=False))
        else:
            self.stdout.write(self._text(result, batch.public_id))
        if result.status == "rejected":
            sys.exit(1)

    def _text(self, result: Any, batch_id: Any) -> str:
        lines = [
            _(
                "%(status)s: %(rows)s rows — %(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected."
            )
            % {
                "status": {"applied": _("Applied"), "rejected": _("Rejected"), "dry-run": _("Checked (dry run)")}[
                    result.status
                ],
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": result.rejected,
            },
            _("Batch %(id)s.") % {"id": batch_id},
        ]
        lines += result.notes
        for error in result.error_dicts(limit=100):
            lines.append(_("row %(row)s, column %(column)s [%(code)s]: %(message)s") % error)
        if result.errors.height > 100:
            lines.append(_("… and %(n)s more errors in the downloadable report.") % {"n": result.errors.height - 100})
        return "\n".join(lines)


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS
