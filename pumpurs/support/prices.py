"""The price in force: what a unit of a catalogue measure costs for a school on a day (issue 14,
decision 0044).

Prices are finance's dated rates (national, or the municipality's own where the measure allows
one). Support sits below finance and cannot read them, so finance registers, in its
``AppConfig.ready()``, a source that answers for many measures at once — a plan's lines or a
catalogue page cost one look-up, never one per line. Support asks with the plan's or the
delivery's date and its school's municipality.

A measure missing from the answer, or answered without a unit price, has no unit price: its cost
is "not set" (or the entered actual cost), never a guess. A rate may hold a line's cost to a cap per
pupil per semester, with or without a unit price: the answer carries it, so a plan shows the cost
finance will commit (``finance.commitments.cost_of`` applies the same cap). Nothing registered
means no measure has a price.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pumpurs.core.display import CENT


@dataclass(frozen=True)
class Price:
    """A rate in force: its unit price (EUR with two places; ``None``: the actual cost counts),
    whether it is a demonstration figure, and its cap per pupil per semester (EUR, or ``None``)."""

    unit: Decimal | None
    is_example: bool = False
    cap: Decimal | None = None


# (measure codes, municipality id or None for the national price, day) -> {code: price}
PriceSource = Callable[[frozenset[str], "int | None", dt.date], dict[str, Price]]

_sources: list[PriceSource] = []
_rates_url: list[str] = []


def price_source_register(source: PriceSource, *, rates_url: str = "") -> None:
    """Register where prices come from (finance: its rates) and the URL name of the page that lists
    them; registering again replaces the earlier one."""
    _sources[:] = [source]
    _rates_url[:] = [rates_url] if rates_url else []


def prices_in_force(codes: Iterable[str], municipality_id: int | None, day: dt.date) -> dict[str, Price]:
    """{code: price} of the measures that have a unit price on ``day`` for a school of
    ``municipality_id`` (``None``: the national price); one look-up for all of ``codes``."""
    wanted = frozenset(codes)
    if not wanted:
        return {}
    found: dict[str, Price] = {}
    for source in _sources:
        found.update(source(wanted, municipality_id, day))
    return found


def rates_url_name() -> str | None:
    """The URL name of the rates page, if an app registered one (the catalogue links to it)."""
    return _rates_url[0] if _rates_url else None


def priced(unit: Decimal, quantity: Decimal) -> Decimal:
    """Quantity × unit price, rounded once to the cent, half up — as finance rounds its cents, so
    support's amounts and finance's sums agree to the cent."""
    return (unit * quantity).quantize(CENT, rounding=ROUND_HALF_UP)
