"""The budget page's CPU cuts (decision 0043) write exactly what they replace: the quick
``<select>`` is Django's ``select.html`` byte for byte, and the ``eur`` filter is ``money_text``
for every amount, in Latvian and English."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation

from pumpurs.core.display import money_text
from pumpurs.finance.forms import QuickSelect
from pumpurs.finance.money import euros
from pumpurs.finance.templatetags.finance_tags import eur

CHOICES = [
    ("", "---------"),
    (1, "Lizuma pamatskola"),
    (2, 'Rīgas "Ķengaraga" vidusskola & <b>'),
    (30, "Tirzas pamatskola"),
]


@pytest.mark.parametrize("value", [None, "", 2, "30", 999])
@pytest.mark.parametrize("attrs", [None, {"id": "id_move_source", "required": True, "aria-invalid": "true"}])
def test_the_quick_select_writes_what_djangos_select_writes(value: object, attrs: dict[str, object] | None) -> None:
    ours = QuickSelect(choices=CHOICES, attrs={"disabled": False}).render("source", value, attrs=attrs)
    django = forms.Select(choices=CHOICES, attrs={"disabled": False}).render("source", value, attrs=attrs)
    assert ours == django
    assert "&quot;Ķengaraga&quot; vidusskola &amp; &lt;b&gt;" in ours


def test_option_groups_are_left_to_django() -> None:
    grouped = [("Gulbene", [(1, "Lizuma"), (2, "Tirzas")]), ("Madona", [(3, "Madonas")])]
    assert QuickSelect(choices=grouped).render("s", 2) == forms.Select(choices=grouped).render("s", 2)


@pytest.mark.parametrize("language", ["lv", "en"])
def test_the_eur_filter_is_money_text_for_every_amount(language: str) -> None:
    amounts = [0, 1, -1, 5, 9, 10, 99, 100, -100, 101, 12345, -12345, 123456789, -987654321, 10**15 + 7]
    with translation.override(language):
        for cents in amounts:
            assert eur(cents) == money_text(euros(cents)), cents
        assert eur(None) == "—"
    with translation.override("lv"):
        assert eur(123450) == "1234,50"
