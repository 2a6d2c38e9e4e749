"""The plan page's panel of materials used (issue 16): what each line names, and the library to
choose from for whoever may change the plan (``may_link_materials`` from support's context)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import template

from pumpurs.core.display import money_text
from pumpurs.prevention.materials import library, materials_of_lines
from pumpurs.prevention.models import Material

register = template.Library()


@dataclass(frozen=True)
class LineMaterials:
    line: Any  # a support plan line (PlanMeasure)
    materials: list[Material]


@register.simple_tag
def plan_materials(lines: list[Any], may_link: bool) -> dict[str, Any]:
    plan_lines = [row.line for row in lines]
    uses = materials_of_lines([line.pk for line in plan_lines])
    return {
        "lines": [LineMaterials(line=line, materials=uses[line.pk]) for line in plan_lines],
        "library": list(library()) if may_link else [],
    }


@register.filter
def cents_eur(cents: int) -> str:
    """A training's cost: 1 250,00 in the reader's locale (integer cents, never a float)."""
    return money_text(Decimal(cents) / 100)
