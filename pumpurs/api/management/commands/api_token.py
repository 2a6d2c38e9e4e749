"""``pumpurs api_token``: create, revoke and list the API tokens of integrations.

pumpurs api_token create USERNAME --name "e-klase sync" [--days 90]   # prints the key once
pumpurs api_token revoke PREFIX
pumpurs api_token list
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.api.models import ApiToken
from pumpurs.api.tokens import OPERATOR, token_create, token_revoke


class Command(BaseCommand):
    help = "Create, revoke or list API tokens (the key is shown once, at creation)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a token acting as USERNAME")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="what the integration is")
        create.add_argument("--days", type=int, default=None, help="expire after this many days")
        revoke = actions.add_parser("revoke", help="revoke the token whose key starts with PREFIX")
        revoke.add_argument("prefix")
        actions.add_parser("list", help="list tokens (never their keys)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

    def _create(self, options: dict[str, Any]) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("No user “%(name)s”.") % {"name": options["username"]})
        token, key = token_create(actor=OPERATOR, user=user, name=options["name"], days=options["days"])
        self.stdout.write(key)
        self.stderr.write(
            _("Token %(prefix)s… for %(user)s created. Store the key now: it is not shown again.")
            % {"prefix": token.prefix, "user": user.get_username()}
        )

    def _revoke(self, options: dict[str, Any]) -> None:
        token = ApiToken.objects.filter(prefix=options["prefix"].rstrip("…")).first()
        if token is None:
            raise CommandError(_("No token with the prefix “%(prefix)s”.") % {"prefix": options["prefix"]})
        token_revoke(actor=OPERATOR, token=token)
        self.stdout.write(_("Token %(prefix)s… revoked.") % {"prefix": token.prefix})

    def _list(self, options: dict[str, Any]) -> None:
        now = timezone.now()
        for token in ApiToken.objects.select_related("user"):
            if token.revoked_at is not None:
                state = _("revoked %(at)s") % {"at": f"{token.revoked_at:%Y-%m-%d}"}
            elif token.expires_at is not None and token.expires_at <= now:
                state = _("expired %(at)s") % {"at": f"{token.expires_at:%Y-%m-%d}"}
            else:
                state = _("active")
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "—"
            self.stdout.write(f"{token.prefix}\t{token.user.get_username()}\t{token.name}\t{state}\t{used}")
