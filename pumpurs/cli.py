"""The ``pumpurs`` console command: Django's management commands with our settings preloaded."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pumpurs.settings")
    if len(argv) > 1 and argv[1] == "demo":
        # The demo serves plain http://127.0.0.1: cookies cannot be marked Secure there; and its
        # notices go to files in the data directory (PUMPURS_EMAIL_FILE_PATH, default
        # $PUMPURS_DATA_DIR/demo-mail), never to invented people's (example.lv) addresses and not
        # to the console, where hundreds of them would bury the logins.
        os.environ.setdefault("PUMPURS_HTTPS", "0")
        os.environ.setdefault("PUMPURS_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
        # Invented people on a laptop: the demo's wide roles sign in with the password alone.
        os.environ.setdefault("PUMPURS_SECOND_FACTOR", "0")
    if len(argv) > 1 and argv[1] == "check":
        # Checking an installation must not change it: a missing key stays missing (issue 17).
        os.environ.setdefault("PUMPURS_KEYS_READ_ONLY", "1")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        # A configuration mistake gets one clear line, not a traceback.
        print(f"pumpurs: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
