"""Recording deliveries: consultations and compensations, each on one line of the plan."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pumpurs.support.forms.common import _date_input, _user_choices, clean_upload
from pumpurs.support.models import Delivery, PlanMeasure


class _LineChoiceForm(forms.Form):
    line = forms.ChoiceField(label=_("Measure"))
    evidence = forms.FileField(
        label=_("Evidence file (optional)"), required=False, help_text=_("PDF, JPG or PNG, at most 10 MB.")
    )

    def __init__(self, *args: Any, lines: Sequence[PlanMeasure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = {str(line.public_id): line for line in lines}
        field = self.fields["line"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(k, str(line.measure)) for k, line in self.lines.items()]

    def clean_evidence(self) -> UploadedFile[Any] | None:
        return clean_upload(self.cleaned_data.get("evidence"))

    def chosen(self) -> PlanMeasure:
        return self.lines[self.cleaned_data["line"]]


class ConsultationForm(_LineChoiceForm):
    prefix = "consultation"
    held_on = forms.DateField(label=_("Date"), widget=_date_input())
    minutes = forms.IntegerField(label=_("Duration, minutes"), min_value=1, max_value=480)
    specialist = forms.ChoiceField(label=_("Specialist"))
    mode = forms.ChoiceField(label=_("How"), choices=Delivery.Mode.choices)
    topic = forms.CharField(label=_("Topic"), max_length=300)
    field_order = ["line", "held_on", "minutes", "specialist", "mode", "topic", "evidence"]

    def __init__(
        self, *args: Any, lines: Sequence[PlanMeasure], staff: Sequence[Any], author: Any = None, **kwargs: Any
    ) -> None:
        # Most often the specialist records their own consultation: they come pre-selected.
        mine = str(author.public_id) if author is not None and author in staff else ""
        kwargs.setdefault("initial", {"held_on": timezone.localdate(), "specialist": mine})
        super().__init__(*args, lines=lines, **kwargs)
        self.staff = {str(u.public_id): u for u in staff}
        field = self.fields["specialist"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *_user_choices(staff)]

    def chosen_specialist(self) -> Any:
        return self.staff[self.cleaned_data["specialist"]]


class CompensationForm(_LineChoiceForm):
    prefix = "compensation"
    starts_on = forms.DateField(label=_("From"), widget=_date_input())
    ends_on = forms.DateField(label=_("Until"), required=False, widget=_date_input())
    quantity = forms.DecimalField(label=_("Quantity"), min_value=Decimal("0.01"), max_digits=9, decimal_places=2)
    amount = forms.DecimalField(
        label=_("Amount, EUR"),
        required=False,
        min_value=Decimal(0),
        max_digits=9,
        decimal_places=2,
        help_text=_("Leave empty to use quantity × the unit price in force on the day, when a rate sets one."),
    )
    field_order = ["line", "starts_on", "ends_on", "quantity", "amount", "evidence"]

    def __init__(self, *args: Any, lines: Sequence[PlanMeasure], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"starts_on": timezone.localdate()})
        super().__init__(*args, lines=lines, **kwargs)
