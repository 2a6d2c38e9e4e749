"""``pumpurs demo``: migrate, seed Gulbene if the database is empty, run web and worker (which runs the
scheduled jobs, decision 0015), print logins."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from pumpurs.core.management.commands.serve import parse_addr
from pumpurs.people.models import Institution
from pumpurs.people.seeding import demo_accounts

DEMO_PASSWORD = "demo"  # noqa: S105 — the documented password of every synthetic demo account


class Command(BaseCommand):
    help = "Run the demo: seeded Gulbene data, web server and background worker in one command."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument("--no-serve", action="store_true", help="prepare the database and print the logins only")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = parse_addr(options["addr"])
        call_command("migrate", interactive=False, verbosity=0)
        if not Institution.objects.exists():
            self.stdout.write(_("Empty database: seeding the Gulbene demo…"))
            call_command("seed", preset="gulbene")
        # The next school year too, as on any installation (decision 0017): the rollover needs it.
        call_command("calendar", "ensure", stdout=io.StringIO())
        url = f"http://{host}:{port}/"
        with override("lv"):
            lines = [
                _("The worker runs the scheduled jobs: see %(jobs)s (system administrator); health: %(health)s")
                % {
                    "jobs": f"{url}{reverse('ops_jobs').lstrip('/')}",
                    "health": f"{url}{reverse('healthz').lstrip('/')}",
                },
            ]
            if str(settings.MAILERS["default"]["BACKEND"]).endswith("filebased.EmailBackend"):
                lines.append(
                    _("Notices are not sent: each is written to a file in %(path)s.")
                    % {"path": settings.PUMPURS_EMAIL_FILE_PATH}
                )
            # The logins last, so that they are what the terminal shows.
            lines += [
                _("PuMPuRS demo: %(url)s") % {"url": url},
                _("Demo logins (password for all: %(pw)s):") % {"pw": DEMO_PASSWORD},
            ]
            for account in demo_accounts():
                lines.append(f"  {account.username:<24} {account.role_label} — {account.scope_label}")
        self.stdout.write("\n".join(lines))
        if options["no_serve"]:
            return
        worker = subprocess.Popen([sys.executable, "-m", "pumpurs.cli", "worker"], env=os.environ.copy())
        try:
            call_command("serve", addr=options["addr"])
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
