"""``pumpurs second_factor_reset USERNAME --reason "…"``: the operator's way back for a person who
lost both their phone and their recovery codes (decision 0035). Their authenticator app and codes
are removed; their next sign-in sets up a new app. Recorded as ``auth.second_factor.reset``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pumpurs.people.actors import SystemActor
from pumpurs.people.models import User
from pumpurs.people.recovery import second_factor_reset

OPERATOR = SystemActor(name="system:second-factor-reset")


class Command(BaseCommand):
    help = "Remove a person's authenticator app and recovery codes (a lost phone); audited."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="why, e.g. the help-desk ticket")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No account {options['username']!r}.")
        if not options["reason"].strip():
            raise CommandError("Say why (--reason).")
        removed = second_factor_reset(actor=OPERATOR, user=user, reason=options["reason"].strip())
        self.stdout.write(f"{user.username}: {removed} authenticator app(s) and the recovery codes removed.")
