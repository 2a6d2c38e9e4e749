"""Amounts in cents as the reader writes euros."""

from django import template

from pumpurs.youth.money import eur_text

register = template.Library()


@register.filter
def eur(cents: int | None) -> str:
    return "—" if cents is None else eur_text(int(cents))
