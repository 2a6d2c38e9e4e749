"""Forms of the semester risk questionnaire: one radio group and one comment per visible item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.forms import BoundField
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from pumpurs.risk.models import Answer, AssessmentAnswer, Instrument, InstrumentItem

NEW = "new"  # the form was loaded before this semester's questionnaire existed


class QuestionnaireForm(forms.Form):
    """``seen`` carries the assessment's ``updated_at`` as loaded (or ``new``), for the conflict check."""

    seen = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, items: Iterable[InstrumentItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"answer_{item.code}"] = forms.ChoiceField(
                label=item.text, choices=Answer.choices, widget=forms.RadioSelect, required=False
            )
            self.fields[f"comment_{item.code}"] = forms.CharField(
                label=_("Comment (optional)"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
            )

    @staticmethod
    def initial_for(answers: dict[str, AssessmentAnswer], seen: str) -> dict[str, str]:
        initial = {"seen": seen}
        for code, row in answers.items():
            initial[f"answer_{code}"] = row.answer
            initial[f"comment_{code}"] = row.comment
        return initial

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for item in self.items:
            if data.get(f"comment_{item.code}", "").strip() and not data.get(f"answer_{item.code}"):
                self.add_error(f"answer_{item.code}", _("Choose no, partly or yes for an item you comment on."))
        seen = data.get("seen", "")
        if seen != NEW and parse_datetime(seen) is None:
            raise forms.ValidationError(_("The form is damaged; reload the page."))
        return data

    def seen_at(self) -> dt.datetime | None:
        """The ``updated_at`` the form was loaded with; ``None`` when it was loaded as new."""
        seen = self.cleaned_data["seen"]
        return None if seen == NEW else parse_datetime(seen)

    def answers(self) -> dict[str, tuple[str, str]]:
        """Item code → (answer, comment) for every item with an answer chosen."""
        out = {}
        for item in self.items:
            answer = self.cleaned_data.get(f"answer_{item.code}")
            if answer:
                out[item.code] = (answer, self.cleaned_data.get(f"comment_{item.code}", ""))
        return out


class InstrumentVersionForm(forms.Form):
    """Thresholds and each item's text and weight; a submission makes the next version."""

    low_from = forms.DecimalField(label=_("Low from (%)"), min_value=0, max_value=100, decimal_places=2)
    medium_from = forms.DecimalField(label=_("Medium from (%)"), min_value=0, max_value=100, decimal_places=2)
    high_from = forms.DecimalField(label=_("High from (%)"), min_value=0, max_value=100, decimal_places=2)

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "low_from": instrument.low_from,
                "medium_from": instrument.medium_from,
                "high_from": instrument.high_from,
                **{f"text_{i.code}": i.text for i in instrument.items.all()},
                **{f"weight_{i.code}": i.weight for i in instrument.items.all()},
            },
        )
        super().__init__(*args, **kwargs)
        self.items = list(instrument.items.all())
        for item in self.items:
            self.fields[f"text_{item.code}"] = forms.CharField(label=_("Text"), max_length=300)
            self.fields[f"weight_{item.code}"] = forms.DecimalField(
                label=_("Weight"), min_value=Decimal("0.01"), max_value=99, decimal_places=2
            )

    def item_rows(self) -> list[tuple[InstrumentItem, BoundField, BoundField]]:
        return [(item, self[f"text_{item.code}"], self[f"weight_{item.code}"]) for item in self.items]
