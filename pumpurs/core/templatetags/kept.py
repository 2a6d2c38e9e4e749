"""``{% kept "comment" "dismiss" flag.public_id %}``: the value typed in a refused form's field
(``core/refusal.py``), else ""; ``{% kept_errors "dismiss" flag.public_id as problems %}``: why it
was refused. A builtin (settings.TEMPLATES), like ``{% submission_key %}``."""

from __future__ import annotations

from typing import Any

from django import template

from pumpurs.core.refusal import form_key

register = template.Library()


def _mine(context: Any, parts: tuple[Any, ...]) -> dict[str, Any] | None:
    kept = context.get("refused")
    return kept if kept and kept.get("form") == form_key(*parts) else None


@register.simple_tag(takes_context=True)
def kept(context: Any, field: str, *parts: Any) -> str:
    mine = _mine(context, parts)
    return str(mine["data"].get(field, "")) if mine else ""


@register.simple_tag(takes_context=True)
def kept_errors(context: Any, *parts: Any) -> list[str]:
    mine = _mine(context, parts)
    return list(mine["errors"]) if mine else []
