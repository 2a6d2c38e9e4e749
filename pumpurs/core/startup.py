"""The system checks a long-running or busy command runs at start-up (``serve``, ``import``).

Every check but the model and database ones. On SQLite the model checks probe JSON support inside
a write transaction and so waited out another process's write lock (an import's, up to the 30 s
busy timeout) before the command could start; under load they also cost ~20 s of a command-line
import's start. The models are the same at every start: ``pumpurs check`` and CI's migrations
check run those checks.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags
from django.core.checks.registry import registry
from django.core.management.base import BaseCommand, CommandParser

SKIPPED_AT_START = frozenset({Tags.models, Tags.database})


def add_skip_checks(parser: CommandParser) -> None:
    """``--skip-checks``, which Django adds only to commands that let it run the checks itself."""
    parser.add_argument("--skip-checks", action="store_true", help="skip the start-up system checks")


def startup_check(command: BaseCommand, options: dict[str, Any]) -> None:
    """Run every system check but the model and database ones; raise as ``BaseCommand.check`` does.
    ``--skip-checks`` (and ``call_command``, which skips checks unless told not to) skips them all.

    A command using it sets ``requires_system_checks = []``, adds ``add_skip_checks`` to its
    arguments and calls this first in ``handle``."""
    if options.get("skip_checks"):
        return
    command.check(tags=sorted(set(registry.tags_available()) - SKIPPED_AT_START))
