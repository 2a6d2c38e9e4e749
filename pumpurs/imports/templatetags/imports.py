"""Template filters of the import pages."""

from __future__ import annotations

from django import template

from pumpurs.imports.forms import KIND_LABELS

register = template.Library()


@register.filter
def import_kind(kind: str) -> str:
    """The reader's name for an import kind (``attendance`` → "Attendance")."""
    return str(KIND_LABELS.get(kind, kind))
