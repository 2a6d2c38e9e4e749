"""``pumpurs serve``: the production WSGI server (waitress, in one process or several sharing the port:
``--processes``), static files served by WhiteNoise."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.utils.translation import gettext as _

from pumpurs.core.processes import serve_in_processes
from pumpurs.core.startup import add_skip_checks, startup_check


def parse_addr(addr: str) -> tuple[str, int]:
    host, sep, port = addr.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(_("--addr must look like 127.0.0.1:8000 (got %(addr)s).") % {"addr": addr})
    return host.strip("[]"), int(port)


class Command(BaseCommand):
    help = "Serve PuMPuRS with the production WSGI server."
    # Start-up runs every system check but the model and database ones (core.startup): on SQLite
    # the model checks waited out an import's write lock before the server listened.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument("--threads", type=int, default=8, help="threads per process")
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="server processes sharing the port, each one core of Python (PostgreSQL; decision 0047)",
        )
        add_skip_checks(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        startup_check(self, options)

        host, port = parse_addr(options["addr"])
        processes = options["processes"]
        if processes < 1:
            raise CommandError(_("--processes must be 1 or more (got %(n)s).") % {"n": processes})
        # The project's WSGI application, built the way pumpurs/wsgi.py builds it for other servers.
        application = get_wsgi_application()
        server_options = {"threads": options["threads"], "ident": "pumpurs", **proxy_options()}
        if processes == 1:
            serve(application, host=host, port=port, **server_options)
            return
        # SQLite has one writer whatever the number of processes: more processes only wait for each
        # other's writes there, so they are for PostgreSQL (decision 0047).
        if connection.vendor == "sqlite":
            raise CommandError(_("--processes above 1 needs PostgreSQL; on SQLite run one process."))
        serve_in_processes(
            lambda sock: serve(application, sockets=[sock], **server_options),
            host=host,
            port=port,
            processes=processes,
        )


def proxy_options() -> dict[str, Any]:
    """Waitress drops every X-Forwarded-* header unless told whom to trust. Behind our proxy
    (PUMPURS_BEHIND_PROXY) it trusts the headers of connections from PUMPURS_PROXY_ADDRESS only,
    and of X-Forwarded-For only the last entry — the one the proxy appended (the client may send
    its own before it). Waitress then sets the client's address (REMOTE_ADDR) and the scheme, so
    Django sees https (no redirect loop, CSRF origin checks pass) and throttles the client, not the
    proxy."""
    if not settings.PUMPURS_BEHIND_PROXY:
        return {}
    return {
        "trusted_proxy": settings.PUMPURS_PROXY_ADDRESS,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"},
        "clear_untrusted_proxy_headers": True,
    }
