"""The money arithmetic (issue 14): whole cents, one rounding, exact splits and reversals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from pumpurs.finance.money import cents_of, euros, line_cost, round_cents, split


def test_amounts_become_whole_cents_and_back_exactly() -> None:
    assert cents_of("12,34") == 1234
    assert cents_of("1 234,50") == 123450
    assert cents_of(Decimal("0.10")) == 10
    assert cents_of(Decimal("-3.5")) == -350
    assert euros(1234) == Decimal("12.34")
    assert euros(-5) == Decimal("-0.05")
    # Sums of many small amounts are exact (0.1 + 0.2 is not 0.3 in floats).
    assert sum(cents_of("0,10") for _ in range(1000)) == 10000


@pytest.mark.parametrize("bad", ["1,234", "abc", "NaN", "0.001"])
def test_an_amount_with_more_than_two_decimals_or_no_number_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"amount|decimal places"):
        cents_of(bad)


def test_rounding_is_half_up_once_and_symmetric() -> None:
    assert round_cents(Decimal("0.5")) == 1
    assert round_cents(Decimal("1.49")) == 1
    assert round_cents(Decimal("-0.5")) == -1
    # 1.5 hours × 33.33 = 49.995 → 50.00 (rounded once, on the line, not per unit)
    assert line_cost(Decimal("1.5"), 3333) == 5000
    assert line_cost(Decimal("0.33"), 1) == 0
    assert line_cost(Decimal("3"), 1001, cap_cents=3000) == 3000
    assert line_cost(Decimal("2.25"), 1200, cap_cents=3000) == 2700


@pytest.mark.parametrize("total", [0, 1, 2, 3, 7, 99, 100, 101, 3_981_237_600, 123_457])
def test_a_split_always_adds_up_and_a_reversal_splits_as_its_exact_negative(total: int) -> None:
    parts = split(total, Decimal(85))
    assert parts.esf + parts.state == total
    assert parts.esf >= 0
    assert parts.state >= 0
    back = split(-total, Decimal(85))
    assert (back.esf, back.state) == (-parts.esf, -parts.state)


def test_the_remainder_cent_goes_the_same_way_every_time() -> None:
    # 0.85 × 1 cent = 0.85 → ESF 1, state 0; 0.85 × 3 = 2.55 → ESF 3, state 0; 0.85 × 7 = 5.95 → 6 / 1.
    assert (split(1, Decimal(85)).esf, split(1, Decimal(85)).state) == (1, 0)
    assert (split(7, Decimal(85)).esf, split(7, Decimal(85)).state) == (6, 1)
    assert (split(10, Decimal(85)).esf, split(10, Decimal(85)).state) == (9, 1)  # 8.5 → 9
    # The programme's own figures: 39 812 376 EUR at 85 % is 33 840 519.60 ESF.
    programme = split(3_981_237_600, Decimal(85))
    assert programme.esf == 3_384_051_960
    assert programme.state == 597_185_640


def test_the_share_is_a_setting(settings: SettingsWrapper) -> None:
    settings.PUMPURS_ESF_SHARE = Decimal("70.00")
    assert split(1000).esf == 700
    assert split(1000).state == 300
