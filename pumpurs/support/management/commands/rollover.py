"""``pumpurs rollover --institution CODE --to YEAR``: the year-end move of one school (DESIGN §6).

The import commands' contract: ``--json`` prints one object (``status`` ``applied`` | ``dry-run`` |
``rejected``, the counts, ``errors``); exit code 0 applied or a clean dry run, 1 refused, 2 usage.
A refused rollover changes nothing; a second run changes nothing either (every count is 0).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pumpurs.people.actors import Actor, Scope, SystemActor
from pumpurs.people.models import Institution, User
from pumpurs.people.perms import Perm
from pumpurs.people.rollover import LEAVING_REASONS, REPEATS, rollover_target
from pumpurs.support.rollover import RolloverPreview, rollover_apply, rollover_plan


def _leaving(values: list[str]) -> dict[UUID, str]:
    out: dict[UUID, str] = {}
    for value in values:
        pupil, sep, reason = value.partition("=")
        try:
            out[UUID(pupil.strip())] = reason.strip()
        except ValueError:
            sep = ""
        if not sep:
            message = _("--leaving takes PUPIL_ID=REASON (the pupil's public id), not %(value)s.")
            raise CommandError(message % {"value": value}, returncode=2)
    return out


class Command(BaseCommand):
    help = "Move one school into the next school year: classes up a grade, the last grade completes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--institution", required=True, help="the school's registration number")
        parser.add_argument("--to", required=True, dest="to_year", help="the new school year, e.g. 2027/28 or 2027")
        parser.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
        parser.add_argument(
            "--leaving",
            action="append",
            default=[],
            metavar="PUPIL_ID=REASON",
            help=f"a pupil who does not continue, with a reason ({', '.join(LEAVING_REASONS)}); repeatable",
        )
        parser.add_argument(
            "--repeats",
            action="append",
            default=[],
            metavar="PUPIL_ID",
            help="a pupil who repeats the grade and stays in it (the pupil's public id); repeatable",
        )
        parser.add_argument(
            "--user", help="run as this user, with their scope (default: the operator, for this school)"
        )
        parser.add_argument("--today", type=dt.date.fromisoformat, help="the day it runs on (tests)")

    def handle(self, *args: Any, **options: Any) -> None:
        institution = Institution.objects.filter(code=options["institution"]).first()
        if institution is None:
            message = _("No institution with registration number %(code)s.") % {"code": options["institution"]}
            raise CommandError(message, returncode=2)
        leaving = _leaving(options["leaving"]) | _leaving([f"{pupil}={REPEATS}" for pupil in options["repeats"]])
        actor: Actor = SystemActor(
            name="system:rollover-cli", perms=frozenset({Perm.MANAGE_PUPILS}), scope=Scope.schools([institution.pk])
        )
        if options["user"]:
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(_("No active user %(user)s.") % {"user": options["user"]}, returncode=2)
            actor = user
        try:
            to_year = rollover_target(options["to_year"])
            if options["dry_run"]:
                preview = rollover_plan(actor=actor, institution=institution, to_year=to_year, leaving=leaving)
                if preview.moves.problems:
                    raise ValidationError(preview.moves.problems)
            else:
                preview = rollover_apply(
                    actor=actor, institution=institution, to_year=to_year, leaving=leaving, today=options["today"]
                )
        except (ValidationError, PermissionDenied) as exc:
            errors = _errors(exc)
            self._out(options, {"status": "rejected", "institution": institution.code, "errors": errors}, errors)
            sys.exit(1)
        status = "dry-run" if options["dry_run"] else "applied"
        self._out(options, {"status": status, **preview.summary(), "errors": []}, [], preview)

    def _out(
        self,
        options: dict[str, Any],
        summary: dict[str, Any],
        errors: list[dict[str, str]],
        preview: RolloverPreview | None = None,
    ) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        if errors:
            self.stdout.write(_("Refused:"))
            for error in errors:
                self.stdout.write(f"  [{error['code']}] {error['message']}")
            return
        assert preview is not None
        label = _("Checked (dry run)") if summary["status"] == "dry-run" else _("Applied")
        self.stdout.write(
            _(
                "%(status)s: %(school)s %(from)s → %(to)s — %(moved)s moved up, %(completed)s completed, "
                "%(leaving)s not continuing, %(classes)s classes created, %(cases)s open cases carried."
            )
            % {
                "status": label,
                "school": summary["institution"],
                "from": summary["from"],
                "to": summary["to"],
                "moved": summary["moved"],
                "completed": summary["completed"],
                "leaving": summary["not_continuing"],
                "classes": len(summary["classes_created"]),
                "cases": summary["cases_carried"],
            }
        )
        for c in summary["classes"]:
            target = c["to"] or _("completes")
            self.stdout.write(f"  {c['from']} → {target}: {c['pupils']}")


def _errors(exc: ValidationError | PermissionDenied) -> list[dict[str, str]]:
    if isinstance(exc, PermissionDenied):
        return [{"code": getattr(exc, "code", "permission_denied"), "message": str(exc)}]
    return [{"code": e.code or "invalid", "message": e.messages[0]} for e in exc.error_list]
