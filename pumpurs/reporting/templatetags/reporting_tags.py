"""How an indicator's value reads on a page: hidden cells, hours and euros."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from pumpurs.reporting.indicators.catalogue import Indicator, Kind, Unit

register = template.Library()


@register.simple_tag
def indicator_value(value: int | Decimal | None, indicator: Indicator) -> str:
    if value is None:
        if indicator.kind == Kind.PEOPLE:
            return format_html('&lt;5<span class="visually-hidden"> ({})</span>', _("hidden: a small number"))
        return format_html('—<span class="visually-hidden"> ({})</span>', _("hidden: it would reveal a small number"))
    if indicator.unit == Unit.CENTS:
        return number_format(Decimal(value) / 100, decimal_pos=2, use_l10n=True, force_grouping=True) + " €"
    if indicator.unit == Unit.HOURS:
        return number_format(value, decimal_pos=1, use_l10n=True, force_grouping=True)
    return number_format(value, use_l10n=True, force_grouping=True)
