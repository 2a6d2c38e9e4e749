"""``{{ value|percent }}``: a share as every page writes it (``core.display.percent_text``)."""

from __future__ import annotations

from typing import Any

from django import template

from pumpurs.core.display import percent_text

register = template.Library()


@register.filter
def percent(value: Any) -> str:
    return percent_text(value)
