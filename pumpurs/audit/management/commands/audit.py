"""``pumpurs audit verify``: prove the audit trail's hash chain, or show where it breaks (decision 0025)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pumpurs.audit.chain import chain_verify


class Command(BaseCommand):
    help = "Check the audit trail: every event linked to the one before it, nothing changed or removed."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Recompute the hash chain over the whole trail.")
        verify.add_argument("--json", action="store_true", help="Print one JSON object.")
        verify.add_argument("--limit", type=int, default=20, help="Report at most this many breaks (default 20).")

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = chain_verify(limit=max(1, options["limit"]))
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "intact": verdict.intact,
                        "events": verdict.events,
                        "scrubbed": verdict.scrubbed,
                        "breaks": [{"seq": b.seq, "event_id": b.event_id, "reason": b.reason} for b in verdict.breaks],
                    }
                )
            )
        elif verdict.intact:
            self.stdout.write(
                f"The audit trail is intact: {verdict.events} events, every link verified "
                f"({verdict.scrubbed} scrubbed by erasure)."
            )
        else:
            for b in verdict.breaks:
                self.stdout.write(f"event {b.seq} (id {b.event_id}): {b.reason}")
        if not verdict.intact:
            raise CommandError("The audit trail's chain is broken; see the events listed above.", returncode=1)
