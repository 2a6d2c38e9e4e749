"""``{% kept "comment" "dismiss" flag.public_id %}``: the value typed in a refused form's field
(``core/refusal.py``), else ""; ``{% kept_errors "dismiss" flag.public_id as problems %}``: why it
was refused; ``{% kept_summary "dismiss-reason-%s" "dismiss" flag.public_id %}``: the error
summary at the top of that form (``includes/error_summary.html``, as every form's), each reason
linking to the field whose id is given first. Builtins (settings.TEMPLATES), like
``{% submission_key %}``."""

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


@register.inclusion_tag("includes/error_summary.html", takes_context=True)
def kept_summary(context: Any, anchor: str, *parts: Any) -> dict[str, Any]:
    """``anchor`` is the id of the field to fix; a ``%s`` in it stands for the form's last key part
    (``"void-reason-%s" "void" delivery.public_id``: the form of that delivery)."""
    mine = _mine(context, parts)
    if "%s" in anchor and parts:
        anchor = anchor.replace("%s", str(parts[-1]))
    problems = [(anchor, str(error)) for error in mine["errors"]] if mine else []
    return {"problems": problems, "summary_id": form_key(*parts).replace(":", "-") + "-error-summary"}
