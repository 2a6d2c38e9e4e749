"""The ``--today YYYY-MM-DD`` option that several commands take, parsed in one place."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def today_option(value: str) -> dt.date:
    """``--today`` as a date; a usage error (exit code 2 through ``pumpurs``) when malformed."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("--today must be a date written as YYYY-MM-DD (got %(value)s).") % {"value": value}
        ) from None
