"""Forms of the catalogue and low-income pages: they parse and validate; the services in
``support/catalogue.py`` decide and write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pumpurs.people.models import SpecialistKind
from pumpurs.support.models import LowIncomeStatus, Measure, MeasureCategory, MeasureUnit

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_HELP = _("EUR. Leave empty while the figure is not known: it is shown as “not set”.")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form: on the field it names when the form has that field,
    otherwise above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class CatalogueDateForm(forms.Form):
    """``?on=YYYY-MM-DD``: the catalogue as it stands on another day."""

    on = forms.DateField(label=_("Catalogue in force on"), required=False, widget=DATE_WIDGET)


class _MeasureTerms(forms.Form):
    """The terms of a measure that a new version may change (``catalogue.CHANGEABLE`` but the unit).
    Its unit price is not one: prices are finance's dated rates (``support.prices``)."""

    name = forms.CharField(label=_("Name in Latvian"), max_length=200)
    name_en = forms.CharField(label=_("Name in English"), max_length=200)
    cap_per_plan = forms.DecimalField(
        label=_("Cap per pupil per semester"),
        required=False,
        min_value=0,
        max_digits=9,
        decimal_places=2,
        help_text=MONEY_HELP,
    )
    requires_low_income = forms.BooleanField(label=_("Only for pupils of low-income families"), required=False)


class MeasureCreateForm(_MeasureTerms):
    field_order = [
        "code",
        "category",
        "specialist_kind",
        "name",
        "name_en",
        "unit",
        "cap_per_plan",
        "requires_low_income",
        "valid_from",
    ]
    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Latin letters, digits and dashes, e.g. consult-tutor.")
    )
    category = forms.ChoiceField(label=_("Category"), choices=MeasureCategory.choices)
    specialist_kind = forms.ChoiceField(
        label=_("Kind of specialist"),
        choices=[("", _("— not a consultation —")), *SpecialistKind.choices],
        required=False,
        help_text=_("Consultations only; they are counted in hours."),
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=MeasureUnit.choices)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE_WIDGET)


class MeasureChangeForm(_MeasureTerms):
    """A change from a date: the fields start as the version in force; only what differs is sent."""

    CHANGE, RETIRE = "change", "retire"
    field_order = ["action", "effective_from", "name", "name_en", "cap_per_plan", "requires_low_income"]

    action = forms.ChoiceField(
        label=_("What to do"),
        choices=[(CHANGE, _("change the terms from the date")), (RETIRE, _("retire the measure from the date"))],
        widget=forms.RadioSelect,
        initial=CHANGE,
    )
    effective_from = forms.DateField(label=_("From"), widget=DATE_WIDGET)

    TERMS = ("name", "name_en", "cap_per_plan", "requires_low_income")

    def __init__(self, data: Any = None, *, current: Measure) -> None:
        initial = {f: getattr(current, f) for f in self.TERMS}
        super().__init__(data, initial=initial)
        self.current = current

    def changes(self) -> dict[str, Any]:
        """The terms that differ from the version in force."""
        return {f: self.cleaned_data[f] for f in self.TERMS if self.cleaned_data.get(f) != getattr(self.current, f)}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == self.CHANGE and not self.errors and not self.changes():
            raise ValidationError(_("Nothing differs from the version in force: change a term, or retire the measure."))
        return data


class LowIncomeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Status"), choices=LowIncomeStatus.Kind.choices)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE_WIDGET)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE_WIDGET)
    source = forms.CharField(
        label=_("Source"),
        max_length=300,
        help_text=_("The social service's decision: who decided, its number and date."),
    )

    def clean_valid_until(self) -> dt.date:
        until: dt.date = self.cleaned_data["valid_until"]
        start = self.cleaned_data.get("valid_from")
        if start is not None and until < start:
            raise ValidationError(_("The end date is before the start date."))
        return until
