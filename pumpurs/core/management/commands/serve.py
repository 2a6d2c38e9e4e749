"""``pumpurs serve``: the production WSGI server (waitress), static files served by WhiteNoise."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.wsgi import get_wsgi_application
from django.utils.translation import gettext as _


def parse_addr(addr: str) -> tuple[str, int]:
    host, sep, port = addr.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(_("--addr must look like 127.0.0.1:8000 (got %(addr)s).") % {"addr": addr})
    return host.strip("[]"), int(port)


class Command(BaseCommand):
    help = "Serve PuMPuRS with the production WSGI server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        host, port = parse_addr(options["addr"])
        # The project's WSGI application, built the way pumpurs/wsgi.py builds it for other servers.
        serve(get_wsgi_application(), host=host, port=port, threads=options["threads"], ident="pumpurs")
