"""Money arithmetic in whole cents (issue 14): never a float, every sum exact.

Amounts are ``int`` cents in the database and in every computation; ``Decimal`` appears only at
the edges (a quantity of 1.5 hours, an amount typed as "12,34"). Rounding is half up, away from
zero, and symmetric: the cost of a reversal is exactly minus the cost of what it reverses.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings

_CENTS = Decimal(100)
_ONE = Decimal(1)


def cents_of(amount: Decimal | str | int) -> int:
    """EUR (a ``Decimal`` or its text, "," or "." as the decimal mark) → whole cents; more than
    two decimal places is refused rather than rounded, so that no typed cent is lost."""
    if isinstance(amount, str):
        try:
            amount = Decimal(amount.strip().replace(" ", "").replace("\xa0", "").replace(",", "."))
        except InvalidOperation:
            raise ValueError(f"{amount!r} is not an amount") from None
    value = Decimal(amount) * _CENTS
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError(f"{amount} has more than two decimal places")
    return int(value)


def euros(cents: int) -> Decimal:
    """Whole cents → EUR with two decimal places (exact)."""
    return (Decimal(cents) / _CENTS).quantize(Decimal("0.01"))


def round_cents(value: Decimal) -> int:
    """A fractional number of cents → whole cents, half up (away from zero, so -x → -round(x))."""
    return int(value.quantize(_ONE, rounding=ROUND_HALF_UP))


def line_cost(quantity: Decimal, unit_cents: int, *, cap_cents: int | None = None) -> int:
    """Quantity × unit price, rounded once to the cent, then held to ``cap_cents`` if set."""
    cost = round_cents(Decimal(quantity) * unit_cents)
    if cap_cents is not None and cost > cap_cents:
        return cap_cents
    return cost


@dataclass(frozen=True)
class Split:
    """An amount split between the European Social Fund and the state budget; ``esf + state`` is
    always exactly the amount."""

    total: int
    esf: int
    state: int


def split(total: int, esf_share: Decimal | None = None) -> Split:
    """Split ``total`` cents by ``esf_share`` percent (default ``PUMPURS_ESF_SHARE``). The ESF part
    is rounded half up and the state budget takes the rest, so the remainder cent goes one way
    every time; a negative total (a reversal) splits as the exact negative of its positive."""
    share = settings.PUMPURS_ESF_SHARE if esf_share is None else esf_share
    sign = -1 if total < 0 else 1
    esf = round_cents(Decimal(abs(total)) * Decimal(share) / _CENTS)
    return Split(total=total, esf=sign * esf, state=sign * (abs(total) - esf))
