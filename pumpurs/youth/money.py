"""Amounts of this app are integer cents; people type and read euros (4 600,00)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from pumpurs.core.display import money_text


def euros(cents: int) -> Decimal:
    return Decimal(cents) / 100


def eur_text(cents: int) -> str:
    """4 600,00 EUR in the reader's locale."""
    return f"{money_text(euros(cents))} EUR"


def cents_of(amount: Decimal) -> int:
    """A typed amount (at most two decimals, checked by the form) as cents."""
    return int((amount * 100).to_integral_value())


def project_max_cents() -> int:
    """The programme's maximum per project (PUMPURS_YOUTH_PROJECT_MAX_EUR, 4 600 EUR by default)."""
    return int(settings.PUMPURS_YOUTH_PROJECT_MAX_EUR) * 100
