"""``pumpurs retention [--dry-run | --apply] [--json]``: records past their retention period.

The dry run (the default) lists, per record kind, its period, how many records are due and the
oldest one's date, and writes nothing. ``--apply`` first exports what will go to a file readable
only by the server's account (the path is printed), then deletes, scrubs or pseudonymises each
kind in its own transaction, one audit event per kind. The daily job ``retention`` runs the same
code. Exit codes: 0 done; 1 something failed (the export, or a kind: nothing of that kind was
written; the others ran); 2 bad arguments.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.privacy.retention import KindDue, retention_apply, retention_plan


def _oldest(item: KindDue) -> str:
    return item.oldest.isoformat() if item.oldest else "—"


class Command(BaseCommand):
    help = "List (default) or apply what each record kind holds past its retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="only list what is due (the default)")
        mode.add_argument("--apply", action="store_true", help="export what is due, then remove or scrub it")
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["apply"]:
            code = self._apply(now, as_json=options["json"])
            if code:
                sys.exit(code)
            return
        plan = retention_plan(now=now)
        if options["json"]:
            rows = [
                {
                    "kind": i.kind.code,
                    "days": i.kind.days,
                    "action": str(i.kind.action),
                    "due": i.count,
                    "oldest": i.oldest.isoformat() if i.oldest else None,
                }
                for i in plan
            ]
            self.stdout.write(json.dumps({"dry_run": True, "kinds": rows}, ensure_ascii=False))
            return
        for i in plan:
            self.stdout.write(
                _("%(kind)s (%(label)s): %(n)s due, kept %(days)s days, oldest %(oldest)s, action %(action)s")
                % {
                    "kind": i.kind.code,
                    "label": i.kind.label,
                    "n": i.count,
                    "days": i.kind.days,
                    "oldest": _oldest(i),
                    "action": i.kind.action,
                }
            )
        self.stdout.write(_("Dry run: nothing was changed. Run with --apply to export and remove."))

    def _apply(self, now: Any, *, as_json: bool) -> int:
        try:
            run = retention_apply(now=now)
        except OSError as error:
            self.stderr.write(_("The export could not be written, nothing was removed: %(error)s") % {"error": error})
            return 1
        if as_json:
            out = {
                "export": str(run.export) if run.export else None,
                "kinds": [{"kind": r.kind.code, "count": r.count, "error": r.error or None} for r in run.results],
            }
            self.stdout.write(json.dumps(out, ensure_ascii=False))
        else:
            if run.export is None:
                self.stdout.write(_("Nothing is past its retention period."))
            else:
                self.stdout.write(_("Exported what goes to %(path)s") % {"path": run.export})
            for r in run.results:
                if r.error:
                    self.stderr.write(
                        _("%(kind)s failed, nothing of it was changed: %(error)s")
                        % {"kind": r.kind.code, "error": r.error}
                    )
                else:
                    self.stdout.write(_("%(kind)s: %(n)s records") % {"kind": r.kind.code, "n": r.count})
        return 1 if run.failed else 0
