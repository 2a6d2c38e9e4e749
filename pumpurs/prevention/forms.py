"""Forms of the training pages: they parse; ``services`` decides and writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pumpurs.people.access import staff_of
from pumpurs.people.models import Institution, Municipality, User
from pumpurs.prevention.models import Audience, Participant

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TrainingForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Organised by"),
        queryset=Municipality.objects.none(),
        required=False,
        empty_label=_("— the national team, for everyone —"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    topic = forms.CharField(label=_("Topic"), widget=forms.Textarea(attrs={"rows": 3}))
    organiser = forms.CharField(label=_("Organiser (who runs it)"), max_length=200)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    remote = forms.BooleanField(label=_("Remote"), required=False)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    ends_on = forms.DateField(label=_("Until"), widget=DATE)
    hours = forms.DecimalField(
        label=_("Hours"), min_value=Decimal("0.5"), max_digits=4, decimal_places=1, localize=True
    )
    cost = forms.DecimalField(
        label=_("Cost, EUR"),
        help_text=_("What the training cost the programme; activity 2's budget counts it as spent."),
        min_value=Decimal(0),
        max_digits=9,
        decimal_places=2,
        localize=True,
        required=False,
    )

    def service_data(self) -> dict[str, Any]:
        """The cleaned data as ``training_create`` takes it: the cost typed in euros, kept in cents."""
        data = dict(self.cleaned_data)
        data["cost_cents"] = int((data.pop("cost") or Decimal(0)) * 100)  # two decimals at most: exact
        return data

    def __init__(self, *args: Any, municipalities: QuerySet[Municipality], national: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = municipalities
        if not national:
            field.required = True
            field.empty_label = None


class StaffForm(forms.Form):
    """A member of staff of one of the schools the reader registers for: ``school:user`` pairs."""

    person = forms.ChoiceField(label=_("Member of staff"))

    def __init__(self, *args: Any, schools: QuerySet[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices: dict[str, tuple[Institution, User]] = {}
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        for school in schools.order_by("name"):
            options = []
            for user in staff_of(school).order_by("last_name", "first_name"):
                key = f"{school.public_id}:{user.public_id}"
                self.choices[key] = (school, user)
                options.append((key, user.get_full_name() or user.get_username()))
            if options:
                groups.append((school.name, options))
        field = self.fields["person"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = groups

    def chosen(self) -> tuple[Institution, User]:
        return self.choices[self.cleaned_data["person"]]


class ExternalForm(forms.Form):
    name = forms.CharField(label=_("Name and surname"), max_length=150)
    organisation = forms.CharField(label=_("Organisation"), max_length=200)


class AttendanceForm(forms.Form):
    present = forms.MultipleChoiceField(label=_("Present"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, participants: QuerySet[Participant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by_key = {str(p.public_id): p for p in participants}
        field = self.fields["present"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(k, f"{p.name} ({p.organisation})") for k, p in self.by_key.items()]
        field.initial = [k for k, p in self.by_key.items() if p.attended]

    def present_ids(self) -> set[int]:
        return {self.by_key[k].pk for k in self.cleaned_data["present"]}
