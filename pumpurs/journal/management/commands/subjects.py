"""``pumpurs subjects``: the list of subjects that grade and attendance imports accept."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pumpurs.journal.models import Subject
from pumpurs.journal.services import subject_add, subject_set_active
from pumpurs.people.actors import SystemActor

# The list of subjects is changed by the server's operator on the command line.
OPERATOR = SystemActor(name="system:subjects-cli")


class Command(BaseCommand):
    help = "List, add, deactivate or reactivate the subjects accepted by imports."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="show every subject with its code and state")
        add = sub.add_parser("add", help="add a subject")
        add.add_argument("name")
        add.add_argument("--code", default="", help="ASCII code (default: derived from the name)")
        for verb in ("deactivate", "activate"):
            sub.add_parser(verb, help=f"{verb} a subject by code").add_argument("code")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            for subject in Subject.objects.order_by("name"):
                state = _("active") if subject.is_active else _("inactive")
                self.stdout.write(f"{subject.code:<32} {subject.name:<40} {state}")
            return
        try:
            if action == "add":
                subject = subject_add(actor=OPERATOR, name=options["name"], code=options["code"])
            else:
                found = Subject.objects.filter(code=options["code"]).first()
                if found is None:
                    raise CommandError(_("No subject with code %(code)s.") % {"code": options["code"]}, returncode=2)
                subject = subject_set_active(actor=OPERATOR, subject=found, active=action == "activate")
        except ValidationError as exc:
            raise CommandError(exc.messages[0], returncode=2) from None
        self.stdout.write(f"{subject.code}: {subject.name} ({_('active') if subject.is_active else _('inactive')})")
